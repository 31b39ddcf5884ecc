"""The assessment sections of a report: per-instrument score series per partner, change since
baseline with its reliable-change verdict, partners side by side, and the attachment map.

Two queries whatever the number of responses: the submitted responses in the period, and the
clinic's reliability overrides.
"""

from collections import defaultdict
from datetime import date

from django.utils import timezone

from assessments.models import ReliabilityOverride, Response, ResponseStatus
from assessments.reliable_change import (
    NO_REFERENCE,
    no_reference_explanation,
    pair_by_occasion,
    partner_discrepancy,
    series_change,
)
from assessments.results import ATTACHMENT_INSTRUMENTS, attachment_form
from assessments.scoring import ScoreResult, get_instrument
from clinic.confidentiality import Figure
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
from reports.models import Audience


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
        .values(
            "partner_id",
            "instrument_code",
            "instrument_version",
            "submitted_at",
            "started_at",
            "due_on",
            "scores",
        )
    )


def _verdict_text(change, plain: bool) -> str:
    """The change in words: the clinician's (named thresholds, clinical significance, an
    unverified reference flagged) or the client's (no method, source or jargon)."""
    return change.plain_summary if plain else change.summary


def _explanation(instrument, scales, changes, plain: bool) -> str | None:
    """One note per instrument scale on how change is judged, instead of a raw "no
    reliability reference configured" on every row."""
    if not changes:
        return None
    if any(c.verdict == NO_REFERENCE for c in changes):
        if plain:
            return (
                "There is no agreed measure of real change for this questionnaire yet, so "
                "only the numbers are shown."
            )
        return no_reference_explanation(instrument, scales)
    if plain:
        return None
    text = f"Reliable change: {changes[0].method}."
    if changes[0].response_threshold is not None:
        text += (
            f" A fall of {changes[0].response_threshold:g} points or more is a treatment response."
        )
    return text


#: (local date submitted, occasion = due date, scores) of one partner's response
Scored = tuple[date, date, ScoreResult]


def gather_assessments(scope) -> dict:
    """`assessments` and `attachment` sections for the report's audience.

    Instruments with a total show it with its subscales; instruments without one (ECR-R,
    ECR-S, BPQ-SF) show every scale on its own, with its own name, direction and chart: a
    dimension is never presented as a total.
    """
    tz = scope.couple.clinic.tz
    overrides = _override_params(scope.couple.clinic)
    scope.withhold("assessments", Figure.QUESTIONNAIRE_SCORES)
    # instrument code -> partner index -> [(date, occasion, ScoreResult)]
    by_instrument: dict[str, dict[int, list[Scored]]] = defaultdict(lambda: defaultdict(list))
    for row in _responses(scope):
        partner = scope.partner_index(row["partner_id"])
        if partner is None or not scope.sees(
            Figure.QUESTIONNAIRE_SCORES, row["partner_id"], row["started_at"]
        ):
            continue
        if not row["scores"]:
            continue
        result = ScoreResult.from_dict(row["scores"])
        on = timezone.localtime(row["submitted_at"], tz).date()
        by_instrument[row["instrument_code"]][partner].append((on, row["due_on"], result))

    sections = []
    for code in sorted(by_instrument):
        instrument = get_instrument(code)
        shown = [instrument.total] if instrument.total else list(instrument.subscales)
        for index, scale in enumerate(shown):
            sections.append(
                _instrument_results(
                    instrument,
                    scale,
                    by_instrument[code],
                    overrides,
                    plain=scope.audience != Audience.CLINICAL,
                    # an instrument without a total explains how change is judged once, on
                    # its first scale
                    explain=index == 0,
                )
            )
    return {"assessments": tuple(sections), "attachment": _attachment(scope, by_instrument)}


