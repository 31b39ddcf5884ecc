"""Builders of assessments rows for the route walk (see tests/world.py), and small helpers
the assessments tests share to assign and answer questionnaires."""

from datetime import date

from django.utils import timezone

from assessments import services
from assessments.models import Assignment, LicensedWording, ReliabilityOverride, Response, RiskAlert
from tests.world import builder


def assign(couple, partner, code="phq9", *, due: date | None = None, by=None, **schedule):
    """Assign one instrument to one partner (through the service) and return the assignment."""
    (assignment,) = services.assignments_create(
        clinic=couple.clinic,
        couple=couple,
        by=by or couple.therapists.first(),
        partners=[partner],
        instruments=[code],
        first_due_on=due or timezone.localdate(timezone.now(), couple.clinic.tz),
        **schedule,
    )
    return assignment


def first_response(assignment) -> Response:
    return assignment.responses.order_by("due_on").first()


PHQ9_WITH_RISK = {str(n): 1 for n in range(1, 10)}  # total 9, item 9 endorsed


def submitted_response(couple, partner, code="phq9", answers=None) -> Response:
    response = first_response(assign(couple, partner, code))
    return services.response_submit(
        response=response,
        by=partner.portal_user,
        answers=answers if answers is not None else {str(n): 0 for n in range(1, 10)},
    )


@builder(Assignment, individual=True)
def _assignment(couple, partner):
    return assign(couple, partner)


@builder(Response, individual=True)
def _response(couple, partner):
    return first_response(assign(couple, partner))


@builder(RiskAlert, individual=True)
def _risk_alert(couple, partner):
    response = submitted_response(couple, partner, answers=PHQ9_WITH_RISK)
    return response.risk_alerts.get()


@builder(LicensedWording, couple_bound=False)
def _licensed_wording(couple, partner):
    return services.wording_store(
        clinic=couple.clinic,
        by=None,
        instrument_code="ecrs",
        instrument_version=1,
        wording={"items": {str(n): f"Statement {n}" for n in range(1, 13)}},
        source="Test licence",
    )


@builder(ReliabilityOverride, couple_bound=False)
def _reliability_override(couple, partner):
    return ReliabilityOverride.objects.create(
        clinic=couple.clinic, instrument_code="phq9", sd=5.0, r=0.8, source="Test sample"
    )
