"""Assignments, answers, submission, finality, risk alerts and clinic settings (services)."""

from datetime import date, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, InternalError, transaction

from assessments import services
from assessments.models import Response, ResponseStatus, RiskAlert
from assessments.scoring import get_instrument
from assessments.selectors import form_wording
from clinic.models import AuditEvent
from tests.assessments.world import PHQ9_WITH_RISK, assign, first_response
from tests.factories import ClientFactory

# Services and selectors are called as a view or a task calls them: inside the clinic's scope.
pytestmark = [pytest.mark.django_db, pytest.mark.scoped]

NOON = "2026-03-02 12:00:00+00:00"  # a Monday


@time_machine.travel(NOON, tick=False)
def test_assigning_once_creates_one_occurrence_open_today(couple, therapist):
    assignment = assign(couple, couple.partner_a, due=date(2026, 3, 9), by=therapist)
    (response,) = assignment.responses.all()
    assert (response.opens_on, response.due_on) == (date(2026, 3, 2), date(2026, 3, 9))
    assert response.status == ResponseStatus.PENDING
    assert (response.instrument_code, response.instrument_version) == ("phq9", 1)
    assert AuditEvent.objects.filter(action="create", object_id=str(assignment.pk)).exists()


@time_machine.travel(NOON, tick=False)
def test_recurring_assignment_creates_every_occurrence_until_the_end_date(couple, therapist):
    assignment = assign(
        couple,
        couple.partner_b,
        "gad7",
        due=date(2026, 3, 4),
        by=therapist,
        repeat_every_weeks=2,
        repeat_until=date(2026, 4, 15),
    )
    rows = list(assignment.responses.order_by("due_on").values_list("opens_on", "due_on"))
    assert rows == [
        (date(2026, 3, 2), date(2026, 3, 4)),
        (date(2026, 3, 11), date(2026, 3, 18)),
        (date(2026, 3, 25), date(2026, 4, 1)),
        (date(2026, 4, 8), date(2026, 4, 15)),
    ]


def test_both_partners_and_several_instruments_make_one_assignment_per_pair(couple, therapist):
    created = services.assignments_create(
        clinic=couple.clinic,
        couple=couple,
        by=therapist,
        partners=[couple.partner_a, couple.partner_b],
        instruments=["phq9", "gad7"],
        first_due_on=services.local_today(couple.clinic) + timedelta(days=3),
    )
    pairs = {(a.instrument_code, a.partner_id) for a in created}
    assert len(pairs) == 4
    assert Response.objects.filter(couple=couple).count() == 4


@pytest.mark.parametrize(
    ("schedule", "field"),
    [
        ({"first_due_on": date(2020, 1, 1)}, "first_due_on"),
        ({"repeat_every_weeks": 2}, "repeat_until"),
        ({"repeat_every_weeks": 0, "repeat_until": date(2099, 1, 1)}, "repeat_every_weeks"),
        ({"repeat_every_weeks": 1, "repeat_until": date(2099, 1, 1)}, "repeat_until"),
    ],
)
def test_impossible_schedules_are_refused_with_a_field_error(couple, therapist, schedule, field):
    kwargs = {"first_due_on": services.local_today(couple.clinic) + timedelta(days=1), **schedule}
    with pytest.raises(ValidationError) as exc:
        services.assignments_create(
            clinic=couple.clinic,
            couple=couple,
            by=therapist,
            partners=[couple.partner_a],
            instruments=["phq9"],
            **kwargs,
        )
    assert field in exc.value.error_dict


def test_only_the_couples_partners_can_be_assigned(couple, therapist, clinic):
    stranger = ClientFactory(clinic=clinic)
    with pytest.raises(ValidationError) as exc:
        assign(couple, stranger, by=therapist)
    assert "partners" in exc.value.error_dict


def test_licensed_instrument_needs_the_clinics_wording_before_it_can_be_assigned(
    couple, therapist, admin
):
    with pytest.raises(ValidationError) as exc:
        assign(couple, couple.partner_a, "ecrs", by=therapist)
    assert "upload the wording" in str(exc.value)
    rows = "\n".join(f"{n},Statement {n}" for n in range(1, 13))
    services.wording_upload(
        clinic=couple.clinic,
        by=admin,
        instrument_code="ecrs",
        content=f"item,text\n{rows}\n",
        file_name="ecrs.csv",
        source="Licensed from the authors, 2026",
    )
    assert assign(couple, couple.partner_a, "ecrs", by=therapist).instrument_code == "ecrs"
    wording = form_wording(couple.clinic, get_instrument("ecrs"))
    assert wording.case == "licensed"
    assert wording.text(5) == "Statement 5"


def test_wording_upload_lists_every_problem(clinic, admin):
    with pytest.raises(ValidationError) as exc:
        services.wording_upload(
            clinic=clinic,
            by=admin,
            instrument_code="ecrs",
            content='{"1": "One", "99": "Nope"}',
            file_name="ecrs.json",
            source="x",
        )
    assert "has no item 99" in " ".join(exc.value.message_dict["file"])


