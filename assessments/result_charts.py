"""Server-rendered SVG charts of a couple's results, drawn by the report charts (the same
drawings the PDF progress reports use): scores over time with the published bands shaded, one
chart per scale for instruments without a total (ECR-R, ECR-S, BPQ-SF: a dimension is never
drawn as a total), and the attachment map (ECR anxiety against avoidance, 1-7, midpoint guides
at 4, quadrants named as a descriptive aid only). They are drawn at the web's sizes (narrower,
larger text) so that they read on a phone."""

from assessments.definitions import Scale
from assessments.results import InstrumentResults, attachment_form
from reports import charts
from reports import contents as rc


def _report_scale(
    results: InstrumentResults, scale: Scale, show_bands: bool
) -> rc.InstrumentResults:
    instrument = results.instrument
    bands = ()
    if show_bands and scale.bands is not None:
        bands = tuple(rc.BandRange(b.label, b.min, b.max) for b in scale.bands.ranges)
    series = []
    for partner in results.partners:
        scale_series = partner.scale(scale.id)
        points = tuple(
            rc.ScorePoint(on=p.on, total=p.value, band=p.band, prorated=p.prorated)
            for p in (scale_series.points if scale_series else ())
        )
        series.append(rc.PartnerSeries(partner=partner.index, points=points))
    with_total = instrument.total is not None
    return rc.InstrumentResults(
        code=instrument.code,
        name=instrument.short_name if with_total else f"{instrument.short_name}: {scale.name}",
        score_min=scale.range_min,
        score_max=scale.range_max,
        higher_is_better=scale.direction == "higher_is_better",
        series=tuple(series),
        bands=bands,
        scale_id=scale.id,
        scale_name=scale.name,
        direction=scale.direction,
        method=scale.method,
    )


def scores_svg(
    results: InstrumentResults, partner_names: tuple[str, str], *, show_bands: bool = True
) -> str | None:
    """The total over time, one line per partner; for an instrument without a total, one chart
    per scale under its own name. None when nothing was scored. `show_bands=False` leaves the
    published bands out (clients, unless the clinic allows)."""
    instrument = results.instrument
    scales = [instrument.total] if instrument.total is not None else list(instrument.subscales)
    svgs = []
    for scale in scales:
        days = [
            p.on
            for partner in results.partners
            for s in partner.scales
            if s.scale_id == scale.id
            for p in s.points
            if p.value is not None
        ]
        if not days:
            continue
        with charts.web_sizes():
            svgs.append(
                charts.chart_svg(
                    charts.scores_chart,
                    _report_scale(results, scale, show_bands),
                    tuple(partner_names),
                    min(days),
                    max(days),
                    width=charts.WEB_WIDTH,
                )
            )
    return "".join(svgs) or None


def attachment_choice(all_results: list[InstrumentResults]):
    """(the ECR results the map plots, [(partner index, why left out)]), or (None, [])."""
    by_code = {r.code: r for r in all_results}
    code, left_out = attachment_form(
        {code: {p.index for p in r.partners} for code, r in by_code.items()}
    )
    return (by_code[code] if code else None), left_out


def attachment_notes(
    all_results: list[InstrumentResults], partner_names: tuple[str, str]
) -> list[str]:
    """Who the attachment map leaves out and why (e.g. one partner answered ECR-S, the other
    ECR-R), in the words the PDF uses."""
    _, left_out = attachment_choice(all_results)
    return [f"{partner_names[index]} is not on this map: {why}." for index, why in left_out]


def attachment_svg(
    all_results: list[InstrumentResults],
    partner_names: tuple[str, str],
    *,
    quadrant_names: bool = True,
) -> str | None:
    """The attachment map from the ECR form `attachment_form` chooses; None if neither.
    `quadrant_names=False` leaves out the corner names ("Fearful", "Dismissing" ...): they read
    as categories, so clients see them only where the clinic shows them score bands."""
    chosen, _ = attachment_choice(all_results)
    if chosen is None:
        return None
    tracks = []
    for partner in chosen.partners:
        anxiety, avoidance = partner.scale("anxiety"), partner.scale("avoidance")
        if anxiety is None or avoidance is None:
            continue
        by_response = {p.response_id: p for p in avoidance.points if p.value is not None}
        points = tuple(
            rc.AttachmentPoint(on=p.on, anxiety=p.value, avoidance=by_response[p.response_id].value)
            for p in anxiety.points
            if p.value is not None and p.response_id in by_response
        )
        if points:
            tracks.append(rc.AttachmentTrack(partner=partner.index, points=points))
    if not tracks:
        return None
    with charts.web_sizes():
        return charts.chart_svg(
            charts.attachment_chart,
            rc.AttachmentMap(instrument=chosen.instrument.short_name, tracks=tuple(tracks)),
            tuple(partner_names),
            width=charts.WEB_WIDTH,
            quadrant_names=quadrant_names,
        )
