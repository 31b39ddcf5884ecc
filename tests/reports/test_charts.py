"""Report charts: the Drawings and their inline-SVG form (pure, no database)."""

import uuid
from datetime import date
from xml.etree import ElementTree

from django.core.cache import cache
from django.test import override_settings
from django.utils import translation
from reportlab import rl_config
from reportlab.graphics.shapes import Group, Path, String
from reportlab.pdfbase.pdfmetrics import stringWidth

from reports import charts
from reports.contents import (
    AttachmentMap,
    AttachmentPoint,
    AttachmentTrack,
    InstrumentResults,
    PartnerSeries,
    ScorePoint,
)
from reports.formatting import DASH
from tests.reports.chart_sizes import SMALLEST_READABLE_PX, smallest_text_px
from tests.reports.sample import sample_contents

SVG = "{http://www.w3.org/2000/svg}"


def _parse(svg: str) -> ElementTree.Element:
    return ElementTree.fromstring(svg)  # noqa: S314 (our own renderer's output)


def _texts(svg: str) -> list[str]:
    root = _parse(svg)
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


def _scores_svg(partners=("Zoë Ångström", "Дмитрий Соколов")) -> str:
    contents = sample_contents("year", names=partners)
    assert contents.assessments is not None
    drawing = charts.scores_chart(
        contents.assessments[0], contents.partners, contents.period_start, contents.period_end
    )
    return charts.drawing_to_svg(drawing)


def test_scores_chart_svg_names_both_partners_in_its_legend():
    texts = _scores_svg()
    labels = _texts(texts)
    assert "Zoë Ångström" in labels
    assert "Дмитрий Соколов" in labels


def test_scores_chart_titles_its_value_axis_with_the_direction():
    labels = _texts(_scores_svg())
    assert "Total (higher is worse)" in labels


def test_scores_chart_labels_months_on_its_date_axis():
    labels = _texts(_scores_svg())
    assert {"Feb", "Jun", "Dec"} <= set(labels)


def test_scores_chart_names_the_bands_beside_the_plot():
    labels = _texts(_scores_svg())
    assert {"Minimal", "Moderate", "Severe"} <= set(labels)


def test_svg_is_a_bare_element_ready_to_embed_inline():
    svg = _scores_svg()
    assert svg.startswith("<svg ")
    assert "<?xml" not in svg
    assert "<!DOCTYPE" not in svg
    assert svg.rstrip().endswith("</svg>")


def test_svg_carries_no_ids_that_would_clash_between_charts_on_one_page():
    assert " id=" not in _scores_svg()


def test_svg_title_names_the_chart_for_screen_readers():
    root = _parse(_scores_svg())
    title = root.find(f"{SVG}title")
    assert title is not None
    assert title.text == "PHQ-9 (depression): total scores over time"


def test_svg_escapes_markup_in_partner_names():
    svg = _scores_svg(("<b>Sam</b> & Co", 'Alex "<script>"'))
    assert "<b>" not in svg
    assert "<script>" not in svg
    assert "&lt;b&gt;Sam&lt;/b&gt; &amp; Co" in svg
    assert "<b>Sam</b> & Co" in _texts(svg)


def test_svg_declares_a_font_stack_with_dejavu():
    assert "'DejaVu Sans'" in _scores_svg()


def _attachment_svg() -> str:
    contents = sample_contents("year")
    assert contents.attachment is not None
    return charts.drawing_to_svg(charts.attachment_chart(contents.attachment, contents.partners))


def test_attachment_map_labels_its_four_quadrants():
    labels = set(_texts(_attachment_svg()))
    assert {"Secure", "Preoccupied", "Dismissing", "Fearful"} <= labels


def test_attachment_map_titles_both_axes_with_the_scale():
    labels = set(_texts(_attachment_svg()))
    assert f"Anxiety (1{DASH}7)" in labels
    assert f"Avoidance (1{DASH}7)" in labels


def test_attachment_map_names_each_partner_with_first_and_latest_dates():
    labels = _texts(_attachment_svg())
    assert "Zoë Ångström" in labels
    assert "Дмитрий Соколов" in labels
    assert "first 6 Jan 2025" in labels


def test_attachment_map_says_the_quadrants_are_descriptive():
    labels = _texts(_attachment_svg())
    assert "Quadrant names are a descriptive" in labels


def test_attachment_map_puts_high_anxiety_low_avoidance_in_the_preoccupied_corner():
    attachment = AttachmentMap(
        instrument="ECR-R",
        tracks=(AttachmentTrack(0, (AttachmentPoint(date(2025, 1, 1), 6.5, 1.5),)),),
    )
    drawing = charts.attachment_chart(attachment, ("A", "B"))
    # markers are paths; the point's marker starts at its edge, inside the top-left quarter
    starts = [
        (s.points[0], s.points[1]) for s in drawing.contents if isinstance(s, Path) and s.points
    ]
    plot_left, plot_bottom, side = 44, 40, drawing.height - 52
    assert any(x < plot_left + side / 2 and y > plot_bottom + side / 2 for x, y in starts)
    assert not any(x > plot_left + side / 2 and x < plot_left + side for x, _ in starts)


