"""Portal API: a partner lists what is due, saves partially, skips, submits; answers are final;
the other partner's questionnaire is a 404."""

from datetime import timedelta

import pytest

from assessments import services
from assessments.models import Response, ResponseStatus, RiskAlert
from clinic.models import AuditEvent
from tests.assessments.world import PHQ9_WITH_RISK, assign, first_response
from tests.conftest import api_client_for

pytestmark = pytest.mark.django_db

BASE = "/api/v1/portal/questionnaires/"


@pytest.fixture
def phq9(couple, therapist):
    return first_response(assign(couple, couple.partner_a, by=therapist))


@pytest.fixture
def me(couple):
    return api_client_for(couple.partner_a.portal_user)


def test_partner_lists_what_is_due_but_not_future_occurrences(couple, therapist, me, phq9):
    assign(
        couple,
        couple.partner_a,
        "gad7",
        by=therapist,
        due=services.local_today(couple.clinic) + timedelta(days=30),
        repeat_every_weeks=4,
        repeat_until=services.local_today(couple.clinic) + timedelta(days=90),
    )
    rows = me.get(BASE).json()["results"]
    codes = sorted(r["instrument_code"] for r in rows)
    assert codes == ["gad7", "phq9"]  # the first GAD-7 only; later ones have not opened
    assert AuditEvent.objects.filter(channel="portal", action="read").count() == 2


def test_partner_opens_a_questionnaire_with_labelled_options(me, phq9, clinic):
    body = me.get(f"{BASE}{phq9.pk}/").json()
    assert body["name"] == "Patient Health Questionnaire-9"
    assert len(body["items"]) == 10
    item9 = body["items"][8]
    assert item9["risk"] is True
    assert item9["options"][0]["label"] == "Not at all"
    assert body["crisis_text"] == clinic.crisis_text
    assert body["result"] is None
    assert "Pfizer" in body["copyright"]


def test_partial_save_then_come_back(me, phq9):
    response = me.patch(f"{BASE}{phq9.pk}/", {"answers": {"1": 2, "2": 1}}, format="json")
    assert response.status_code == 200, response.json()
    body = me.get(f"{BASE}{phq9.pk}/").json()
    assert [i["answer"] for i in body["items"][:3]] == [2, 1, None]
    assert body["questionnaire"]["status"] == "in_progress"
    assert body["questionnaire"]["answered"] == 2


def test_prefer_not_to_answer_clears_an_item(me, phq9):
    me.patch(f"{BASE}{phq9.pk}/", {"answers": {"1": 2, "2": 1}}, format="json")
    me.patch(f"{BASE}{phq9.pk}/", {"answers": {"2": None}}, format="json")
    phq9.refresh_from_db()
    assert phq9.answers == {"1": 2}


def test_an_answer_off_the_scale_is_a_400_with_the_reason(me, phq9):
    response = me.patch(f"{BASE}{phq9.pk}/", {"answers": {"3": 9}}, format="json")
    assert response.status_code == 400
    assert "not one of the answers" in str(response.json()["errors"]["answers"])


def test_submission_scores_and_shows_no_bands_unless_the_clinic_allows(me, phq9, clinic):
    answers = {str(n): 2 for n in range(1, 9)} | {"9": 0}
    body = me.post(f"{BASE}{phq9.pk}/submit/", {"answers": answers}, format="json").json()
    assert body["questionnaire"]["status"] == "submitted"
    assert body["result"]["scales"][0]["value"] == 16
    assert body["result"]["scales"][0]["band"] is None
    assert body["result"]["show_crisis_text"] is False
    clinic.show_score_bands_to_clients = True
    clinic.save()
    body = me.get(f"{BASE}{phq9.pk}/").json()
    assert body["result"]["scales"][0]["band"] == "Moderately severe"


def test_submitted_answers_are_final_409(me, phq9):
    me.post(f"{BASE}{phq9.pk}/submit/", {"answers": {"1": 1}}, format="json")
    change = me.patch(f"{BASE}{phq9.pk}/", {"answers": {"1": 3}}, format="json")
    assert change.status_code == 409
    assert "already been submitted" in change.json()["detail"]
    again = me.post(f"{BASE}{phq9.pk}/submit/", {}, format="json")
    assert again.status_code == 409
    assert "already been submitted" in again.json()["detail"]
    phq9.refresh_from_db()
    assert phq9.answers == {"1": 1}


