"""Results API: per partner over time with bands, reliable change, partner discrepancy and
dyadic change (staff); the partner's own view follows the sharing policy."""

import pytest

from assessments import services
from clinic.models import AuditEvent
from tests.assessments.world import submitted_response
from tests.conftest import api_client_for

pytestmark = pytest.mark.django_db


def phq9(total_per_item: int) -> dict:
    return {str(n): total_per_item for n in range(1, 10)}


@pytest.fixture
def history(couple):
    # Same occasions for both partners: due the same day.
    submitted_response(couple, couple.partner_a, answers=phq9(2))  # 18
    submitted_response(couple, couple.partner_b, answers=phq9(0))  # 0
    submitted_response(couple, couple.partner_a, answers=phq9(1))  # 9
    submitted_response(couple, couple.partner_b, answers=phq9(1))  # 9
    return couple


def test_staff_results_show_series_bands_and_reliable_change(history, therapist, clinic):
    couple = history
    body = (
        api_client_for(therapist)
        .get(f"/api/v1/clinics/{clinic.slug}/couples/{couple.pk}/assessment-results/")
        .json()
    )
    (phq,) = body["instruments"]
    a, b = phq["partners"]
    total_a = a["scales"][0]
    assert [p["value"] for p in total_a["points"]] == [18, 9]
    assert [p["band"] for p in total_a["points"]] == ["Moderately severe", "Mild"]
    assert total_a["since_baseline"]["verdict"] == "reliably improved"
    assert total_a["since_last"]["difference"] == -9
    assert b["scales"][0]["since_baseline"]["verdict"] == "reliably deteriorated"
    assert phq["dyadic"]["total"]["summary"] == "one reliably improved, one reliably deteriorated"
    discrepancies = phq["discrepancies"]["total"]
    assert [d["difference"] for d in discrepancies] == [18, 0]
    assert discrepancies[0]["beyond_measurement_error"] is None  # no SD/r for PHQ-9 by default
    assert AuditEvent.objects.filter(object_id=str(couple.pk), action="read").exists()


def test_clinic_sd_and_r_drive_the_discrepancy_and_change(history, admin, clinic):
    history.therapists.add(admin, through_defaults=history.assignment_defaults)
    services.reliability_override_set(
        clinic=clinic, by=admin, instrument_code="phq9", sd=5.0, r=0.84, source="Clinic sample"
    )
    body = (
        api_client_for(admin)
        .get(f"/api/v1/clinics/{clinic.slug}/couples/{history.pk}/assessment-results/?charts=1")
        .json()
    )
    (phq,) = body["instruments"]
    first = phq["discrepancies"]["total"][0]
    assert first["threshold"] == 5.54  # 1.96 x 5 x sqrt(2 x 0.16)
    assert first["beyond_measurement_error"] is True
    assert phq["partners"][0]["scales"][0]["since_baseline"]["method"] == "jacobson-truax"
    assert phq["chart_svg"].startswith("<svg")
    assert body["attachment_map_svg"] is None


def test_partner_results_api_hides_the_other_partner_unless_shared(history):
    couple = history
    me = api_client_for(couple.partner_a.portal_user)
    body = me.get("/api/v1/portal/results/").json()
    assert body["partner_results_shared"] is False
    (phq,) = body["instruments"]
    assert [p["partner"] for p in phq["partners"]] == [str(couple.partner_a.pk)]
    assert "since_baseline" not in phq["partners"][0]["scales"][0]
    assert phq["partners"][0]["scales"][0]["points"][0]["band"] is None
    couple.individual_material_policy = "shared"
    couple.save()
    body = me.get("/api/v1/portal/results/").json()
    assert len(body["instruments"][0]["partners"]) == 2


def test_unassigned_therapist_cannot_read_results(history, other_therapist, clinic):
    response = api_client_for(other_therapist).get(
        f"/api/v1/clinics/{clinic.slug}/couples/{history.pk}/assessment-results/"
    )
    assert response.status_code == 404


def test_partner_answers_follow_the_confidentiality_module(history):
    couple = history
    me = api_client_for(couple.partner_a.portal_user)
    mine = me.get("/api/v1/portal/results/").json()["instruments"][0]["partners"][0]
    assert mine["scales"][0]["points"][0]["answers"] == {str(n): 2 for n in range(1, 10)}
    couple.individual_material_policy = "shared"
    couple.save()
    theirs = me.get("/api/v1/portal/results/").json()["instruments"][0]["partners"][1]
    assert theirs["scales"][0]["points"][0]["answers"]["1"] == 0


def test_risk_item_answers_never_reach_the_other_partner_under_a_shared_policy(history):
    couple = history
    couple.individual_material_policy = "shared"
    couple.save()
    me = api_client_for(couple.partner_a.portal_user)
    partners = me.get("/api/v1/portal/results/").json()["instruments"][0]["partners"]
    mine = partners[0]["scales"][0]["points"][1]["answers"]
    theirs = partners[1]["scales"][0]["points"][1]["answers"]
    assert mine["9"] == 1  # my own answer to item 9 stays mine to read
    assert "9" not in theirs and theirs["8"] == 1