def _instrument_results(
    instrument, scale, per_partner, overrides, *, plain: bool, explain: bool = True
) -> InstrumentResults:
    with_total = instrument.total is not None
    shown_scales = [scale] if with_total else list(instrument.subscales)
    series = []
    changes = []
    for partner in sorted(per_partner):
        points = tuple(
            ScorePoint(
                on=on,
                total=_value(result, scale.id),
                subscales={s.name: s.value for s in result.subscales if s.value is not None}
                if with_total
                else {},
                band=result.scale(scale.id).band if _has(result, scale.id) else None,
                prorated=_has(result, scale.id) and result.scale(scale.id).prorated,
                cutoff_met=result.scale(scale.id).cutoff_met if _has(result, scale.id) else None,
            )
            for on, _occasion, result in per_partner[partner]
        )
        change = series_change(
            instrument,
            scale,
            [(p.on, p.total) for p in points],
            params=_params_for(instrument, scale, overrides),
        ).since_baseline
        baseline = None
        if change is not None:
            changes.append(change)
            usable = [p for p in points if p.total is not None]
            baseline = BaselineChange(
                baseline_on=usable[0].on,
                baseline_total=change.before,
                latest_on=usable[-1].on,
                latest_total=change.after,
                change=change.difference,
                verdict=_verdict_text(change, plain),
                reliable=None
                if change.verdict == NO_REFERENCE
                else change.verdict.startswith("reliably"),
                improved=None
                if change.difference == 0 or scale.direction == "neutral"
                else change.verdict.endswith("improved"),
                clinically_significant=change.clinically_significant,
                verified=change.verified,
                no_reference=change.verdict == NO_REFERENCE,
            )
        series.append(PartnerSeries(partner=partner, points=points, change=baseline))
    side_by_side = (
        _side_by_side(instrument, scale, per_partner, overrides) if len(per_partner) == 2 else ()
    )
    return InstrumentResults(
        code=instrument.code,
        name=instrument.short_name if with_total else f"{instrument.short_name}: {scale.name}",
        score_min=scale.range_min,
        score_max=scale.range_max,
        higher_is_better=scale.direction == "higher_is_better",
        series=tuple(series),
        subscale_names=tuple(s.name for s in instrument.subscales) if with_total else (),
        bands=tuple(
            BandRange(b.label, b.min, b.max) for b in (scale.bands.ranges if scale.bands else ())
        ),
        side_by_side=side_by_side,
        scale_id=scale.id,
        scale_name=scale.name,
        direction=scale.direction,
        method=scale.method,
        cutoff_label=scale.cutoff.label if scale.cutoff else None,
        cutoff_verified=scale.cutoff.verified if scale.cutoff else None,
        explanation=_explanation(instrument, shown_scales, changes, plain) if explain else None,
    )


def _attachment(scope, by_instrument) -> AttachmentMap | None:
    """The anxiety-against-avoidance map from one ECR form (`attachment_form` chooses it, as
    for the couple page) with who is left out and why."""
    code, left_out = attachment_form(
        {c: set(by_instrument[c]) for c in ATTACHMENT_INSTRUMENTS if c in by_instrument}
    )
    if code is None:
        return None
    per_partner = by_instrument[code]
    tracks = tuple(
        AttachmentTrack(
            partner=partner,
            points=tuple(
                AttachmentPoint(
                    on=on, anxiety=_value(r, "anxiety"), avoidance=_value(r, "avoidance")
                )
                for on, _occasion, r in per_partner[partner]
                if _value(r, "anxiety") is not None and _value(r, "avoidance") is not None
            ),
        )
        for partner in sorted(per_partner)
    )
    for partner in scope.hidden_partners(Figure.ATTACHMENT_MAP):
        left_out.append((partner, "questionnaire results are not shared"))
    # A partner shared "from now on" within the period is on the map from that day on.
    scope.withhold("attachment", Figure.ATTACHMENT_MAP, partly_only=True)
    return AttachmentMap(
        instrument=get_instrument(code).short_name, tracks=tracks, left_out=tuple(left_out)
    )


def _has(result: ScoreResult, scale_id: str) -> bool:
    return any(s.id == scale_id for s in result.scales)


def _value(result: ScoreResult, scale_id: str):
    return result.scale(scale_id).value if _has(result, scale_id) else None


def _side_by_side(instrument, scale, per_partner, overrides) -> tuple[SideBySideRow, ...]:
    """Rows for the occasions both partners answered, paired as the results page pairs them."""
    pairs = pair_by_occasion(
        [(occasion, (on, _value(r, scale.id))) for on, occasion, r in per_partner.get(0, [])],
        [(occasion, (on, _value(r, scale.id))) for on, occasion, r in per_partner.get(1, [])],
    )
    rows = []
    for _occasion, (on, va), (_, vb) in pairs:
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
