"""Reliable change (Jacobson-Truax or a published fixed threshold), partner discrepancy,
percentiles, a partner's change over time, and both partners' change side by side.

Pure functions over instrument definitions and plain numbers. Where no reliability reference is
configured the change is reported without a verdict: never a made-up one.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any, TypeVar

from assessments.definitions import Figure, Instrument, ReliabilityParams, Scale

T = TypeVar("T")

RELIABLY_IMPROVED = "reliably improved"
RELIABLY_DETERIORATED = "reliably deteriorated"
NO_RELIABLE_CHANGE = "no reliable change"
NO_REFERENCE = "no reliability reference configured"
# For scales with no better or worse direction (BPQ-SF), a change is only a change.
RELIABLY_INCREASED = "reliably increased"
RELIABLY_DECREASED = "reliably decreased"

JACOBSON_TRUAX = "jacobson-truax"
Z_95 = 1.96


@dataclass(frozen=True, slots=True)
class ChangeResult:
    """Change on one scale between two occasions, with the verdict and how it was reached."""

    instrument: str
    version: int
    scale: str
    before: float
    after: float
    difference: float  # after - before
    rci: float | None  # Jacobson-Truax index; None under a fixed threshold or no reference
    criterion: float | None  # the change in points needed to count as reliable
    verdict: str
    method: str
    source: str | None
    verified: bool | None  # False when the reference is not confirmed by two sources
    direction: str
    clinically_significant: bool | None  # None: no cut-off or no reliability reference
    #: what the fixed threshold is called where the publication names it (PCL-5's 10 points:
    #: "clinically meaningful change")
    threshold_kind: str | None = None
    #: improved by at least the published response threshold (PCL-5: 5 points); None where
    #: the instrument publishes none
    response: bool | None = None
    response_threshold: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (for reports and the API), with the summary in words."""
        return {**asdict(self), "summary": self.summary, "plain_summary": self.plain_summary}

    @property
    def summary(self) -> str:
        """The verdict in the clinician's words: the named threshold where there is one,
        a response short of it, clinical significance, and an unverified reference flagged."""
        return change_summary(self)

    @property
    def plain_summary(self) -> str:
        """The verdict for a client: no method, no source, no jargon."""
        return change_summary(self, plain=True)


@dataclass(frozen=True, slots=True)
class DiscrepancyResult:
    """The difference between two partners' scores on the same occasion."""

    instrument: str
    version: int
    scale: str
    a: float
    b: float
    difference: float  # a - b
    threshold: float | None
    beyond_measurement_error: bool | None  # None: no SD/r configured, raw difference only
    method: str
    source: str | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (for reports and the API)."""
        return asdict(self)


@dataclass(frozen=True, slots=True)
class ScorePoint:
    """One score of a partner on one occasion; value None when the score was withheld."""

    at: datetime | date
    value: float | None


@dataclass(frozen=True, slots=True)
class SeriesChange:
    """A partner's change since their first score (baseline) and since their previous one."""

    points: tuple[ScorePoint, ...]  # the usable points, oldest first
    since_baseline: ChangeResult | None
    since_last: ChangeResult | None


@dataclass(frozen=True, slots=True)
class DyadicChange:
    """Both partners' change over the same period with a plain-language summary."""

    a: ChangeResult
    b: ChangeResult
    summary: str


def _scale(instrument: Instrument, scale: str | Scale) -> Scale:
    return scale if isinstance(scale, Scale) else instrument.scale(scale)


def _fmt(number: float) -> str:
    return f"{number:g}"


def _reference(sd: Figure, r: Figure) -> str:
    return f"SD {_fmt(sd.value)}: {sd.source}; r {_fmt(r.value)}: {r.source}"


