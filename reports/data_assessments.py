"""The assessment sections of a report: per-instrument score series per partner, change since
baseline with its reliable-change verdict, partners side by side, and the attachment map.

Two queries whatever the number of responses: the submitted responses in the period, and the
clinic's reliability overrides.
"""

from collections import defaultdict
from datetime import date

from django.utils import timezone

from assessments.models import ReliabilityOverride, Response, ResponseStatus
from assessments.reliable_change import NO_REFERENCE, partner_discrepancy, series_change
from assessments.scoring import ScoreResult, get_instrument
from clinic.confidentiality import Material
from reports.contents import (
    AttachmentMap,
    AttachmentPoint,
    AttachmentTrack,
    BandRange,
    BaselineChange,
    InstrumentResults,
    PartnerSeries,
    ScorePoint,
    SideBySideRow,
)

# Attachment instruments whose two dimensions make the attachment map, preferred first.
ATTACHMENT_INSTRUMENTS = ("ecrr", "ecrs")


def _override_params(clinic) -> dict:
    rows = ReliabilityOverride.objects.for_clinic(clinic).order_by("set_at")
    return {(row.instrument_code, row.scale_id): row for row in rows}


def _params_for(instrument, scale, overrides):
    row = overrides.get((instrument.code, scale.id))
    if row is None:
        return None
    return scale.reliability.overridden(
        sd=row.sd, r=row.r, fixed_threshold=row.fixed_threshold, source=row.source
    )


def _responses(scope):
    return list(
        Response.objects.for_clinic(scope.couple.clinic)
        .filter(
            couple=scope.couple,
            status=ResponseStatus.SUBMITTED,
            submitted_at__gte=scope.start,
            submitted_at__lte=scope.end,
        )
        .order_by("submitted_at")
        .values("partner_id", "instrument_code", "instrument_version", "submitted_at", "scores")
    )


def _verdict_text(change) -> str:
    if change.method and change.criterion is not None and change.verdict != NO_REFERENCE:
        return f"{change.verdict} ({change.method})"
    return change.verdict


def gather_assessments(scope) -> dict:
    """`assessments` and `attachment` sections for the report's audience."""
    tz = scope.couple.clinic.tz
    overrides = _override_params(scope.couple.clinic)
    # instrument code -> partner index -> [(date, ScoreResult)]
    by_instrument: dict[str, dict[int, list[tuple[date, ScoreResult]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for row in _responses(scope):
        partner = scope.partner_index(row["partner_id"])
        if partner is None or not scope.may_see(Material.QUESTIONNAIRE_RESULT, row["partner_id"]):
            continue
        if not row["scores"]:
            continue
        result = ScoreResult.from_dict(row["scores"])
        on = timezone.localtime(row["submitted_at"], tz).date()
        by_instrument[row["instrument_code"]][partner].append((on, result))

    sections = []
    attachment_tracks: dict[str, list[AttachmentTrack]] = {}
    for code in sorted(by_instrument):
        per_partner = by_instrument[code]
        instrument = get_instrument(code)
        headline = instrument.total or (instrument.subscales[0] if instrument.subscales else None)
        if headline is None:
            continue
        series = []
        for partner in sorted(per_partner):
            results = per_partner[partner]
            points = tuple(
                ScorePoint(
                    on=on,
                    total=_value(result, headline.id),
                    subscales={s.name: s.value for s in result.subscales if s.value is not None},
                    band=result.scale(headline.id).band if _has(result, headline.id) else None,
                    prorated=_has(result, headline.id) and result.scale(headline.id).prorated,
                )
                for on, result in results
            )
            change = series_change(
                instrument,
                headline,
                [(p.on, p.total) for p in points],
                params=_params_for(instrument, headline, overrides),
            ).since_baseline
            baseline = None
            if change is not None:
                usable = [p for p in points if p.total is not None]
                baseline = BaselineChange(
                    baseline_on=usable[0].on,
                    baseline_total=change.before,
                    latest_on=usable[-1].on,
                    latest_total=change.after,
                    change=change.difference,
                    verdict=_verdict_text(change),
                    reliable=None
                    if change.verdict == NO_REFERENCE
                    else change.verdict.startswith("reliably"),
                    improved=None
                    if change.difference == 0
                    else change.verdict.endswith("improved"),
                )
            series.append(PartnerSeries(partner=partner, points=points, change=baseline))
        side_by_side = (
            _side_by_side(instrument, headline, per_partner, overrides)
            if len(per_partner) == 2
            else ()
        )
        sections.append(
            InstrumentResults(
                code=code,
                name=instrument.short_name,
                score_min=headline.range_min,
                score_max=headline.range_max,
                higher_is_better=headline.direction == "higher_is_better",
                series=tuple(series),
                subscale_names=tuple(s.name for s in instrument.subscales)
                if instrument.total
                else (),
                bands=tuple(
                    BandRange(b.label, b.min, b.max)
                    for b in (headline.bands.ranges if headline.bands else ())
                ),
                side_by_side=side_by_side,
            )
        )
        if code in ATTACHMENT_INSTRUMENTS:
            attachment_tracks[code] = [
                AttachmentTrack(
                    partner=partner,
                    points=tuple(
                        AttachmentPoint(
                            on=on, anxiety=_value(r, "anxiety"), avoidance=_value(r, "avoidance")
                        )
                        for on, r in per_partner[partner]
                        if _value(r, "anxiety") is not None and _value(r, "avoidance") is not None
                    ),
                )
                for partner in sorted(per_partner)
            ]
    attachment = None
    for code in ATTACHMENT_INSTRUMENTS:
        if code in attachment_tracks:
            attachment = AttachmentMap(
                instrument=get_instrument(code).short_name, tracks=tuple(attachment_tracks[code])
            )
            break
    return {"assessments": tuple(sections), "attachment": attachment}


def _has(result: ScoreResult, scale_id: str) -> bool:
    return any(s.id == scale_id for s in result.scales)


def _value(result: ScoreResult, scale_id: str):
    return result.scale(scale_id).value if _has(result, scale_id) else None


def _side_by_side(instrument, scale, per_partner, overrides) -> tuple[SideBySideRow, ...]:
    """Rows for occasions both partners answered in the same week (the same round)."""
    a = {on.isocalendar()[:2]: (on, _value(r, scale.id)) for on, r in per_partner.get(0, [])}
    b = {on.isocalendar()[:2]: (on, _value(r, scale.id)) for on, r in per_partner.get(1, [])}
    rows = []
    for week in sorted(a.keys() & b.keys()):
        (on, va), (_, vb) = a[week], b[week]
        if va is None or vb is None:
            rows.append(SideBySideRow(on=on, totals=(va, vb), difference=None))
            continue
        d = partner_discrepancy(
            instrument, scale, va, vb, params=_params_for(instrument, scale, overrides)
        )
        rows.append(
            SideBySideRow(
                on=on,
                totals=(va, vb),
                difference=d.difference,
                beyond_error=d.beyond_measurement_error,
            )
        )
    return tuple(rows)
