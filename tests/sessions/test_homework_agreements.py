"""A time-out agreement is in force only when both partners accepted its latest version."""

import pytest
from django.db import IntegrityError, connection, transaction

from clinic.models import AuditEvent
from sessions.models import AgreementResponse, AgreementVersion
from tests.conftest import api_client_for
from tests.sessions.world import make_agreement

# Services and selectors are called as a view or a task calls them: inside the clinic's scope.
pytestmark = [pytest.mark.django_db, pytest.mark.scoped]


def portal(partner):
    return api_client_for(partner.portal_user)


def answer(partner, agreement, verb, version, note=""):
    return portal(partner).post(
        f"/api/v1/portal/homework/{agreement.pk}/{verb}/", {"version": version, "note": note}
    )


def staff_view(therapist, agreement):
    couple = agreement.couple
    return (
        api_client_for(therapist)
        .get(f"/api/v1/clinics/{couple.clinic.slug}/couples/{couple.pk}/homework/{agreement.pk}/")
        .json()
    )


def test_agreement_is_in_force_only_after_both_partners_accept(couple, therapist):
    agreement = make_agreement(couple, by=therapist)
    first = answer(couple.partner_a, agreement, "accept", 1)
    assert first.status_code == 200, first.json()
    assert first.json()["agreement"]["in_force"] is False
    assert staff_view(therapist, agreement)["agreement"]["in_force"] is False

    second = answer(couple.partner_b, agreement, "accept", 1)
    assert second.json()["agreement"]["in_force"] is True
    assert staff_view(therapist, agreement)["agreement"]["in_force"] is True


def test_a_change_makes_a_new_version_both_must_accept_again(couple, therapist):
    agreement = make_agreement(couple, by=therapist)
    answer(couple.partner_a, agreement, "accept", 1)
    answer(couple.partner_b, agreement, "accept", 1)
    couple_url = f"/api/v1/clinics/{couple.clinic.slug}/couples/{couple.pk}/homework/"
    api_client_for(therapist).post(
        f"{couple_url}{agreement.pk}/versions/", {"max_break_minutes": 120}
    )

    status = staff_view(therapist, agreement)["agreement"]
    assert status["version"] == 2
    assert status["in_force"] is False
    assert status["last_agreed_version"] == 1

    answer(couple.partner_b, agreement, "accept", 2)
    assert staff_view(therapist, agreement)["agreement"]["in_force"] is False
    answer(couple.partner_a, agreement, "accept", 2)
    assert staff_view(therapist, agreement)["agreement"]["in_force"] is True
    # Both versions and all four acceptances are kept.
    assert AgreementVersion.objects.filter(homework=agreement).count() == 2
    assert AgreementResponse.objects.filter(version__homework=agreement).count() == 4


def test_accepting_an_outdated_version_is_a_conflict_naming_the_latest(couple, therapist):
    agreement = make_agreement(couple, by=therapist)
    couple_url = f"/api/v1/clinics/{couple.clinic.slug}/couples/{couple.pk}/homework/"
    api_client_for(therapist).post(f"{couple_url}{agreement.pk}/versions/", {"heart_rate_cue": 100})
    response = answer(couple.partner_a, agreement, "accept", 1)
    assert response.status_code == 409
    assert "changed since you opened it" in response.json()["detail"]
    assert response.json()["current_version"] == 2
    assert not AgreementResponse.objects.exists()


def test_accepting_twice_is_refused(couple, therapist):
    agreement = make_agreement(couple, by=therapist)
    answer(couple.partner_a, agreement, "accept", 1)
    again = answer(couple.partner_a, agreement, "accept", 1)
    assert again.status_code == 400
    assert again.json()["errors"]["version"] == ["You have already accepted this version."]


def test_asking_to_discuss_is_recorded_and_shown_to_the_therapist(couple, therapist):
    agreement = make_agreement(couple, by=therapist)
    response = answer(couple.partner_b, agreement, "discuss", 1, note="Can we say 30 minutes?")
    assert response.status_code == 200
    standing = {p["partner"]: p for p in staff_view(therapist, agreement)["agreement"]["partners"]}
    b = standing[str(couple.partner_b.pk)]
    assert b["wants_to_discuss"] is True and b["note"] == "Can we say 30 minutes?"
    assert AuditEvent.objects.filter(action="agreement_discuss", channel="portal").exists()


def test_under_a_private_policy_the_other_partner_does_not_see_a_discussion_note(couple, therapist):
    agreement = make_agreement(couple, by=therapist)
    answer(couple.partner_b, agreement, "discuss", 1, note="Private worry")
    seen = portal(couple.partner_a).get(f"/api/v1/portal/homework/{agreement.pk}/").json()
    assert "Private worry" not in str(seen)
    mine = portal(couple.partner_b).get(f"/api/v1/portal/homework/{agreement.pk}/").json()
    assert "Private worry" in str(mine)


def test_only_time_out_agreements_can_be_accepted(couple, therapist):
    from tests.sessions.world import make_practice

    practice = make_practice(couple)
    response = answer(couple.partner_a, practice, "accept", 1)
    assert response.status_code == 404


def test_an_ended_agreement_cannot_be_accepted(couple, therapist):
    from sessions.homework.services import homework_end

    agreement = make_agreement(couple, by=therapist)
    homework_end(homework=agreement, by=therapist)
    response = answer(couple.partner_a, agreement, "accept", 1)
    assert response.status_code == 400
    assert response.json()["errors"]["non_field_errors"] == ["This homework has ended."]


def test_versions_and_answers_are_append_only_at_the_database(couple, therapist):
    agreement = make_agreement(couple, by=therapist)
    answer(couple.partner_a, agreement, "accept", 1)
    for table in ("agreementversion", "agreementresponse"):
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"UPDATE therapy_sessions_{table} SET clinic_id = clinic_id")  # noqa: S608
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM therapy_sessions_{table}")  # noqa: S608


@pytest.mark.parametrize(
    "table",
    ["homework", "practicelog", "timeoutlog", "checkin", "measurement", "measurementimport"],
)
def test_homework_logs_and_measurements_are_never_deleted_at_the_database(couple, table):
    from tests.sessions.world import (
        make_check_in,
        make_measurement,
        make_measurement_import,
        make_practice_log,
        make_time_out_log,
    )

    make_practice_log(couple, couple.partner_a)
    make_time_out_log(couple, couple.partner_a)
    make_check_in(couple, couple.partner_a)
    make_measurement(couple, couple.partner_a)
    make_measurement_import(couple, couple.partner_a)
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM therapy_sessions_{table}")  # noqa: S608


def test_a_discussion_note_is_shared_only_when_the_couple_shares(couple, therapist):
    from clinic.models import IndividualMaterialPolicy

    agreement = make_agreement(couple, by=therapist)
    answer(couple.partner_b, agreement, "discuss", 1, note="Worried about the signal")
    couple.individual_material_policy = IndividualMaterialPolicy.SHARED
    couple.save()
    seen = portal(couple.partner_a).get(f"/api/v1/portal/homework/{agreement.pk}/").json()
    assert "Worried about the signal" in str(seen)
