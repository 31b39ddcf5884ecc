"""PDF rendering of progress reports, read back with pypdf (pure, no database)."""

import io
from dataclasses import replace
from functools import cache

import arabic_reshaper
from pypdf import PdfReader
from reportlab import rl_config

from reports import fonts
from reports.contents import ReportContents
from reports.formatting import DASH
from reports.pdf import markup, render_pdf
from reports.reportlab_settings import overridden
from tests.reports.sample import sample_contents


def _pages(contents: ReportContents) -> list[str]:
    reader = PdfReader(io.BytesIO(render_pdf(contents)))
    return [page.extract_text() for page in reader.pages]


@cache
def _year_clinical() -> tuple[str, ...]:
    return tuple(_pages(sample_contents("year")))


def _text(pages) -> str:
    return "\n".join(pages)


def _flat(pages) -> str:
    """The text with all whitespace runs as single spaces (table headers wrap)."""
    return " ".join(_text(pages).split())


def test_render_pdf_returns_a_pdf_document():
    assert render_pdf(sample_contents("month")).startswith(b"%PDF-")


def test_names_in_accented_latin_cyrillic_and_greek_come_back_as_letters():
    text = _text(_year_clinical())
    assert "Zoë Ångström" in text
    assert "Дмитрий Соколов" in text
    assert "Dr Ελένη Παπαδοπούλου" in text


def test_report_embeds_dejavu_rather_than_a_latin_1_standard_font():
    reader = PdfReader(io.BytesIO(render_pdf(sample_contents("month"))))
    base_fonts = set()
    for page in reader.pages:
        resources = page["/Resources"]["/Font"]
        base_fonts |= {str(resources[name].get_object()["/BaseFont"]) for name in resources}
    assert any("DejaVuSans" in name for name in base_fonts)
    assert not any("Helvetica" in name or "Times" in name for name in base_fonts)


def test_markup_like_user_text_appears_literally():
    text = _text(_year_clinical())
    assert "Praxis Müller & Söhne <Paartherapie>" in text
    assert "Seán Ó Briain <b>MSc</b>" in text
    assert "fewer <b>escalations</b>" in text
    assert "arousal < 5" in text
    assert "<script>x</script>" in text
    assert "Resonance breathing <5 s in & 5 s out>" in text


def test_user_text_cannot_change_the_formatting_of_a_paragraph():
    contents = replace(sample_contents("month"), summary='<font size="40" color="red">BIG</font>')
    assert '<font size="40" color="red">BIG</font>' in _text(_pages(contents))


def test_control_characters_in_user_text_are_dropped_not_fatal():
    contents = replace(sample_contents("month"), plan="Breathe\x00 daily\x07 & rest")
    assert "Breathe daily & rest" in _text(_pages(contents))


def test_every_page_has_a_page_n_of_m_footer():
    pages = _year_clinical()
    assert len(pages) > 3
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in page


def test_every_page_shows_generation_time_in_the_clinic_time_zone_and_the_notice():
    for page in _year_clinical():
        # generated 13:30 UTC in January: 14:30 in Berlin
        assert "Generated 5 Jan 2026, 14:30 (Europe/Berlin)" in page
        assert "Confidential clinical information." in page


def test_later_pages_repeat_the_clinic_and_couple_in_a_header():
    pages = _year_clinical()
    assert "Ångström & Соколов · 6 Jan 2025" in pages[1]


def test_first_page_has_the_clinic_and_therapist_header_and_the_period():
    first = _year_clinical()[0]
    assert first.startswith("Praxis Müller & Söhne <Paartherapie>")
    assert "Therapists" in first
    assert f"6 Jan 2025 {DASH} 5 Jan 2026" in first


CLINICAL_HEADINGS = (
    "Attendance",
    "Assessments",
    "Attachment map",
    "Regulation",
    "Homework adherence",
    "Time-outs",
    "Physiological measurements",
    "Therapist's summary",
    "Plan",
)


def test_clinical_report_has_every_section():
    lines = {line.strip() for line in _text(_year_clinical()).splitlines()}
    for heading in CLINICAL_HEADINGS:
        assert heading in lines, heading


def test_clinical_report_shows_instruments_bands_verdicts_and_side_by_side():
    text = _flat(_year_clinical())
    assert "PHQ-9 (depression)" in text
    assert "Moderately severe" in text
    assert "Reliable improvement" in text
    assert "No reliability reference configured" in text
    assert "Beyond error" in text
    assert "Clarity" in text  # a DERS-16 subscale


def test_clinical_report_counts_attendance_and_lists_individual_sessions():
    text = _text(_year_clinical())
    assert "Individual (Дмитрий Соколов)" in text
    assert "No-show" in text


