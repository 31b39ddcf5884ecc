"""Staff API for homework: giving it, changing it, ending and archiving it, and its list."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from clinic.models import AuditEvent
from sessions.models import AgreementVersion, Homework
from tests.conftest import api_client_for
from tests.factories import CoupleFactory
from tests.sessions.world import DEFAULT_TERMS, make_agreement, make_practice

pytestmark = pytest.mark.django_db


def url(couple, rest=""):
    return f"/api/v1/clinics/{couple.clinic.slug}/couples/{couple.pk}/homework/{rest}"


def today():
    return timezone.localdate().isoformat()


def test_a_preset_practice_takes_the_presets_defaults(couple, therapist):
    response = api_client_for(therapist).post(
        url(couple),
        {
            "kind": "practice",
            "technique": "resonance_breathing",
            "start_date": today(),
            "target_per_week": 5,
        },
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["title"] == "Resonance breathing"
    assert body["breaths_per_minute"] == 6.0
    assert body["minutes"] == 15
    assert "five" in body["instructions"]
    assert body["partner"] is None


def test_a_practice_for_one_partner_with_its_own_pace(couple, therapist):
    response = api_client_for(therapist).post(
        url(couple),
        {
            "kind": "practice",
            "partner": str(couple.partner_b.pk),
            "technique": "resonance_breathing",
            "breaths_per_minute": 5.5,
            "minutes": 20,
            "start_date": today(),
        },
    )
    assert response.status_code == 201
    assert response.json()["partner"] == str(couple.partner_b.pk)
    assert response.json()["breaths_per_minute"] == 5.5


def test_a_breathing_pace_outside_3_to_10_is_refused(couple, therapist):
    response = api_client_for(therapist).post(
        url(couple),
        {
            "kind": "practice",
            "technique": "box_breathing",
            "breaths_per_minute": 14,
            "start_date": today(),
        },
    )
    assert response.status_code == 400
    assert "breaths_per_minute" in response.json()["errors"]


def test_a_custom_practice_needs_a_name_and_instructions(couple, therapist):
    client = api_client_for(therapist)
    refused = client.post(
        url(couple), {"kind": "practice", "technique": "custom", "start_date": today()}
    )
    assert set(refused.json()["errors"]) == {"title", "instructions"}
    made = client.post(
        url(couple),
        {
            "kind": "practice",
            "technique": "custom",
            "title": "Hand on heart",
            "instructions": "Rest a hand on your chest for three breaths.",
            "minutes": 2,
            "start_date": today(),
        },
    )
    assert made.status_code == 201
    assert made.json()["technique"] == "custom"


def test_another_task_is_free_form(couple, therapist):
    response = api_client_for(therapist).post(
        url(couple),
        {
            "kind": "other",
            "title": "Appreciation list",
            "instructions": "Write down three things you appreciated about each other.",
            "target_per_week": 1,
            "start_date": today(),
        },
    )
    assert response.status_code == 201
    assert response.json()["kind"] == "other"


def test_a_time_out_agreement_starts_at_version_1_with_the_default_breaks(couple, therapist):
    response = api_client_for(therapist).post(
        url(couple), {"kind": "time_out", "start_date": today(), "terms": DEFAULT_TERMS}
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["agreement"]["version"] == 1
    assert body["agreement"]["in_force"] is False
    assert body["versions"][0]["min_break_minutes"] == 20
    assert body["versions"][0]["max_break_minutes"] == 1440


@pytest.mark.parametrize(
    ("terms", "field"),
    [
        ({"min_break_minutes": 10}, "min_break_minutes"),
        ({"max_break_minutes": 2000}, "max_break_minutes"),
        ({"heart_rate_cue": 40}, "heart_rate_cue"),
        ({"signal": ""}, "signal"),
        ({"calm_plan_b": ""}, "calm_plan_b"),
    ],
)
def test_time_out_terms_outside_the_flooding_limits_are_refused(couple, therapist, terms, field):
    response = api_client_for(therapist).post(
        url(couple),
        {"kind": "time_out", "start_date": today(), "terms": {**DEFAULT_TERMS, **terms}},
    )
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_a_time_out_agreement_cannot_be_for_one_partner(couple, therapist):
    response = api_client_for(therapist).post(
        url(couple),
        {
            "kind": "time_out",
            "partner": str(couple.partner_a.pk),
            "start_date": today(),
            "terms": DEFAULT_TERMS,
        },
    )
    assert response.status_code == 400
    assert "partner" in response.json()["errors"]


def test_homework_cannot_go_to_someone_outside_the_couple(couple, therapist, clinic):
    stranger = CoupleFactory(clinic=clinic).partner_a
    response = api_client_for(therapist).post(
        url(couple),
        {
            "kind": "practice",
            "technique": "meditation",
            "partner": str(stranger.pk),
            "start_date": today(),
        },
    )
    assert response.status_code == 400
    assert "partner" in response.json()["errors"]


def test_a_new_version_changes_terms_and_keeps_the_old_one(couple, therapist):
    agreement = make_agreement(couple, by=therapist)
    client = api_client_for(therapist)
    response = client.post(
        url(couple, f"{agreement.pk}/versions/"),
        {"min_break_minutes": 30, "change_note": "Twenty minutes was too short for Sam"},
    )
    assert response.status_code == 201, response.json()
    assert response.json()["number"] == 2
    versions = client.get(url(couple, f"{agreement.pk}/versions/")).json()
    assert [(v["number"], v["min_break_minutes"]) for v in versions] == [(1, 20), (2, 30)]
    assert versions[1]["signal"] == DEFAULT_TERMS["signal"]


def test_a_new_version_without_a_change_is_refused(couple, therapist):
    agreement = make_agreement(couple, by=therapist)
    response = api_client_for(therapist).post(
        url(couple, f"{agreement.pk}/versions/"), {"signal": DEFAULT_TERMS["signal"]}
    )
    assert response.status_code == 400
    assert "Nothing changed" in response.json()["errors"]["non_field_errors"][0]
    assert AgreementVersion.objects.filter(homework=agreement).count() == 1


def test_changing_a_practice_in_place_is_audited(couple, therapist):
    practice = make_practice(couple)
    response = api_client_for(therapist).patch(
        url(couple, f"{practice.pk}/"), {"target_per_week": 7, "minutes": 20}
    )
    assert response.status_code == 200, response.json()
    assert response.json()["target_per_week"] == 7
    event = AuditEvent.objects.get(action="update", object_id=str(practice.pk))
    assert event.detail["fields"] == ["minutes", "target_per_week"]


def test_ending_homework_keeps_it_and_sets_its_end_date(couple, therapist):
    practice = make_practice(couple)
    response = api_client_for(therapist).post(
        url(couple, f"{practice.pk}/end/"), {"reason": "Goal reached"}
    )
    assert response.status_code == 200
    practice.refresh_from_db()
    assert practice.end_date == timezone.localdate(timezone=couple.clinic.tz)
    assert practice.ended_at is not None and practice.end_reason == "Goal reached"


def test_homework_is_never_deleted_only_archived(couple, therapist):
    practice = make_practice(couple)
    client = api_client_for(therapist)
    assert client.delete(url(couple, f"{practice.pk}/")).status_code == 405
    unexplained = client.post(url(couple, f"{practice.pk}/archive/"), {})
    assert unexplained.status_code == 400
    assert "reason" in unexplained.json()["errors"]
    archived = client.post(url(couple, f"{practice.pk}/archive/"), {"reason": "Given in error"})
    assert archived.status_code == 200
    assert Homework.objects.filter(pk=practice.pk, archived_at__isnull=False).exists()
    listed = client.get(url(couple)).json()["results"]
    assert practice.pk not in [h["id"] for h in listed]
    assert len(client.get(url(couple) + "?archived=true").json()["results"]) == 1


def test_the_end_date_cannot_precede_the_start(couple, therapist):
    response = api_client_for(therapist).post(
        url(couple),
        {
            "kind": "practice",
            "technique": "meditation",
            "start_date": "2025-12-10",
            "end_date": "2025-12-01",
        },
    )
    assert response.status_code == 400
    assert "end_date" in response.json()["errors"]


def test_listing_homework_audits_each_item_read(couple, therapist):
    homework = [make_practice(couple), make_agreement(couple, by=therapist)]
    api_client_for(therapist).get(url(couple))
    read = set(AuditEvent.objects.filter(action="read").values_list("object_id", flat=True))
    assert {str(h.pk) for h in homework} <= read


def _count(fetch):
    with CaptureQueriesContext(connection) as ctx:
        response = fetch()
    assert response.status_code == 200
    return len(ctx.captured_queries), response


def test_homework_list_query_count_is_the_same_for_2_and_40_items(couple, therapist):
    client = api_client_for(therapist)
    start = date(2025, 1, 6)

    def add(n):
        for i in range(n):
            make_practice(couple, start_date=start + timedelta(days=i))
            make_agreement(couple, by=therapist)

    add(1)
    small, response = _count(lambda: client.get(url(couple) + "?page_size=100"))
    assert response.json()["count"] == 2
    add(19)
    large, response = _count(lambda: client.get(url(couple) + "?page_size=100"))
    assert response.json()["count"] == 40
    assert small == large
