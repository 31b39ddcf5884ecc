"""Server-rendered SVG charts of a couple's results, drawn by the report charts (the same
drawings the PDF progress reports use): totals over time with the published bands shaded, and
the attachment map (ECR anxiety against avoidance, 1-7, midpoint guides at 4, quadrants named
as a descriptive aid only)."""

from assessments.results import ATTACHMENT_INSTRUMENTS, InstrumentResults
from reports import charts
from reports import contents as rc


def _report_instrument(results: InstrumentResults, show_bands: bool) -> rc.InstrumentResults:
    instrument = results.instrument
    total = instrument.total
    bands = ()
    if show_bands and total is not None and total.bands is not None:
        bands = tuple(rc.BandRange(b.label, b.min, b.max) for b in total.bands.ranges)
    series = []
    for partner in results.partners:
        total_series = partner.scale("total")
        points = tuple(
            rc.ScorePoint(on=p.on, total=p.value, band=p.band, prorated=p.prorated)
            for p in (total_series.points if total_series else ())
        )
        series.append(rc.PartnerSeries(partner=partner.index, points=points))
    return rc.InstrumentResults(
        code=instrument.code,
        name=instrument.short_name,
        score_min=total.range_min if total else 0,
        score_max=total.range_max if total else 1,
        higher_is_better=(total.direction if total else instrument.direction) == "higher_is_better",
        series=tuple(series),
        bands=bands,
    )


def scores_svg(
    results: InstrumentResults, partner_names: tuple[str, str], *, show_bands: bool = True
) -> str | None:
    """Totals over time, one line per partner; None for instruments without a total.
    `show_bands=False` leaves the published bands out (clients, unless the clinic allows)."""
    if results.instrument.total is None:
        return None
    days = [p.on for partner in results.partners for p in partner.scales[0].points]
    if not days:
        return None
    drawing = charts.scores_chart(
        _report_instrument(results, show_bands), partner_names, min(days), max(days)
    )
    return charts.drawing_to_svg(drawing)


def attachment_svg(
    all_results: list[InstrumentResults],
    partner_names: tuple[str, str],
    *,
    quadrant_names: bool = True,
) -> str | None:
    """The attachment map from the ECR-R (or, without it, the ECR-S) results; None if neither.
    `quadrant_names=False` leaves out the corner names ("Fearful", "Dismissing" ...): they read
    as categories, so clients see them only where the clinic shows them score bands."""
    chosen = next((r for r in all_results if r.code in ATTACHMENT_INSTRUMENTS), None)
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
    drawing = charts.attachment_chart(
        rc.AttachmentMap(instrument=chosen.instrument.short_name, tracks=tuple(tracks)),
        partner_names,
        quadrant_names=quadrant_names,
    )
    return charts.drawing_to_svg(drawing)
