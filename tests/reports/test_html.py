"""Standalone HTML rendering of progress reports (pure, no database)."""

from dataclasses import replace
from html.parser import HTMLParser

from bench.html import render_html
from tests.reports.sample import sample_contents


class _Collector(HTMLParser):
    """Collects tag names and the visible text of an HTML document."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag in ("style", "title"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("style", "title"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.text.append(data)


def _parse(html: str) -> _Collector:
    collector = _Collector()
    collector.feed(html)
    return collector


def test_html_is_a_standalone_utf8_document():
    html = render_html(sample_contents("month"))
    assert html.startswith("<!DOCTYPE html>")
    assert '<meta charset="utf-8">' in html
    assert "<link" not in html
    assert "<script" not in html


def test_html_escapes_markup_in_user_text():
    html = render_html(sample_contents("year"))
    assert "fewer &lt;b&gt;escalations&lt;/b&gt;" in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html
    assert "Praxis Müller &amp; Söhne &lt;Paartherapie&gt;" in html
    tags = set(_parse(html).tags)
    assert "b" not in tags
    assert "script" not in tags


def test_html_shows_names_in_several_scripts_as_text():
    text = "".join(_parse(render_html(sample_contents("year"))).text)
    assert "Zoë Ångström" in text
    assert "Дмитрий Соколов" in text
    assert "Dr Ελένη Παπαδοπούλου" in text


def test_html_embeds_every_chart_as_inline_svg():
    html = render_html(sample_contents("year"))
    # four instruments less ECR-R (shown on the map), the map, regulation, two physiology kinds
    assert html.count("<svg ") == 3 + 1 + 1 + 2
    assert "<?xml" not in html


def test_html_has_the_same_sections_as_the_pdf_for_the_audience():
    clinical = render_html(sample_contents("year"))
    couple = render_html(sample_contents("year", "couple"))
    assert 'id="section-assessments"' in clinical
    assert 'id="section-assessments"' not in couple
    assert "<h2>Next steps</h2>" in couple


def test_html_prints_page_numbers_and_the_notice_on_every_page():
    html = render_html(sample_contents("month"))
    assert 'content: "Page " counter(page) " of " counter(pages)' in html
    assert 'class="running-footer"' in html
    assert "Confidential clinical information." in html


def test_html_drops_control_characters_from_user_text():
    html = render_html(replace(sample_contents("month"), plan="Breathe\x00 daily\x0b"))
    assert "Breathe daily" in html
    assert "\x00" not in html