def test_regulation_chart_has_a_strip_per_partner_and_for_both_out_of_window():
    contents = sample_contents("year")
    assert contents.regulation is not None
    svg = charts.drawing_to_svg(
        charts.regulation_chart(
            contents.regulation,
            contents.partners,
            contents.period_start,
            contents.period_end,
            contents.both_out_of_window,
        )
    )
    labels = _texts(svg)
    assert "Zoë Ångström" in labels
    assert "Дмитрий Соколов" in labels
    assert labels.count("Both out of window") == 2  # strip label and legend entry
    assert {"Hyperaroused", "Within window", "Hypoaroused", "No check-in"} <= set(labels)


def test_regulation_chart_without_both_out_row_omits_it():
    contents = sample_contents("year", "partner", viewer=1)
    assert contents.regulation is not None
    labels = _texts(
        charts.drawing_to_svg(
            charts.regulation_chart(
                contents.regulation, contents.partners, contents.period_start, contents.period_end
            )
        )
    )
    assert "Дмитрий Соколов" in labels
    assert "Zoë Ångström" not in labels
    assert "Both out of window" not in labels


def test_physiology_chart_titles_its_axis_with_label_and_unit_and_marks_sessions():
    contents = sample_contents("year")
    assert contents.physiology is not None
    series = [s for s in contents.physiology if s.kind == "hrv_rmssd"]
    svg = charts.drawing_to_svg(
        charts.physiology_chart(
            series,
            contents.partners,
            contents.period_start,
            contents.period_end,
            contents.session_dates,
        )
    )
    labels = _texts(svg)
    assert "HRV (RMSSD) (ms)" in labels
    assert "session held" in labels
    assert "Zoë Ångström" in labels


def test_scores_chart_draws_a_single_point_and_an_empty_series():
    instrument = InstrumentResults(
        code="gad7",
        name="GAD-7",
        score_min=0,
        score_max=21,
        higher_is_better=False,
        series=(
            PartnerSeries(0, (ScorePoint(date(2025, 3, 1), 9.0),)),
            PartnerSeries(1, ()),
        ),
    )
    drawing = charts.scores_chart(instrument, ("A", "B"), date(2025, 3, 1), date(2025, 3, 1))
    assert "GAD-7" in charts.drawing_to_svg(drawing)


def test_building_charts_leaves_reportlab_shape_checking_as_it_was():
    before = rl_config.shapeChecking
    _scores_svg()
    assert rl_config.shapeChecking == before


def test_svg_lines_are_not_filled():
    root = _parse(_scores_svg())
    polylines = list(root.iter(f"{SVG}polyline"))
    assert polylines
    for line in polylines:
        assert line.get("fill") == "none"


def test_svg_draws_with_presentation_attributes_not_style_attributes():
    """The pages' Content-Security-Policy refuses inline style attributes: colours, strokes
    and fonts travel as SVG attributes, which it allows."""
    for svg in (_scores_svg(), _attachment_svg()):
        root = _parse(svg)
        assert not [e.tag for e in root.iter() if "style" in e.attrib]
        texts = list(root.iter(f"{SVG}text"))
        assert texts
        assert all("DejaVu Sans" in t.get("font-family", "") for t in texts)
        assert all(t.get("font-size", "").endswith("px") for t in texts)
        strokes = [e.get("stroke") for e in root.iter(f"{SVG}path") if e.get("stroke")]
        assert any(s.startswith("rgb(") for s in strokes)


def test_quadrant_names_sit_above_the_markers_on_a_backing():
    from reportlab.graphics.shapes import PolyLine, Rect, String

    from reports.charts import LABEL_BACKING, attachment_chart

    contents = sample_contents("year")
    items = list(attachment_chart(contents.attachment, contents.partners).contents)
    last_track = max(i for i, item in enumerate(items) if isinstance(item, PolyLine))
    for name in ("Secure", "Preoccupied", "Dismissing", "Fearful"):
        index = next(
            i for i, item in enumerate(items) if isinstance(item, String) and item.text == name
        )
        assert index > last_track, f"{name} is drawn under the partners' tracks"
        backing = items[index - 1]
        assert isinstance(backing, Rect) and backing.fillColor == LABEL_BACKING


def _strings(group) -> list[String]:
    found = []
    for shape in group.contents:
        if isinstance(shape, String):
            found.append(shape)
        elif isinstance(shape, Group) and tuple(shape.transform[:4]) == (1, 0, 0, 1):
            found.extend(_strings(shape))
    return found