def test_clinical_report_lists_days_both_partners_were_out_of_their_window():
    contents = sample_contents("year")
    assert contents.both_out_of_window
    count = len(contents.both_out_of_window)
    assert f"Days both partners were out of their window: {count}." in _text(_year_clinical())


def test_clinical_report_summarises_time_outs_and_reconvening():
    assert "reconvened after 12 of 14 time-outs (86%)" in _text(_year_clinical())


def test_couple_report_without_shared_results_omits_individual_material():
    text = _text(_pages(sample_contents("year", "couple")))
    assert "Questionnaires" not in text
    assert "Closeness and distance" not in text
    assert "Staying within your window" not in text
    assert "Body measurements" not in text
    assert "Individual (" not in text
    assert "Zoë Ångström" in text  # named in the header, as the couple


def test_couple_report_uses_plain_language_headings():
    lines = {line.strip() for line in _text(_pages(sample_contents("year", "couple"))).splitlines()}
    assert {
        "Sessions",
        "Practice between sessions",
        "Summary from your therapist",
        "Next steps",
    } <= (lines)
    assert "Homework adherence" not in lines
    assert "Therapist's summary" not in lines


def test_couple_report_with_shared_results_shows_both_partners_questionnaires():
    contents = sample_contents("year", "couple", share_individual_results=True)
    text = _flat(_pages(contents))
    assert "Questionnaires" in text
    assert "A real difference?" in text


def test_partner_report_shows_own_results_without_side_by_side_or_other_partners_sessions():
    text = _flat(_pages(sample_contents("year", "partner", viewer=1)))
    assert "Your progress" in text
    assert "Individual (Дмитрий Соколов)" in text
    assert "Individual (Zoë Ångström)" not in text
    assert "A real difference?" not in text
    assert "outside your window" not in text


def test_sections_left_out_of_the_contents_are_omitted():
    contents = replace(sample_contents("month"), physiology=None, attachment=None, plan=None)
    lines = {line.strip() for line in _text(_pages(contents)).splitlines()}
    assert "Physiological measurements" not in lines
    assert "Attachment map" not in lines
    assert "Plan" not in lines
    assert "Attendance" in lines


def test_section_with_nothing_recorded_says_so():
    contents = replace(sample_contents("month"), adherence=())
    assert "Nothing recorded in this period." in _text(_pages(contents))


def test_markup_escapes_and_keeps_line_breaks():
    assert markup("a<b>&c\nd") == "a&lt;b&gt;&amp;c<br/>d"


def _embedded_fonts(data: bytes) -> set[str]:
    names = set()
    for page in PdfReader(io.BytesIO(data)).pages:
        resources = page["/Resources"]["/Font"]
        names |= {str(resources[name].get_object()["/BaseFont"]) for name in resources}
    return names


def test_names_in_every_script_print_as_letters():
    """Korean, Chinese, Arabic (joined, right to left), Hebrew and emoji come back from the PDF
    as the letters written, each in an embedded font that has them (bin/ensure-browser and
    the Dockerfile install the fonts)."""
    contents = sample_contents("month", names=("김민준 王小明", "أحمد שרה 🌸"))
    data = render_pdf(contents)
    text = _text(_pages(contents))
    assert "김민준" in text and "王小明" in text
    # pypdf reads right-to-left runs back in reading order: the Arabic comes back as its
    # joined letter forms (drawn, not four isolated letters), the Hebrew as written
    assert arabic_reshaper.reshape("أحمد") in text
    assert "שרה" in text
    assert fonts.PLACEHOLDER not in text
    # (ReportLab writes the ToUnicode entry of a character beyond U+FFFF in a form pypdf cannot
    # read, so the emoji itself is checked through its font: drawn by Symbola, not replaced.)
    assert fonts.font_runs("🌸") == [("🌸", "AttuneSymbols")]
    embedded = _embedded_fonts(data)
    for face in ("NanumGothic", "DroidSansFallback", "NotoSansArabic", "NotoSansHebrew", "Symbola"):
        assert any(face in name for name in embedded), face


def test_a_letter_no_font_has_prints_as_a_visible_placeholder():
    contents = sample_contents("month", names=("Zoë \U000f0001", "Ελένη"))
    assert f"Zoë {fonts.PLACEHOLDER}" in _text(_pages(contents))


def test_rendering_leaves_reportlab_settings_as_they_were():
    before = (rl_config.useA85, rl_config.shapeChecking)
    render_pdf(sample_contents("month"))
    assert (rl_config.useA85, rl_config.shapeChecking) == before


def test_nested_setting_overrides_restore_the_original_value_once_all_end():
    original = rl_config.useA85
    with overridden(useA85=0):
        with overridden(useA85=0):
            assert rl_config.useA85 == 0
        assert rl_config.useA85 == 0
    assert rl_config.useA85 == original