def test_wording_upload_for_shipped_wording_is_refused(clinic, admin):
    with pytest.raises(ValidationError) as exc:
        services.wording_upload(
            clinic=clinic,
            by=admin,
            instrument_code="phq9",
            content='{"1": "x"}',
            file_name="phq9.json",
            source="x",
        )
    assert "ships its published wording" in str(exc.value)


def test_partial_save_keeps_answers_and_a_skip_clears_one(couple, therapist):
    response = first_response(assign(couple, couple.partner_a, by=therapist))
    user = couple.partner_a.portal_user
    services.response_save(response=response, answers={"1": 2, "2": 1}, by=user)
    response = services.response_save(response=response, answers={"2": None, "3": 3}, by=user)
    response.refresh_from_db()
    assert response.answers == {"1": 2, "3": 3}
    assert response.status == ResponseStatus.IN_PROGRESS
    assert response.scores is None


@pytest.mark.parametrize("answers", [{"1": 7}, {"42": 1}, {"x": 1}, {"1": "often"}])
def test_answers_off_the_scale_are_refused(couple, therapist, answers):
    response = first_response(assign(couple, couple.partner_a, by=therapist))
    with pytest.raises(ValidationError) as exc:
        services.response_save(response=response, answers=answers, by=therapist)
    assert "answers" in exc.value.error_dict


def test_submission_stores_a_score_snapshot_with_the_instrument_version(couple, therapist):
    response = first_response(assign(couple, couple.partner_a, by=therapist))
    answers = {str(n): 2 for n in range(1, 9)}  # item 9 answered below
    answers["9"] = 0
    response = services.response_submit(
        response=response, answers=answers, by=couple.partner_a.portal_user
    )
    response.refresh_from_db()
    assert response.status == ResponseStatus.SUBMITTED
    assert response.scores["instrument"] == "phq9"
    assert response.scores["version"] == 1
    assert response.scores["total"] == 16
    assert response.scores["band"] == "Moderately severe"
    assert not RiskAlert.objects.filter(response=response).exists()


def test_submitted_answers_are_final_in_the_service(couple, therapist):
    response = first_response(assign(couple, couple.partner_a, by=therapist))
    user = couple.partner_a.portal_user
    services.response_submit(response=response, answers={"1": 1}, by=user)
    with pytest.raises(services.ResponseFinal, match="already been submitted"):
        services.response_save(response=response, answers={"1": 3}, by=user)
    with pytest.raises(services.ResponseFinal):
        services.response_submit(response=response, by=user)


def test_the_database_refuses_to_change_or_delete_a_submitted_response(couple, therapist):
    response = first_response(assign(couple, couple.partner_a, by=therapist))
    services.response_submit(response=response, answers={"1": 1}, by=couple.partner_a.portal_user)
    with pytest.raises((IntegrityError, InternalError)), transaction.atomic():
        Response.objects.filter(pk=response.pk).update(answers={"1": 3})
    with pytest.raises((IntegrityError, InternalError)), transaction.atomic():
        Response.objects.filter(pk=response.pk).delete()


def test_endorsed_risk_item_raises_an_alert_on_the_couple(couple, therapist):
    response = first_response(assign(couple, couple.partner_a, by=therapist))
    services.response_submit(
        response=response, answers=PHQ9_WITH_RISK, by=couple.partner_a.portal_user
    )
    alert = RiskAlert.objects.get(response=response)
    assert (alert.couple_id, alert.partner_id) == (couple.pk, couple.partner_a.pk)
    assert (alert.item_number, alert.value, alert.severity) == (9, 1, "urgent")
    assert alert.is_open
    assert AuditEvent.objects.filter(action="raise", object_id=str(alert.pk)).exists()


def test_skipped_risk_item_raises_an_alert_too(couple, therapist):
    response = first_response(assign(couple, couple.partner_a, by=therapist))
    answers = {str(n): 0 for n in range(1, 9)}
    services.response_submit(response=response, answers=answers, by=couple.partner_a.portal_user)
    alert = RiskAlert.objects.get(response=response)
    assert alert.value is None
    assert "not answered" in alert.message


def test_acknowledging_an_alert_records_who_when_and_the_note_once(couple, therapist):
    response = first_response(assign(couple, couple.partner_a, by=therapist))
    services.response_submit(
        response=response, answers=PHQ9_WITH_RISK, by=couple.partner_a.portal_user
    )
    alert = RiskAlert.objects.get(response=response)
    with time_machine.travel(NOON, tick=False):
        services.risk_alert_acknowledge(alert=alert, by=therapist, note="Called; safety plan.")
    alert.refresh_from_db()
    assert alert.acknowledged_by == therapist
    assert alert.acknowledged_at.isoformat() == "2026-03-02T12:00:00+00:00"
    event = AuditEvent.objects.get(action="acknowledge", object_id=str(alert.pk))
    assert (event.actor, event.detail["note"]) == (therapist, "Called; safety plan.")
    with pytest.raises(ValidationError, match="already acknowledged"):
        services.risk_alert_acknowledge(alert=alert, by=therapist)