def test_risk_item_shows_crisis_text_after_submission_and_alerts_the_therapist(me, phq9, clinic):
    body = me.post(f"{BASE}{phq9.pk}/submit/", {"answers": PHQ9_WITH_RISK}, format="json").json()
    assert body["result"]["show_crisis_text"] is True
    assert body["crisis_text"] == clinic.crisis_text
    assert RiskAlert.objects.filter(response=phq9, acknowledged_at__isnull=True).count() == 1


def test_partner_cannot_see_or_submit_the_other_partners_questionnaire(couple, therapist):
    theirs = first_response(assign(couple, couple.partner_b, by=therapist))
    me = api_client_for(couple.partner_a.portal_user)
    assert me.get(f"{BASE}{theirs.pk}/").status_code == 404
    assert me.patch(f"{BASE}{theirs.pk}/", {"answers": {"1": 1}}, format="json").status_code == 404
    assert me.post(f"{BASE}{theirs.pk}/submit/", {}, format="json").status_code == 404
    assert [r["id"] for r in me.get(BASE).json()["results"]] == []
    assert Response.objects.get(pk=theirs.pk).status == ResponseStatus.PENDING


def test_withdrawn_questionnaires_disappear_from_the_portal(couple, therapist, me, phq9):
    services.assignment_cancel(assignment=phq9.assignment, by=therapist)
    assert me.get(BASE).json()["results"] == []
    assert me.get(f"{BASE}{phq9.pk}/").status_code == 404


def test_grounding_note_comes_before_trauma_measures(couple, therapist, me):
    pcl5 = first_response(assign(couple, couple.partner_a, "pcl5", by=therapist))
    body = me.get(f"{BASE}{pcl5.pk}/").json()
    assert body["grounding_note"]
    assert len(body["items"]) == 20


def test_portal_list_query_count_does_not_grow(couple, therapist, me):
    def fetch():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            response = me.get(f"{BASE}?page_size=200")
        return len(ctx.captured_queries), response

    for code in ("phq9", "gad7"):
        assign(couple, couple.partner_a, code, by=therapist)
    small, response = fetch()
    assert len(response.json()["results"]) == 2
    for code in ("pcl5", "phq9", "gad7", "phq9", "gad7", "pcl5"):
        assign(couple, couple.partner_a, code, by=therapist)
    large, response = fetch()
    assert len(response.json()["results"]) == 8
    assert small == large


def test_an_all_blank_submission_is_a_400_with_the_answers_field(me, phq9):
    response = me.post(f"{BASE}{phq9.pk}/submit/", {"answers": {}}, format="json")
    assert response.status_code == 400
    assert "No question is answered" in response.json()["errors"]["answers"][0]
    phq9.refresh_from_db()
    assert phq9.status == ResponseStatus.PENDING


def test_declining_through_the_api_is_final_and_unscored(me, phq9, couple, therapist):
    body = me.post(f"{BASE}{phq9.pk}/decline/").json()
    assert body["questionnaire"]["status"] == "declined"
    assert body["questionnaire"]["declined_at"] and body["result"] is None
    refused = me.post(f"{BASE}{phq9.pk}/submit/", {"answers": {"1": 1}}, format="json")
    assert refused.status_code == 409 and "chose not to answer" in refused.json()["detail"]
    theirs = first_response(assign(couple, couple.partner_b, by=therapist))
    assert me.post(f"{BASE}{theirs.pk}/decline/").status_code == 404


def test_the_database_refuses_to_change_a_declined_response(me, phq9):
    from django.db import IntegrityError, InternalError, transaction

    me.post(f"{BASE}{phq9.pk}/decline/")
    with pytest.raises((IntegrityError, InternalError)), transaction.atomic():
        Response.objects.filter(pk=phq9.pk).update(status="pending", declined_at=None)