def reliable_change(
    instrument: Instrument,
    scale: str | Scale,
    before: float,
    after: float,
    *,
    params: ReliabilityParams | None = None,
) -> ChangeResult:
    """Judge the change from ``before`` to ``after`` on one scale.

    Jacobson-Truax: RCI = (after - before) / (sqrt(2) * SD * sqrt(1 - r)), reliable when
    |RCI| > 1.96. A fixed threshold counts a change of at least that many points. ``params``
    (e.g. a clinic admin's SD and r) replaces the definition's reliability reference.
    """
    definition = _scale(instrument, scale)
    params = params or definition.reliability
    direction = definition.direction
    # Scores carry at most two decimals; rounding the difference keeps 14.6 - 8.6 at 6.0.
    difference = round(after - before, 6)
    rci = criterion = None
    source = verified = None
    threshold_kind: str | None = None
    reliable_up = reliable_down = False
    if params.method == "jacobson_truax" and params.sd and params.r:
        s_diff = math.sqrt(2) * params.sd.value * math.sqrt(1 - params.r.value)
        rci = difference / s_diff
        criterion = round(Z_95 * s_diff, 2)
        reliable_up, reliable_down = rci > Z_95, rci < -Z_95
        rci = round(rci, 3)
        method = JACOBSON_TRUAX
        source = _reference(params.sd, params.r)
        verified = params.sd.verified and params.r.verified
    elif params.method == "fixed_threshold" and params.fixed_threshold:
        threshold = params.fixed_threshold
        criterion = threshold.value
        reliable_up, reliable_down = difference >= criterion, difference <= -criterion
        method = f"fixed threshold ({_fmt(criterion)} points, {threshold.source})"
        source, verified = threshold.source, threshold.verified
        threshold_kind = threshold.kind
    else:
        method = NO_REFERENCE

    if method == NO_REFERENCE:
        verdict = NO_REFERENCE
    elif not (reliable_up or reliable_down):
        verdict = NO_RELIABLE_CHANGE
    elif direction == "neutral":
        verdict = RELIABLY_INCREASED if reliable_up else RELIABLY_DECREASED
    elif reliable_up == (direction == "higher_is_better"):
        verdict = RELIABLY_IMPROVED
    else:
        verdict = RELIABLY_DETERIORATED

    clinically_significant = None
    cutoff = definition.cutoff
    if cutoff is not None and verdict != NO_REFERENCE and direction != "neutral":
        # Jacobson-Truax's second criterion: out of the clinical range, reliably.
        crossed = cutoff.met(before) and not cutoff.met(after)
        clinically_significant = crossed and verdict == RELIABLY_IMPROVED

    response = response_points = None
    if params.response_threshold is not None and direction != "neutral" and method != NO_REFERENCE:
        response_points = params.response_threshold.value
        improvement = difference if direction == "higher_is_better" else -difference
        response = improvement >= response_points

    return ChangeResult(
        instrument=instrument.code,
        version=instrument.version,
        scale=definition.id,
        before=before,
        after=after,
        difference=difference,
        rci=rci,
        criterion=criterion,
        verdict=verdict,
        method=method,
        source=source,
        verified=verified,
        direction=direction,
        clinically_significant=clinically_significant,
        threshold_kind=threshold_kind,
        response=response,
        response_threshold=response_points,
    )


def change_summary(change: ChangeResult, *, plain: bool = False) -> str:
    """One change's verdict in words, for the results panel, the API and the reports.

    PCL-5 (National Center for PTSD): 10 points is "clinically meaningful change", 5 points a
    "response". A verdict resting on an unverified reference says so (clinician's words only).
    Without a reference there is no verdict: `no_reference_explanation` says why, once per
    instrument, instead of repeating it on every row.
    """
    points = _fmt(abs(change.difference))
    if change.verdict == NO_REFERENCE:
        return "change shown without a verdict" if not plain else "a change in score"
    if change.verdict in (RELIABLY_IMPROVED, RELIABLY_DETERIORATED) and change.threshold_kind:
        way = "improvement" if change.verdict == RELIABLY_IMPROVED else "worsening"
        text = f"{change.threshold_kind} ({way} of {points} points)"
        if plain:
            text = f"a {change.threshold_kind} ({way} of {points} points)"
    elif change.verdict == NO_RELIABLE_CHANGE and change.response:
        text = (
            f"response: improved by {points} points (at least {_fmt(change.response_threshold or 0)}), "
            f"short of the {_fmt(change.criterion or 0)} points of "
            f"{change.threshold_kind or 'reliable change'}"
        )
        if plain:
            text = f"an improvement of {points} points"
    elif plain:
        text = {
            RELIABLY_IMPROVED: "a real improvement",
            RELIABLY_DETERIORATED: "a real worsening",
            RELIABLY_INCREASED: "a real increase",
            RELIABLY_DECREASED: "a real decrease",
            NO_RELIABLE_CHANGE: "no clear change",
        }.get(change.verdict, change.verdict)
    else:
        text = change.verdict
    if plain:
        return text
    if change.clinically_significant:
        text += "; clinically significant (moved past the cut-off)"
    if change.verified is False:
        text += "; reference not verified: read with caution"
    return text


def no_reference_explanation(
    instrument: Instrument, scales: Sequence[str | Scale] | str | Scale | None = None
) -> str:
    """Why changes carry no verdict, said once per instrument (naming the scales concerned
    when not all of them are), instead of "no reliability reference configured" per row."""
    if scales is None or isinstance(scales, str | Scale):
        scales = [] if scales is None else [scales]
    names = [_scale(instrument, s).name for s in scales if _scale(instrument, s).id != "total"]
    name = instrument.short_name
    if names:
        name = f"{name} ({', '.join(names)})"
    return (
        f"{name}: no verified reliability figures (standard deviation and reliability, or a "
        "published change threshold) are set, so changes are shown as numbers without a "
        "reliable-change verdict. A clinic admin can set them in the reliability settings."
    )


