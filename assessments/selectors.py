"""Reads that need care for assessments: which wording a clinic shows, which reliability
reference applies, what a member or a partner may reach. Every selector takes the clinic."""

from dataclasses import dataclass, field
from typing import Literal

from django.db.models import Case, QuerySet, When

from assessments.definitions import Instrument, ReliabilityParams
from assessments.models import (
    AlertSeverity,
    Assignment,
    LicensedWording,
    ReliabilityOverride,
    Response,
    RiskAlert,
)
from clinic.models import Clinic, Membership
from clinic.selectors import couples_visible_to

WordingCase = Literal["shipped", "licensed", "placeholder"]

WORDING_CASES: dict[str, str] = {
    "shipped": "Published wording shipped with Attune (its licence allows it).",
    "licensed": "Wording uploaded by this clinic under its own licence.",
    "placeholder": "Wording not shipped (licensed instrument): items show as numbered "
    "placeholders until a clinic admin uploads the wording the clinic is licensed to use.",
}


@dataclass(frozen=True)
class FormWording:
    """What a form shows for one instrument version in one clinic, and where it comes from."""

    case: WordingCase
    instructions: str
    items: dict[int, str]
    source: str
    uploaded: LicensedWording | None = None
    #: item -> ((value, label), ...) from a licensed upload, in the order the form shows
    anchors: dict[int, tuple[tuple[int, str], ...]] = field(default_factory=dict)

    def text(self, number: int) -> str:
        return self.items.get(number) or f"Item {number}"


def current_wording(clinic: Clinic, instrument: Instrument) -> LicensedWording | None:
    """The clinic's current upload for this exact instrument version, or None."""
    return (
        LicensedWording.objects.for_clinic(clinic)
        .filter(
            instrument_code=instrument.code,
            instrument_version=instrument.version,
            retired_at__isnull=True,
        )
        .first()
    )


def form_wording(clinic: Clinic, instrument: Instrument) -> FormWording:
    """Shipped public wording, else the clinic's licensed upload, else numbered placeholders."""
    if instrument.licence.wording_shipped:
        return FormWording(
            "shipped",
            instrument.instructions,
            {item.number: item.display_text for item in instrument.items},
            instrument.licence.source,
        )
    uploaded = current_wording(clinic, instrument)
    if uploaded is not None:
        items = {int(k): v for k, v in uploaded.wording.get("items", {}).items()}
        anchors = {
            int(k): tuple((int(value), str(label)) for value, label in pairs)
            for k, pairs in (uploaded.wording.get("anchors") or {}).items()
        }
        return FormWording(
            "licensed",
            uploaded.wording.get("instructions") or instrument.instructions,
            items,
            uploaded.source,
            uploaded,
            anchors,
        )
    return FormWording(
        "placeholder",
        instrument.instructions,
        {item.number: item.display_text for item in instrument.items},
        instrument.licence.source,
    )


def reliability_overrides(clinic: Clinic) -> dict[tuple[str, str], ReliabilityOverride]:
    """The clinic's overrides keyed by (instrument code, scale id); one query."""
    return {
        (o.instrument_code, o.scale_id): o for o in ReliabilityOverride.objects.for_clinic(clinic)
    }


def reliability_params(
    instrument: Instrument,
    scale_id: str,
    overrides: dict[tuple[str, str], ReliabilityOverride],
) -> ReliabilityParams:
    """The definition's reliability reference for a scale, with the clinic's override applied."""
    params = instrument.scale(scale_id).reliability
    override = overrides.get((instrument.code, scale_id))
    if override is None:
        return params
    return params.overridden(
        sd=override.sd,
        r=override.r,
        fixed_threshold=override.fixed_threshold,
        source=f"{override.source} (set by this clinic)",
    )


def assignments_for_member(*, clinic: Clinic, membership: Membership) -> QuerySet[Assignment]:
    """Assignments of the couples this member may see."""
    couples = couples_visible_to(clinic=clinic, membership=membership)
    return Assignment.objects.for_clinic(clinic).filter(couple__in=couples)


def responses_for_member(*, clinic: Clinic, membership: Membership) -> QuerySet[Response]:
    """Responses of the couples this member may see."""
    couples = couples_visible_to(clinic=clinic, membership=membership)
    return Response.objects.for_clinic(clinic).filter(couple__in=couples)


def alerts_for_member(*, clinic: Clinic, membership: Membership) -> QuerySet[RiskAlert]:
    """Risk alerts of the couples this member may see."""
    couples = couples_visible_to(clinic=clinic, membership=membership)
    return RiskAlert.objects.for_clinic(clinic).filter(couple__in=couples)


def open_alerts_for_couple(*, clinic: Clinic, couple) -> QuerySet[RiskAlert]:
    """Every unacknowledged alert of the couple, urgent ones first, then newest first. Never
    sliced: an open alert hidden behind a limit is a risk the therapist cannot see."""
    urgent_first = Case(When(severity=AlertSeverity.URGENT, then=0), default=1)
    return (
        RiskAlert.objects.for_clinic(clinic)
        .filter(couple=couple, acknowledged_at__isnull=True)
        .select_related("response")
        .order_by(urgent_first, "-raised_at")
    )


def acknowledged_alerts_for_couple(*, clinic: Clinic, couple) -> QuerySet[RiskAlert]:
    """The couple's acknowledged alerts, most recently acknowledged first (paginate it)."""
    return (
        RiskAlert.objects.for_clinic(clinic)
        .filter(couple=couple, acknowledged_at__isnull=False)
        .select_related("response", "acknowledged_by")
        .order_by("-acknowledged_at", "-raised_at")
    )


def responses_for_partner(*, client) -> QuerySet[Response]:
    """A partner's own responses, never the other partner's (portal)."""
    return Response.objects.for_clinic(client.clinic_id).filter(partner=client)
