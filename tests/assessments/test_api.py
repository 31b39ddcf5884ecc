"""Staff API: assignments (once and recurring), responses, risk alerts, clinic settings."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments import services
from assessments.models import Assignment, Response, RiskAlert
from clinic.models import AuditEvent
from clinic.permissions import ADMIN_ONLY
from tests.assessments.world import PHQ9_WITH_RISK, assign, first_response, submitted_response
from tests.conftest import api_client_for
from tests.factories import CoupleFactory

pytestmark = pytest.mark.django_db


def url(clinic, path=""):
    return f"/api/v1/clinics/{clinic.slug}/{path}"


def count_queries(fn):
    with CaptureQueriesContext(connection) as ctx:
        result = fn()
    return len(ctx.captured_queries), result


def today(couple):
    return services.local_today(couple.clinic)


def test_therapist_assigns_an_instrument_once_to_both_partners(couple, therapist, clinic):
    due = today(couple) + timedelta(days=7)
    response = api_client_for(therapist).post(
        url(clinic, f"couples/{couple.pk}/assignments/"),
        {
            "partners": [str(couple.partner_a.pk), str(couple.partner_b.pk)],
            "instruments": ["phq9"],
            "first_due_on": due.isoformat(),
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    rows = response.json()
    assert len(rows) == 2
    assert {r["occurrences"] for r in rows} == {1}
    assert {r["next_due_on"] for r in rows} == {due.isoformat()}
    assert Response.objects.filter(couple=couple).count() == 2


def test_therapist_assigns_a_recurring_instrument(couple, therapist, clinic):
    start = today(couple) + timedelta(days=1)
    response = api_client_for(therapist).post(
        url(clinic, f"couples/{couple.pk}/assignments/"),
        {
            "partners": [str(couple.partner_a.pk)],
            "instruments": ["gad7", "phq9"],
            "first_due_on": start.isoformat(),
            "repeat_every_weeks": 2,
            "repeat_until": (start + timedelta(weeks=6)).isoformat(),
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert sorted((r["instrument_code"], r["occurrences"]) for r in response.json()) == [
        ("gad7", 4),
        ("phq9", 4),
    ]
    assert all(r["repeat_every_weeks"] == 2 for r in response.json())


def test_assignment_errors_are_field_errors(couple, therapist, clinic):
    response = api_client_for(therapist).post(
        url(clinic, f"couples/{couple.pk}/assignments/"),
        {
            "partners": [str(couple.partner_a.pk)],
            "instruments": ["phq9", "nonsense"],
            "first_due_on": "2001-01-01",
        },
        format="json",
    )
    assert response.status_code == 400
    assert "instruments" in response.json()["errors"]


def test_another_couples_partner_cannot_be_assigned(couple, therapist, clinic):
    other = CoupleFactory(clinic=clinic, therapists=[therapist])
    response = api_client_for(therapist).post(
        url(clinic, f"couples/{couple.pk}/assignments/"),
        {
            "partners": [str(other.partner_a.pk)],
            "instruments": ["phq9"],
            "first_due_on": today(couple).isoformat(),
        },
        format="json",
    )
    assert response.status_code == 400
    assert "partners" in response.json()["errors"]


def test_cancelling_an_assignment_withdraws_what_is_open(couple, therapist, clinic):
    assignment = assign(couple, couple.partner_a, by=therapist)
    response = api_client_for(therapist).delete(url(clinic, f"assignments/{assignment.pk}/"))
    assert response.status_code == 200
    assert response.json()["cancelled_at"]
    assert first_response(assignment).status == "cancelled"
    assert Assignment.objects.filter(pk=assignment.pk).exists()


def test_couple_responses_list_shows_scores_and_overdue_and_is_audited(couple, therapist, clinic):
    submitted = submitted_response(couple, couple.partner_a)
    late = first_response(assign(couple, couple.partner_b, "gad7", by=therapist))
    Response.objects.filter(pk=late.pk).update(due_on=today(couple) - timedelta(days=2))
    response = api_client_for(therapist).get(url(clinic, f"couples/{couple.pk}/responses/"))
    assert response.status_code == 200
    rows = {r["id"]: r for r in response.json()["results"]}
    assert rows[str(submitted.pk)]["scores"]["total"] == 0
    assert rows[str(late.pk)]["overdue"] is True
    read = set(AuditEvent.objects.filter(action="read").values_list("object_id", flat=True))
    assert {str(submitted.pk), str(late.pk)} <= read


def test_response_detail_shows_answers_in_the_clinics_wording(couple, therapist, clinic):
    submitted = submitted_response(couple, couple.partner_a, answers=PHQ9_WITH_RISK)
    response = api_client_for(therapist).get(url(clinic, f"responses/{submitted.pk}/"))
    assert response.status_code == 200
    item9 = response.json()["items"][8]
    assert item9["answer"] == 1 and item9["answer_label"] == "Several days"
    assert item9["risk"] is True
    assert item9["text"].startswith("Thoughts that you would be better off dead")
    assert AuditEvent.objects.filter(action="read", object_id=str(submitted.pk)).exists()


def test_unassigned_therapist_cannot_read_a_couples_responses(couple, other_therapist, clinic):
    submitted = submitted_response(couple, couple.partner_a)
    api = api_client_for(other_therapist)
    assert api.get(url(clinic, f"responses/{submitted.pk}/")).status_code == 404
    assert api.get(url(clinic, f"couples/{couple.pk}/responses/")).status_code == 404


def test_risk_alert_is_listed_open_and_acknowledgement_is_audited(couple, therapist, clinic):
    submitted_response(couple, couple.partner_a, answers=PHQ9_WITH_RISK)
    api = api_client_for(therapist)
    listed = api.get(url(clinic, "risk-alerts/?open=true")).json()["results"]
    assert len(listed) == 1 and listed[0]["item_number"] == 9 and listed[0]["open"]
    alert_id = listed[0]["id"]
    response = api.post(
        url(clinic, f"risk-alerts/{alert_id}/acknowledge/"),
        {"note": "Phoned the client; safety plan reviewed."},
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["open"] is False
    assert body["acknowledged_by"] == str(therapist.pk)
    assert body["acknowledgement_note"] == "Phoned the client; safety plan reviewed."
    event = AuditEvent.objects.get(action="acknowledge", object_id=alert_id)
    assert event.actor == therapist
    assert api.get(url(clinic, "risk-alerts/?open=true")).json()["results"] == []
    again = api.post(url(clinic, f"risk-alerts/{alert_id}/acknowledge/"), {}, format="json")
    assert again.status_code == 400
    assert "already acknowledged" in again.json()["errors"]["non_field_errors"][0]


def test_instrument_library_says_which_wording_applies(clinic, therapist):
    rows = {r["code"]: r for r in api_client_for(therapist).get(url(clinic, "instruments/")).json()}
    assert rows["phq9"]["wording_case"] == "shipped"
    assert rows["ecrr"]["wording_case"] == "placeholder"
    assert rows["ecrr"]["assignable"] is False
    assert rows["pcl5"]["trauma_measure"] is True
    assert "Kroenke" in rows["phq9"]["citation"]


def test_admin_uploads_licensed_wording_as_a_csv_file(clinic, admin, therapist):
    from django.core.files.uploadedfile import SimpleUploadedFile

    rows = "\n".join(f"{n},Statement number {n}" for n in range(1, 13))
    upload = SimpleUploadedFile("ecr-s.csv", f"item,text\n{rows}\n".encode(), "text/csv")
    response = api_client_for(admin).post(
        url(clinic, "instrument-wordings/"),
        {"instrument_code": "ecrs", "source": "Licence letter 2026-01", "file": upload},
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["items"] == 12
    library = {
        r["code"]: r for r in api_client_for(therapist).get(url(clinic, "instruments/")).json()
    }
    assert library["ecrs"]["wording_case"] == "licensed"
    assert library["ecrs"]["wording_source"] == "Licence letter 2026-01"


def test_wording_upload_errors_come_back_listed(clinic, admin):
    response = api_client_for(admin).post(
        url(clinic, "instrument-wordings/"),
        {"instrument_code": "ecrs", "source": "x", "content": '{"1": ""}', "format": "json"},
        format="json",
    )
    assert response.status_code == 400
    assert any("blank" in m for m in response.json()["errors"]["file"])


def test_therapist_cannot_change_clinic_assessment_settings(clinic, therapist):
    api = api_client_for(therapist)
    override = api.post(
        url(clinic, "reliability-overrides/"),
        {"instrument_code": "phq9", "sd": 5, "r": 0.8, "source": "x"},
        format="json",
    )
    assert override.status_code == 403
    assert override.json()["detail"] == ADMIN_ONLY
    wordings = api.get(url(clinic, "instrument-wordings/"))
    assert wordings.status_code == 403
    assert wordings.json()["detail"] == ADMIN_ONLY


def test_admin_overrides_reliability_and_the_library_shows_it(clinic, admin):
    api = api_client_for(admin)
    response = api.post(
        url(clinic, "reliability-overrides/"),
        {"instrument_code": "phq9", "sd": 5.5, "r": 0.84, "source": "Our clinic sample, 2025"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    row = next(r for r in api.get(url(clinic, "instruments/")).json() if r["code"] == "phq9")
    total = row["reliability"][0]
    assert (total["method"], total["sd"], total["r"]) == ("jacobson_truax", 5.5, 0.84)
    assert total["overridden_by_clinic"] is True
    override_id = response.json()["id"]
    assert api.delete(url(clinic, f"reliability-overrides/{override_id}/")).status_code == 204
    row = next(r for r in api.get(url(clinic, "instruments/")).json() if r["code"] == "phq9")
    assert row["reliability"][0]["method"] == "fixed_threshold"


def _fill(clinic, couples, therapist, n):
    for _ in range(n):
        couple = CoupleFactory(clinic=clinic, therapists=[therapist])
        submitted_response(couple, couple.partner_a, answers=PHQ9_WITH_RISK)
        assign(couple, couple.partner_b, "gad7", by=therapist)
        couples.append(couple)


def test_list_endpoints_query_counts_do_not_grow(clinic, therapist, couple):
    api = api_client_for(therapist)
    couples: list = []
    urls = [
        url(clinic, "risk-alerts/?page_size=200"),
        url(clinic, f"couples/{couple.pk}/responses/?page_size=200"),
        url(clinic, f"couples/{couple.pk}/assignments/?page_size=200"),
    ]

    def fetch_all():
        return [api.get(u) for u in urls]

    def grow_couple(n):
        for _ in range(n):
            submitted_response(couple, couple.partner_a, answers=PHQ9_WITH_RISK)
            assign(couple, couple.partner_b, "gad7", by=therapist)

    _fill(clinic, couples, therapist, 2)
    grow_couple(2)
    small, responses = count_queries(fetch_all)
    assert all(r.status_code == 200 for r in responses)
    _fill(clinic, couples, therapist, 20)
    grow_couple(20)
    large, responses = count_queries(fetch_all)
    assert len(responses[0].json()["results"]) == 44
    assert len(responses[1].json()["results"]) == 44
    assert small == large


def test_risk_alert_is_unique_per_item(couple):
    submitted = submitted_response(couple, couple.partner_a, answers=PHQ9_WITH_RISK)
    assert RiskAlert.objects.filter(response=submitted).count() == 1


def test_clinic_settings_lists_query_counts_do_not_grow(clinic, admin):
    from assessments.models import ReliabilityOverride
    from tests.assessments.world import _licensed_wording

    api = api_client_for(admin)
    couple = CoupleFactory(clinic=clinic)

    def fetch():
        return [
            api.get(url(clinic, "instrument-wordings/?page_size=200")),
            api.get(url(clinic, "reliability-overrides/?page_size=200")),
        ]

    codes = ["phq9", "gad7", "pcl5", "csi16", "csi4", "ders16"]
    _licensed_wording(couple, None)
    ReliabilityOverride.objects.create(
        clinic=clinic, instrument_code="phq9", sd=5, r=0.8, source="x"
    )
    small, _ = count_queries(fetch)
    for _ in range(4):
        _licensed_wording(couple, None)
    for code in codes[1:]:
        ReliabilityOverride.objects.create(
            clinic=clinic, instrument_code=code, sd=5, r=0.8, source="x"
        )
    large, responses = count_queries(fetch)
    assert len(responses[0].json()["results"]) == 5
    assert len(responses[1].json()["results"]) == 6
    assert small == large


def test_assignment_reads_are_audited(couple, therapist, clinic):
    assignment = assign(couple, couple.partner_a, by=therapist)
    api = api_client_for(therapist)
    assert api.get(url(clinic, f"assignments/{assignment.pk}/")).status_code == 200
    assert api.get(url(clinic, f"couples/{couple.pk}/assignments/")).status_code == 200
    reads = AuditEvent.objects.filter(action="read", object_id=str(assignment.pk)).count()
    assert reads == 2