def test_cancelling_withdraws_open_occurrences_and_keeps_submitted_ones(couple, therapist):
    assignment = assign(
        couple,
        couple.partner_a,
        by=therapist,
        repeat_every_weeks=1,
        repeat_until=services.local_today(couple.clinic) + timedelta(days=20),
    )
    first = first_response(assignment)
    services.response_submit(response=first, answers={"1": 0}, by=therapist)
    services.assignment_cancel(assignment=assignment, by=therapist)
    statuses = list(assignment.responses.order_by("due_on").values_list("status", flat=True))
    assert statuses[0] == ResponseStatus.SUBMITTED
    assert set(statuses[1:]) == {ResponseStatus.CANCELLED}
    with pytest.raises(services.ResponseFinal, match="withdrawn"):
        services.response_save(
            response=assignment.responses.order_by("due_on")[1], answers={}, by=therapist
        )


def test_closed_case_cannot_be_assigned(couple, therapist):
    couple.status = "discharged"
    couple.save()
    with pytest.raises(ValidationError, match="closed"):
        assign(couple, couple.partner_a, by=therapist)


def test_reliability_override_is_validated_and_replaces_the_previous_one(clinic, admin):
    with pytest.raises(ValidationError):
        services.reliability_override_set(
            clinic=clinic, by=admin, instrument_code="phq9", sd=5, r=1.5, source="x"
        )
    with pytest.raises(ValidationError) as exc:
        services.reliability_override_set(
            clinic=clinic,
            by=admin,
            instrument_code="phq9",
            scale_id="nope",
            sd=5,
            r=0.8,
            source="x",
        )
    assert "scale_id" in exc.value.error_dict
    services.reliability_override_set(
        clinic=clinic, by=admin, instrument_code="phq9", sd=5, r=0.8, source="Sample A"
    )
    override = services.reliability_override_set(
        clinic=clinic, by=admin, instrument_code="phq9", sd=6, r=0.85, source="Sample B"
    )
    assert (override.sd, override.r, override.source) == (6, 0.85, "Sample B")


def test_overdue_has_one_definition_for_queries_and_loaded_rows(couple):
    """Open and due before today: the queryset, the annotation's Q and the row agree, and a
    submitted or cancelled questionnaire is never overdue."""
    from assessments.models import overdue_q

    response = first_response(assign(couple, couple.partner_a, "gad7"))
    today = response.due_on + timedelta(days=1)
    for status, expected in [
        (ResponseStatus.PENDING, True),
        (ResponseStatus.IN_PROGRESS, True),
        (ResponseStatus.CANCELLED, False),
    ]:
        Response.objects.filter(pk=response.pk).update(status=status)
        response.refresh_from_db()
        assert response.is_overdue(today) is expected
        assert Response.objects.filter(pk=response.pk).overdue(today).exists() is expected
        assert Response.objects.filter(overdue_q(today), pk=response.pk).exists() is expected
    assert not Response.objects.filter(pk=response.pk).overdue(response.due_on).exists()


def test_csi16_form_shows_each_items_uploaded_anchors_in_printed_order(couple, therapist, admin):
    from assessments.questionnaire import questionnaire_for
    from tests.assessments.test_wording import csi_rows

    services.wording_upload(
        clinic=couple.clinic,
        by=admin,
        instrument_code="csi16",
        content=csi_rows(),
        file_name="csi16.csv",
        source="Licensed from the authors, 2026",
    )
    response = first_response(assign(couple, couple.partner_a, "csi16", by=therapist))
    items = {i.number: i for i in questionnaire_for(couple.clinic, response).items}
    # descending, with the item's own poles, the unlabelled middle shown as its value
    assert [(o.value, o.label) for o in items[2].options] == [
        (5, "Pole A 2"),
        (4, "4"),
        (3, "3"),
        (2, "2"),
        (1, "1"),
        (0, "Pole B 2"),
    ]
    assert items[1].options[0] == type(items[1].options[0])(6, "Pole A 1")


def test_csi16_upload_without_anchors_is_refused_as_a_field_error(clinic, admin):
    rows = "\n".join(f"{n},Item {n}" for n in range(1, 17))
    with pytest.raises(ValidationError) as exc:
        services.wording_upload(
            clinic=clinic,
            by=admin,
            instrument_code="csi16",
            content=f"item,text\n{rows}\n",
            file_name="csi16.csv",
            source="x",
        )
    errors = exc.value.message_dict["file"]
    assert len(errors) == 16
    assert errors[0].startswith("row 2: item 1 needs its response anchors (CSI-16 prints words")