def partner_discrepancy(
    instrument: Instrument,
    scale: str | Scale,
    a: float,
    b: float,
    *,
    params: ReliabilityParams | None = None,
) -> DiscrepancyResult:
    """Difference between partners' scores on the same occasion; beyond measurement error when
    |a - b| > 1.96 * SD * sqrt(2 * (1 - r)). Without SD and r, the raw difference only."""
    definition = _scale(instrument, scale)
    params = params or definition.reliability
    difference = round(a - b, 6)
    if params.sd and params.r:
        threshold = Z_95 * params.sd.value * math.sqrt(2 * (1 - params.r.value))
        beyond: bool | None = abs(difference) > threshold
        method = "1.96 x SD x sqrt(2(1 - r))"
        source: str | None = _reference(params.sd, params.r)
        threshold = round(threshold, 2)
    else:
        threshold, beyond, method, source = None, None, NO_REFERENCE, None
    return DiscrepancyResult(
        instrument=instrument.code,
        version=instrument.version,
        scale=definition.id,
        a=a,
        b=b,
        difference=difference,
        threshold=threshold,
        beyond_measurement_error=beyond,
        method=method,
        source=source,
    )


def pair_by_occasion(
    a: Iterable[tuple[date, T]], b: Iterable[tuple[date, T]]
) -> list[tuple[date, T, T]]:
    """Both partners' scores for the same occasion, oldest occasion first.

    An occasion is the due date of the assignment both answered (a calendar date), not the
    day or week either partner submitted: partners answering the same round on either side of
    a Sunday still pair, and two rounds in one week never do. Several scores on one occasion
    pair in the order given (submission order). One definition for the results page, the API
    and the PDF.
    """
    waiting: dict[date, list[T]] = {}
    for occasion, value in b:
        waiting.setdefault(occasion, []).append(value)
    pairs = []
    for occasion, value in a:
        queue = waiting.get(occasion)
        if queue:
            pairs.append((occasion, value, queue.pop(0)))
    return sorted(pairs, key=lambda pair: pair[0])


def percentile(
    instrument: Instrument, scale: str | Scale, value: float, *, norm: str | None = None
) -> float | None:
    """Percentile of a score in a published norm table; None where no norms are shipped or the
    score lies below the table (Attune never invents norms)."""
    definition = _scale(instrument, scale)
    tables = [t for t in definition.norms if norm is None or t.id == norm]
    if not tables:
        return None
    result = None
    for score, pct in tables[0].table:
        if value >= score:
            result = pct
    return result


def series_change(
    instrument: Instrument,
    scale: str | Scale,
    points: Iterable[ScorePoint | tuple[datetime | date, float | None]],
    *,
    params: ReliabilityParams | None = None,
) -> SeriesChange:
    """One partner's change since baseline (first usable score) and since the previous score.

    Withheld scores (value None) are skipped; points are ordered by time.
    """
    usable = sorted(
        (p if isinstance(p, ScorePoint) else ScorePoint(*p) for p in points),
        key=lambda p: p.at,
    )
    usable = [p for p in usable if p.value is not None]
    values = [p.value for p in usable if p.value is not None]
    if len(values) < 2:
        return SeriesChange(tuple(usable), None, None)
    return SeriesChange(
        points=tuple(usable),
        since_baseline=reliable_change(instrument, scale, values[0], values[-1], params=params),
        since_last=reliable_change(instrument, scale, values[-2], values[-1], params=params),
    )


# Order in which verdicts are named in a summary: good news first, then bad, then neither.
_SUMMARY_ORDER = (
    RELIABLY_IMPROVED,
    RELIABLY_INCREASED,
    RELIABLY_DETERIORATED,
    RELIABLY_DECREASED,
    NO_RELIABLE_CHANGE,
    NO_REFERENCE,
)


def dyadic_change(change_a: ChangeResult, change_b: ChangeResult) -> DyadicChange:
    """Both partners' verdicts for the same scale and period, with a plain summary such as
    "both reliably improved" or "one reliably improved, one no reliable change"."""
    if (change_a.instrument, change_a.scale) != (change_b.instrument, change_b.scale):
        raise ValueError("dyadic change compares the same scale of the same instrument")
    verdicts = sorted((change_a.verdict, change_b.verdict), key=_SUMMARY_ORDER.index)
    first, second = verdicts
    if first == second:
        summary = {
            NO_RELIABLE_CHANGE: "neither changed reliably",
            NO_REFERENCE: NO_REFERENCE,
        }.get(first, f"both {first}")
    elif second == NO_REFERENCE:
        summary = f"one {first}; no reliability reference for the other"
    else:
        summary = f"one {first}, one {second}"
    return DyadicChange(change_a, change_b, summary)


def verdicts() -> Sequence[str]:
    """Every verdict string reliable_change can return (for labels and filters)."""
    return _SUMMARY_ORDER
