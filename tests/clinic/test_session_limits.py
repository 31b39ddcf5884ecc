"""Session limits: staff 30 minutes idle (a clinic may choose shorter, never above 60), the
portal 15 minutes, 12 hours at most; a warning a minute before; no-store on signed-in pages."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from tests.login import LoginClient

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def _caseload(clinic):
    return reverse("caseload", args=[clinic.slug])


def test_staff_are_logged_out_after_thirty_idle_minutes(therapist, clinic):
    with time_machine.travel(START, tick=False) as traveller:
        client = LoginClient()
        client.force_login(therapist)
        traveller.shift(timedelta(minutes=29))
        assert client.get(_caseload(clinic)).status_code == 200
        traveller.shift(timedelta(minutes=29))  # 29 minutes after the last request: still in
        assert client.get(_caseload(clinic)).status_code == 200
        traveller.shift(timedelta(minutes=30, seconds=5))
        response = client.get(_caseload(clinic))
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
        assert "_auth_user_id" not in client.session


def test_a_clinic_can_choose_a_shorter_idle_limit(therapist, clinic):
    clinic.staff_idle_minutes = 10
    clinic.save()
    with time_machine.travel(START, tick=False) as traveller:
        client = LoginClient()
        client.force_login(therapist)
        traveller.shift(timedelta(minutes=10, seconds=5))
        assert client.get(_caseload(clinic)).status_code == 302


def test_the_idle_limit_cannot_be_set_above_sixty_minutes(client, admin, clinic):
    client.force_login(admin)
    response = client.patch(
        f"/api/v1/clinics/{clinic.slug}/",
        {"staff_idle_minutes": 61},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "staff_idle_minutes" in response.json()["errors"]
    page = client.post(
        reverse("clinic-settings", args=[clinic.slug]),
        {
            "name": clinic.name,
            "time_zone": clinic.time_zone,
            "report_retention_days": 30,
            "staff_idle_minutes": 90,
        },
    )
    assert "Ensure this value is less than or equal to 60." in page.content.decode()
    clinic.refresh_from_db()
    assert clinic.staff_idle_minutes == 30


def test_staff_are_logged_out_after_twelve_hours_however_active(therapist, clinic):
    with time_machine.travel(START, tick=False) as traveller:
        client = LoginClient()
        client.force_login(therapist)
        for _ in range(12 * 3 - 1):  # a request every 20 minutes for 11 h 40 min
            traveller.shift(timedelta(minutes=20))
            assert client.get(_caseload(clinic)).status_code == 200
        traveller.shift(timedelta(minutes=21))
        assert client.get(_caseload(clinic)).status_code == 302


def test_portal_sessions_end_after_fifteen_idle_minutes(couple):
    with time_machine.travel(START, tick=False) as traveller:
        client = LoginClient()
        client.force_login(couple.partner_a.portal_user)
        traveller.shift(timedelta(minutes=14))
        assert client.get("/portal/").status_code == 200
        traveller.shift(timedelta(minutes=15, seconds=5))
        assert client.get("/portal/").status_code == 302


def test_the_page_carries_the_idle_limit_for_the_warning_and_staying_counts(therapist, clinic):
    with time_machine.travel(START, tick=False) as traveller:
        client = LoginClient()
        client.force_login(therapist)
        page = client.get(_caseload(clinic)).content.decode()
        assert 'data-idle-seconds="1800"' in page
        assert "You will be logged out in a minute" in page and "clinic/idle" in page
        traveller.shift(timedelta(minutes=29))
        assert client.post(reverse("keep-alive")).status_code == 204
        traveller.shift(timedelta(minutes=29))
        assert client.get(_caseload(clinic)).status_code == 200


def test_signed_in_pages_and_api_answers_are_not_stored(client, therapist, clinic, api_as):
    client.force_login(therapist)
    assert "no-store" in client.get(_caseload(clinic))["Cache-Control"]
    api = api_as(therapist).get(f"/api/v1/clinics/{clinic.slug}/couples/")
    assert "no-store" in api["Cache-Control"]


def test_every_answer_carries_a_permissions_policy(client, therapist, clinic):
    for response in (
        LoginClient().get("/accounts/login/"),
        LoginClient().get("/api/schema/"),
    ):
        assert "camera=()" in response["Permissions-Policy"]
        assert "geolocation=()" in response["Permissions-Policy"]
    client.force_login(therapist)
    assert "microphone=()" in client.get(_caseload(clinic))["Permissions-Policy"]


def test_the_api_docs_load_swagger_from_attune_itself(client, therapist):
    client.force_login(therapist)
    html = client.get("/api/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in html
    assert "cdn.jsdelivr.net" not in html and "unpkg.com" not in html
