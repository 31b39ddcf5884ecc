"""A couple's results over time, read from the score snapshots stored at submission (never
recomputed from a later definition): each partner's series per instrument and scale, reliable
change since baseline and since last time, partner discrepancy on the same occasion, and both
partners' change side by side. Two queries whatever the number of responses.
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Q
from django.utils import timezone

from assessments.definitions import Instrument
from assessments.models import Response
from assessments.reliable_change import (
    NO_REFERENCE,
    ChangeResult,
    DiscrepancyResult,
    DyadicChange,
    dyadic_change,
    no_reference_explanation,
    pair_by_occasion,
    partner_discrepancy,
    series_change,
)
from assessments.scoring import UnknownInstrument, get_instrument
from assessments.selectors import reliability_overrides, reliability_params
from clinic.models import Client, Clinic, Couple
from clinic.sharing_filters import partner_material_q, sharing_time

ATTACHMENT_INSTRUMENTS = ("ecrr", "ecrs")


def attachment_form(answered: dict[str, set[int]]) -> tuple[str | None, list[tuple[int, str]]]:
    """Which ECR form the attachment map plots, and who is left off it and why.

    `answered` maps an ECR code to the partner indexes with scores on it. ECR-R and ECR-S are
    different item sets whose means are not comparable, so one map plots one form: the one
    more partners answered (ECR-R on a tie). A partner who answered only the other form is
    left out with the reason, never dropped silently. The couple page, the portal and the PDF
    all choose with this function.
    """
    present = [code for code in ATTACHMENT_INSTRUMENTS if answered.get(code)]
    if not present:
        return None, []
    chosen = max(present, key=lambda code: len(answered[code]))
    left_out = []
    for other in present:
        if other == chosen:
            continue
        for partner in sorted(answered[other] - answered[chosen]):
            left_out.append(
                (
                    partner,
                    f"answered the {get_instrument(other).short_name}, not the "
                    f"{get_instrument(chosen).short_name}; the two forms' scores are not "
                    "comparable on one map",
                )
            )
    return chosen, left_out


#: (owner partner id, instrument, that partner's answers, when given: the response's sharing
#: time) -> the answers shown, or None
AnswersFilter = Callable[[object, Instrument, dict | None, datetime | None], dict | None]


@dataclass(frozen=True)
class Point:
    response_id: str
    on: date  # the day it was submitted, in the clinic's time zone
    occasion: date  # the due date: both partners' answers to the same occasion share it
    value: float | None
    band: str | None
    prorated: bool
    withheld_reason: str | None
    version: int
    answers: dict | None = None
    cutoff_met: bool | None = None  # on the clinical side of the published cut-off
    #: when the answers were first given (Response.SHARING_TIMES), for the confidentiality rule
    shared_at: datetime | None = None


@dataclass(frozen=True)
class ScaleSeries:
    scale_id: str
    scale_name: str
    points: tuple[Point, ...]
    since_baseline: ChangeResult | None
    since_last: ChangeResult | None

    @property
    def latest(self) -> Point | None:
        usable = [p for p in self.points if p.value is not None]
        return usable[-1] if usable else None


@dataclass(frozen=True)
class PartnerResults:
    partner: Client
    index: int  # 0 for partner A, 1 for partner B
    scales: tuple[ScaleSeries, ...]

    def scale(self, scale_id: str) -> ScaleSeries | None:
        return next((s for s in self.scales if s.scale_id == scale_id), None)


@dataclass(frozen=True)
class Discrepancy:
    occasion: date
    result: DiscrepancyResult


@dataclass(frozen=True)
class InstrumentResults:
    instrument: Instrument  # the latest loaded version: names, ranges, bands for display
    partners: tuple[PartnerResults, ...]
    discrepancies: dict[str, tuple[Discrepancy, ...]] = field(default_factory=dict)
    dyadic: dict[str, DyadicChange] = field(default_factory=dict)

    @property
    def code(self) -> str:
        return self.instrument.code

    @property
    def change_notes(self) -> list[str]:
        """How change is judged, once per instrument: why scales have no verdict (instead of
        "no reliability reference configured" on every row), and the method of those that do."""
        without, methods = [], {}
        for scale in self.instrument.scales:
            changes = [
                s.since_baseline
                for p in self.partners
                for s in p.scales
                if s.scale_id == scale.id and s.since_baseline is not None
            ]
            if any(c.verdict == NO_REFERENCE for c in changes):
                without.append(scale)
            elif changes:
                methods.setdefault(changes[0].method, scale.name)
        notes = [f"{name}: reliable change by {method}." for method, name in methods.items()]
        if without:
            notes.append(no_reference_explanation(self.instrument, without))
        return notes

    @property
    def scale_directions(self) -> list[str]:
        """Each scale's name with its range and direction, for instruments without a total
        (every dimension is shown on its own; BPQ-SF's have no better or worse end)."""
        if self.instrument.total is not None:
            return []
        words = {
            "higher_is_better": "higher is better",
            "higher_is_worse": "higher is more difficulty",
            "neutral": "neither end is better or worse",
        }
        return [
            f"{s.name}: {'mean' if s.method == 'mean' else 'sum'} of its items, "
            f"{s.range_min:g}-{s.range_max:g}; {words.get(s.direction, s.direction)}"
            for s in self.instrument.scales
        ]

    @property
    def cutoffs(self) -> list[str]:
        """The published cut-offs of this instrument's scales, as the panel explains them."""
        return [
            f"{s.name}: {s.cutoff.label}"
            + ("" if s.cutoff.verified else " (not verified: provisional)")
            for s in self.instrument.scales
            if s.cutoff is not None
        ]


def _point(response: Response, scale: dict, tz) -> Point:
    return Point(
        response_id=str(response.pk),
        on=timezone.localtime(response.submitted_at, tz).date(),
        occasion=response.due_on,
        value=scale.get("value"),
        band=scale.get("band"),
        prorated=bool(scale.get("prorated")),
        withheld_reason=scale.get("withheld_reason"),
        version=response.instrument_version,
        answers=response.answers,
        cutoff_met=scale.get("cutoff_met"),
        shared_at=sharing_time(response),
    )


def couple_results(
    *,
    clinic: Clinic,
    couple: Couple,
    partners: tuple[Client, ...] | None = None,
    visible: Q | None = None,
) -> list[InstrumentResults]:
    """Every instrument either partner has submitted, oldest score first; `partners` limits
    which partners' series are included and `visible` which responses (the portal passes only
    what the viewer may see: clinic.sharing_filters)."""
    shown = partners if partners is not None else (couple.partner_a, couple.partner_b)
    index = {couple.partner_a_id: 0, couple.partner_b_id: 1}
    responses = (
        Response.objects.for_clinic(clinic)
        .submitted()
        .filter(couple=couple, partner__in=[p.pk for p in shown])
        .order_by("submitted_at")
    )
    if visible is not None:
        responses = responses.filter(visible)
    overrides = reliability_overrides(clinic)
    by_code: dict[str, list[Response]] = defaultdict(list)
    for response in responses:
        by_code[response.instrument_code].append(response)

    out = []
    for code in sorted(by_code):
        try:
            instrument = get_instrument(code)
        except UnknownInstrument:
            continue
        scale_ids = [s.id for s in instrument.scales]
        partner_results = []
        for partner in sorted(shown, key=lambda p: index[p.pk]):
            mine = [r for r in by_code[code] if r.partner_id == partner.pk]
            if not mine:
                continue
            series = []
            for scale_id in scale_ids:
                points = []
                for response in mine:
                    snapshot = {s["id"]: s for s in (response.scores or {}).get("scales", [])}
                    if scale_id in snapshot:
                        points.append(_point(response, snapshot[scale_id], clinic.tz))
                params = reliability_params(instrument, scale_id, overrides)
                change = series_change(
                    instrument, scale_id, [(p.on, p.value) for p in points], params=params
                )
                series.append(
                    ScaleSeries(
                        scale_id,
                        instrument.scale(scale_id).name,
                        tuple(points),
                        change.since_baseline,
                        change.since_last,
                    )
                )
            partner_results.append(PartnerResults(partner, index[partner.pk], tuple(series)))
        discrepancies, dyadic = _between_partners(instrument, partner_results, overrides)
        out.append(InstrumentResults(instrument, tuple(partner_results), discrepancies, dyadic))
    return out


def _between_partners(instrument, partner_results, overrides):
    discrepancies: dict[str, tuple[Discrepancy, ...]] = {}
    dyadic: dict[str, DyadicChange] = {}
    if len(partner_results) != 2:
        return discrepancies, dyadic
    a, b = partner_results
    for scale in instrument.scales:
        params = reliability_params(instrument, scale.id, overrides)
        series_a, series_b = a.scale(scale.id), b.scale(scale.id)
        if series_a is None or series_b is None:
            continue
        rows = [
            Discrepancy(
                occasion,
                partner_discrepancy(instrument, scale.id, va, vb, params=params),
            )
            for occasion, va, vb in pair_by_occasion(
                [(p.occasion, p.value) for p in series_a.points if p.value is not None],
                [(p.occasion, p.value) for p in series_b.points if p.value is not None],
            )
        ]
        discrepancies[scale.id] = tuple(rows)
        if series_a.since_baseline and series_b.since_baseline:
            dyadic[scale.id] = dyadic_change(series_a.since_baseline, series_b.since_baseline)
    return discrepancies, dyadic


def results_for_partner(
    *, clinic: Clinic, couple: Couple, client: Client
) -> tuple[list[InstrumentResults], bool]:
    """What a partner sees in the portal: their own results, and the other partner's only when
    the confidentiality module allows it. Returns (results, other partner included)."""
    from clinic.confidentiality import Material, partner_visibility

    other = couple.other_partner(client)
    material = Material.QUESTIONNAIRE_RESULT
    shares = partner_visibility(
        couple=couple, client=client, material=material, owner_id=other.pk
    ).seen
    shown = (client, other) if shares else (client,)
    # Under a policy shared "from now on", the other partner's earlier responses stay private.
    visible = partner_material_q(couple=couple, client=client, material=material, model=Response)
    return couple_results(clinic=clinic, couple=couple, partners=shown, visible=visible), shares


def answers_visible_to(*, couple: Couple, client: Client) -> AnswersFilter:
    """What of each partner's item answers this partner may read: all of their own; the other
    partner's only where the confidentiality module shares questionnaire answers, and never
    the answer to a risk item (the module's rule, whatever the policy)."""
    from clinic.confidentiality import Viewer, ViewerKind, couple_sharing, visible_answers

    viewer, sharing = Viewer(ViewerKind.PARTNER, client.pk), couple_sharing(couple)

    def answers_for(
        owner_id, instrument: Instrument, answers: dict | None, at: datetime | None
    ) -> dict | None:
        return visible_answers(
            viewer=viewer,
            owner_id=owner_id,
            sharing=sharing,
            item_at=at,
            answers=answers or {},
            risk_items=[r.item for r in instrument.risk_items],
        )

    return answers_for


def _answers_entry(answers_of, owner_id, instrument, point: Point) -> dict:
    shown = answers_of(owner_id, instrument, point.answers, point.shared_at) if answers_of else None
    return {} if shown is None else {"answers": shown}


def results_payload(
    results: list[InstrumentResults],
    *,
    staff: bool,
    show_bands: bool = True,
    answers_of: AnswersFilter | None = None,
) -> list[dict]:
    """The results as JSON-ready dicts. Staff get reliable-change verdicts, partner discrepancy
    and dyadic change; partners get their scores (bands only if `show_bands`), and the item
    answers that `answers_of` lets the reader see (see `answers_visible_to`)."""
    out = []
    for r in results:
        instrument = r.instrument
        partners = []
        for p in r.partners:
            scales = []
            for s in p.scales:
                row: dict = {
                    "scale": s.scale_id,
                    "name": s.scale_name,
                    "points": [
                        {
                            "response": pt.response_id,
                            "on": pt.on.isoformat(),
                            "occasion": pt.occasion.isoformat(),
                            "value": pt.value,
                            "band": pt.band if show_bands else None,
                            "prorated": pt.prorated,
                            "withheld_reason": pt.withheld_reason,
                            "cutoff_met": pt.cutoff_met,
                            "version": pt.version,
                            **_answers_entry(answers_of, p.partner.pk, instrument, pt),
                        }
                        for pt in s.points
                    ],
                }
                if staff:
                    row["since_baseline"] = s.since_baseline.to_dict() if s.since_baseline else None
                    row["since_last"] = s.since_last.to_dict() if s.since_last else None
                scales.append(row)
            partners.append({"partner": str(p.partner.pk), "index": p.index, "scales": scales})
        entry: dict = {
            "code": instrument.code,
            "version": instrument.version,
            "name": instrument.name,
            "short_name": instrument.short_name,
            "direction": instrument.direction,
            "partners": partners,
        }
        if staff:
            entry["discrepancies"] = {
                scale: [{"occasion": d.occasion.isoformat(), **d.result.to_dict()} for d in rows]
                for scale, rows in r.discrepancies.items()
            }
            entry["dyadic"] = {
                scale: {"summary": c.summary, "a": c.a.to_dict(), "b": c.b.to_dict()}
                for scale, c in r.dyadic.items()
            }
        out.append(entry)
    return out