def _web_charts() -> list[str]:
    contents = sample_contents("year", names=("Zoë Ångström", "Дмитрий Соколов"))
    assert contents.assessments and contents.attachment and contents.physiology
    with charts.web_sizes():
        drawings = [
            charts.scores_chart(
                contents.assessments[0],
                contents.partners,
                contents.period_start,
                contents.period_end,
                width=charts.WEB_WIDTH,
            ),
            charts.attachment_chart(contents.attachment, contents.partners, width=charts.WEB_WIDTH),
            charts.physiology_chart(
                contents.physiology[:1],
                contents.partners,
                contents.period_start,
                contents.period_end,
                contents.session_dates,
                width=charts.WEB_WIDTH,
            ),
        ]
    return [charts.drawing_to_svg(drawing) for drawing in drawings]


def test_web_charts_text_is_at_least_11_px_on_a_390_px_phone():
    for svg in _web_charts():
        assert smallest_text_px(svg) >= SMALLEST_READABLE_PX, svg[:200]


def test_web_charts_scale_with_the_page_and_carry_no_style_attributes():
    for svg in _web_charts():
        root = _parse(svg)
        assert root.attrib["viewBox"].split()[2] == str(int(charts.WEB_WIDTH))
        assert not any("style" in element.attrib for element in root.iter())


def test_pdf_charts_keep_their_print_sizes():
    # the web's larger text is only for the web: the report's labels stay 6.5-8 pt on 480 pt
    root = _parse(_scores_svg())
    assert root.attrib["viewBox"] == "0 0 480 190"
    sizes = {t.attrib["font-size"] for t in root.iter(f"{SVG}text")}
    assert sizes <= {"6.5px", "7px", "7.5px", "8px"}
    assert smallest_text_px(_scores_svg()) < SMALLEST_READABLE_PX


def test_web_chart_legend_names_stay_inside_the_chart():
    contents = sample_contents("year", names=("Zoë Ångström", "Дмитрий Соколов"))
    assert contents.assessments
    with charts.web_sizes():
        drawing = charts.scores_chart(
            contents.assessments[0],
            ("Alexandria Montgomery-Fitzwilliam", "Bartholomew Featherstonehaugh"),
            contents.period_start,
            contents.period_end,
            width=charts.WEB_WIDTH,
        )
    names = [s.text for s in _strings(drawing) if s.text.startswith(("Alexandria", "Bartholo"))]
    # one name a row rather than cut short
    assert names == ["Alexandria Montgomery-Fitzwilliam", "Bartholomew Featherstonehaugh"]
    for string in _strings(drawing):
        width = stringWidth(string.text, string.fontName, string.fontSize)
        left = string.x - (width if string.textAnchor == "end" else 0)
        left -= width / 2 if string.textAnchor == "middle" else 0
        assert left >= 0 and left + width <= drawing.width + 0.5, string.text


def test_a_chart_is_drawn_once_for_its_data_and_read_back_the_same_from_the_cache():
    contents = sample_contents("year", names=(f"Ada {uuid.uuid4().hex[:8]}", "Bo Lind"))
    assert contents.assessments is not None
    args = (contents.assessments[0], contents.partners, contents.period_start, contents.period_end)
    drawn = []

    def scores_chart(*given):
        drawn.append(given)
        return charts.scores_chart(*given)

    expected = charts.drawing_to_svg(charts.scores_chart(*args))
    first = charts.chart_svg(scores_chart, *args)
    again = charts.chart_svg(scores_chart, *args)
    assert first == again == expected
    assert len(drawn) == 1  # new names: drawn the first time, read from the cache after
    # Other data is another key: a later score is drawn, never the earlier chart.
    other = charts.chart_svg(scores_chart, *args[:2], args[2], date(2031, 1, 1))
    assert len(drawn) == 2 and other != first
    # So is another language (the axes' words and dates).
    with translation.override("en-us"):
        charts.chart_svg(scores_chart, *args)
    assert len(drawn) == 3
    # And the web's text sizes.
    with charts.web_sizes():
        charts.chart_svg(scores_chart, *args)
    assert len(drawn) == 4


def test_the_cache_holds_a_chart_encrypted_and_draws_again_what_does_not_decrypt():
    name = f"Ada {uuid.uuid4().hex[:8]}"
    contents = sample_contents("year", names=(name, "Bo Lind"))
    assert contents.assessments is not None
    args = (contents.assessments[0], contents.partners, contents.period_start, contents.period_end)
    svg = charts.chart_svg(charts.scores_chart, *args)
    assert name in svg
    key = charts.chart_cache_key(charts.scores_chart, args, {}, None)
    stored = cache.get(key)
    # Names, scores and the drawing itself are not readable from Redis (or its stand-in table).
    assert isinstance(stored, bytes)
    assert name.encode() not in stored and b"<svg" not in stored
    assert charts.chart_svg(charts.scores_chart, *args) == svg  # read back through the seal
    # A value that does not decrypt (another SECRET_KEY, an unsealed or altered one) is drawn
    # again and replaced.
    cache.set(key, svg.encode(), 60)
    assert charts.chart_svg(charts.scores_chart, *args) == svg
    assert cache.get(key) != svg.encode()
    with override_settings(SECRET_KEY="another-" + "k" * 50):
        assert charts.chart_svg(charts.scores_chart, *args) == svg
        assert charts.chart_svg(charts.scores_chart, *args) == svg
