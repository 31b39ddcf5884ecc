"""The audit channel says how a change or a read came in (a staff page, the staff API, the
partner's portal pages or API, a calendar feed, a task, an operator's command), decided once
where it entered and never passed by hand."""

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
import time_machine
from django.urls import reverse

from clinic.audit import record_event
from clinic.audit_channel import Channel, channel_as, current_channel
from clinic.models import AuditEvent, Client, Couple
from reports.models import ProgressReport
from sessions.calendar.services import calendar_feed_create
from sessions.models import Homework
from tests.assessments.world import assign, first_response
from tests.sessions.world import make_session

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def _channels(**match) -> set[str]:
    return set(AuditEvent.objects.filter(**match).values_list("channel", flat=True))


def test_a_client_and_a_couple_opened_on_the_pages_are_page_events(client, therapist, clinic):
    client.force_login(therapist)
    for name in ("Ines Duarte", "Karl Berg"):
        assert client.post(reverse("client-new", args=[clinic.slug]), {"legal_name": name})
    a, b = Client.objects.filter(clinic=clinic).order_by("legal_name")
    response = client.post(
        reverse("couple-new", args=[clinic.slug]), {"partner_a": str(a.pk), "partner_b": str(b.pk)}
    )
    assert response.status_code == 302
    couple = Couple.objects.get(clinic=clinic)
    assert _channels(action="create", object_type="clinic.client") == {"page"}
    assert _channels(action="create", object_id=str(couple.pk)) == {"page"}


def test_the_same_change_through_the_api_is_an_api_event(api_as, therapist, clinic):
    response = api_as(therapist).post(
        f"/api/v1/clinics/{clinic.slug}/clients/", {"legal_name": "Ines Duarte"}, format="json"
    )
    assert response.status_code == 201, response.content
    assert _channels(action="create", object_id=response.json()["id"]) == {"api"}


def test_a_report_requested_on_the_couple_page_is_a_page_event(client, therapist, clinic, couple):
    client.force_login(therapist)
    response = client.post(
        reverse("report-request", args=[clinic.slug, couple.pk]),
        {"period_start": "2026-01-01", "period_end": "2026-03-31", "audiences": ["clinical"]},
    )
    assert response.status_code == 302
    report = ProgressReport.objects.get(couple=couple)
    assert _channels(action="report_request", object_id=str(report.pk)) == {"page"}


def test_homework_given_on_a_page_is_a_page_event(client, therapist, clinic, couple):
    client.force_login(therapist)
    response = client.post(
        reverse("homework-new", args=[clinic.slug, couple.pk]) + "?kind=practice",
        {
            "partner": str(couple.partner_a.pk),
            "technique": "box_breathing",
            "start_date": "2025-12-01",
            "target_per_week": 5,
        },
    )
    assert response.status_code == 302
    homework = Homework.objects.get(couple=couple)
    assert _channels(action="create", object_id=str(homework.pk)) == {"page"}


def test_a_partner_answering_a_questionnaire_on_the_portal_is_a_portal_event(
    client, couple, therapist
):
    response = first_response(assign(couple, couple.partner_a, by=therapist))
    client.force_login(couple.partner_a.portal_user)
    page = client.get(f"/portal/questionnaires/{response.pk}/")
    assert page.status_code == 200
    saved = client.post(f"/portal/questionnaires/{response.pk}/", {"item-1": "2", "action": "save"})
    assert saved.status_code == 302
    assert _channels(object_id=str(response.pk)) == {"portal"}


def test_the_portal_api_is_the_portal_channel(api_as, couple):
    assert api_as(couple.partner_a.portal_user).get("/api/v1/portal/me/").status_code == 200
    assert _channels(action="read", object_id=str(couple.partner_a.pk)) == {"portal"}


def test_a_calendar_app_fetching_its_feed_is_the_feed_channel(client, clinic, therapist):
    feed, token = calendar_feed_create(clinic=clinic, by=therapist)
    assert client.get(reverse("calendar-ics", args=[clinic.slug, token])).status_code == 200
    assert _channels(action="read", object_id=str(feed.pk)) == {"feed"}


@time_machine.travel(datetime(2026, 3, 2, 10, 0, tzinfo=UTC), tick=False)
def test_a_task_is_the_task_channel_even_when_run_inside_a_page_request(couple, settings):
    from sessions.reminders.tasks import send_partner_reminders

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    make_session(couple, starts_at=datetime(2026, 3, 3, 17, 30, tzinfo=UTC))
    with channel_as(Channel.PAGE):
        assert send_partner_reminders.apply().get() == 2
        assert current_channel() == "page"  # the request's own channel once the task is done
    assert _channels(action="remind") == {"task"}


def test_work_outside_any_request_or_task_is_an_operator_command(clinic):
    record_event(clinic=clinic, actor=None, action="update", obj=clinic)
    assert _channels(object_id=str(clinic.pk)) == {"command"}


def test_no_call_site_passes_a_channel_by_hand():
    """The channel is read where events are written (clinic.audit); a `channel=` argument at a
    call site is how page actions came to be recorded as API events."""
    offenders = []
    for package in ("clinic", "sessions", "assessments", "reports"):
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts or path.name.startswith("audit"):
                continue
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if re.search(r"\bchannel=", line):
                    offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []
