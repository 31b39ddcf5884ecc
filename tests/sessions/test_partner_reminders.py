"""Reminder emails to partners: the day before a session (time and place, nothing clinical) and
a weekly nudge when no practice was logged; each sent by beat at most once, switchable by the
clinic and by each partner, audited as sent, only in the clinic's daytime."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clinic.models import AuditEvent, CoupleStatus
from clinic.tenancy import scopes_disabled
from sessions.models import ReminderSent, SessionKind, SessionModality, SessionStatus
from sessions.reminders.services import in_sending_hours, reminders_send
from sessions.reminders.tasks import send_partner_reminders
from tests.factories import CoupleFactory
from tests.sessions.world import make_practice, make_practice_log, make_session

pytestmark = pytest.mark.django_db

# Monday 2 March 2026, 10:00 in London (GMT).
MONDAY_10AM = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _locmem_mail(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.PORTAL_BASE_URL = "https://attune.example"


def _tomorrow_at(hour, minute=0):
    return datetime(2026, 3, 3, hour, minute, tzinfo=UTC)


@time_machine.travel(MONDAY_10AM, tick=False)
def test_both_partners_hear_of_tomorrows_joint_session_once(couple):
    make_session(couple, starts_at=_tomorrow_at(17, 30), modality=SessionModality.TELEHEALTH)
    assert send_partner_reminders() == 2
    assert send_partner_reminders() == 0
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        p.portal_user.email for p in couple.partners
    )
    body = mail.outbox[0].body
    assert "tomorrow, Tuesday 3 March at 17:30" in body and "telehealth" in body
    assert "https://attune.example/portal/" in body
    events = AuditEvent.objects.filter(action="remind", channel="task")
    assert events.count() == 2 and {e.detail["kind"] for e in events} == {"session"}
    assert ReminderSent.objects.count() == 2


@time_machine.travel(MONDAY_10AM, tick=False)
def test_an_individual_session_reminds_only_its_partner_and_says_nothing_clinical(couple):
    make_session(
        couple, starts_at=_tomorrow_at(9), kind=SessionKind.INDIVIDUAL, partner=couple.partner_b
    )
    assert send_partner_reminders() == 1
    (message,) = mail.outbox
    assert message.to == [couple.partner_b.portal_user.email]
    assert "in person" in message.body
    for word in ("individual", "couple", couple.partner_a.display_name, "therapy", "note"):
        assert word.lower() not in message.body.lower()


@time_machine.travel(MONDAY_10AM, tick=False)
def test_a_moved_session_is_announced_again_but_cancelled_and_far_ones_are_not(couple):
    session = make_session(couple, starts_at=_tomorrow_at(9))
    make_session(
        couple, starts_at=_tomorrow_at(12), status=SessionStatus.CANCELLED, status_reason="x"
    )
    make_session(couple, starts_at=_tomorrow_at(9) + timedelta(days=2))
    assert send_partner_reminders() == 2
    session.starts_at = _tomorrow_at(15)
    session.save()
    assert send_partner_reminders() == 2
    assert "at 15:00" in mail.outbox[-1].body


def test_nothing_is_sent_at_night_in_the_clinics_time_zone(clinic, couple):
    clinic.time_zone = "Australia/Sydney"
    clinic.save()
    # 10:00 UTC is 21:00 in Sydney: too late to send.
    with time_machine.travel(MONDAY_10AM, tick=False):
        make_session(couple, starts_at=datetime(2026, 3, 3, 22, 0, tzinfo=UTC))
        assert not in_sending_hours(MONDAY_10AM, clinic)
        assert send_partner_reminders() == 0
    assert mail.outbox == []


@time_machine.travel(MONDAY_10AM, tick=False)
def test_the_clinic_and_each_partner_can_switch_session_reminders_off(clinic, couple):
    make_session(couple, starts_at=_tomorrow_at(9))
    couple.partner_a.session_reminders = False
    couple.partner_a.save()
    assert send_partner_reminders() == 1
    assert mail.outbox[0].to == [couple.partner_b.portal_user.email]
    other = CoupleFactory(clinic=clinic, therapists=list(couple.therapists.all()))
    make_session(other, starts_at=_tomorrow_at(14))
    clinic.session_reminders = False
    clinic.save()
    assert send_partner_reminders() == 0


@time_machine.travel(MONDAY_10AM, tick=False)
def test_closed_cases_and_partners_without_a_login_get_no_reminder(clinic, couple):
    make_session(couple, starts_at=_tomorrow_at(9))
    couple.status = CoupleStatus.PAUSED
    couple.save()
    couple.partner_b.portal_user.is_active = False
    couple.partner_b.portal_user.save()
    assert send_partner_reminders() == 1
    couple.status = CoupleStatus.DISCHARGED
    couple.save()
    make_session(CoupleFactory(clinic=clinic), starts_at=_tomorrow_at(11))
    with scopes_disabled():
        ReminderSent.objects.all().delete()
    mail.outbox.clear()
    assert send_partner_reminders() == 2  # only the new couple's partners


# --- weekly practice nudge -------------------------------------------------------------------


@time_machine.travel(MONDAY_10AM, tick=False)
def test_a_partner_who_logged_nothing_for_a_week_is_nudged_once_that_week(couple):
    homework = make_practice(couple, start_date=date(2026, 2, 20))
    make_practice_log(
        couple, couple.partner_a, homework=homework, practiced_at=MONDAY_10AM - timedelta(days=2)
    )
    assert send_partner_reminders() == 1
    (message,) = mail.outbox
    assert message.to == [couple.partner_b.portal_user.email]
    assert "no practice was logged this past week" in message.body
    assert "breathing" not in message.body.lower()
    with time_machine.travel(MONDAY_10AM + timedelta(days=3), tick=False):
        assert send_partner_reminders() == 0  # same ISO week
    with time_machine.travel(MONDAY_10AM + timedelta(days=7), tick=False):
        assert send_partner_reminders() == 2  # a new week; partner_a's log is now old too
    event = AuditEvent.objects.filter(action="remind").first()
    assert event.detail["kind"] == "homework" and event.detail["week"].startswith("2026-W")


@time_machine.travel(MONDAY_10AM, tick=False)
def test_no_nudge_for_new_ended_or_switched_off_homework(clinic, couple):
    make_practice(couple, start_date=date(2026, 2, 27))  # runs for only three days
    assert send_partner_reminders() == 0
    ended = make_practice(couple, start_date=date(2026, 2, 1), ended_at=MONDAY_10AM)
    assert ended.ended_at is not None
    assert send_partner_reminders() == 0
    make_practice(couple, partner=couple.partner_a, start_date=date(2026, 2, 1))
    couple.partner_a.homework_nudges = False
    couple.partner_a.save()
    assert send_partner_reminders() == 0
    couple.partner_a.homework_nudges = True
    couple.partner_a.save()
    clinic.homework_nudges = False
    clinic.save()
    assert send_partner_reminders() == 0
    assert mail.outbox == []


@time_machine.travel(MONDAY_10AM, tick=False)
def test_reminder_queries_do_not_grow_with_the_number_of_couples(clinic, couple):
    def run():
        with scopes_disabled():
            ReminderSent.objects.all().delete()
        with CaptureQueriesContext(connection) as ctx, scopes_disabled():
            reminders_send(clinic=clinic)
        # Each email costs its claim, its savepoint pair and its audit row; the reads are fixed.
        return len([q for q in ctx.captured_queries if q["sql"].startswith("SELECT")])

    make_session(couple, starts_at=_tomorrow_at(9))
    make_practice(couple, start_date=date(2026, 2, 1))
    small = run()
    for _ in range(4):
        other = CoupleFactory(clinic=clinic, therapists=list(couple.therapists.all()))
        make_session(other, starts_at=_tomorrow_at(11))
        make_practice(other, start_date=date(2026, 2, 1))
    assert run() == small == 4


# --- the partner's own switches --------------------------------------------------------------


def test_a_partner_turns_reminders_off_in_the_portal_and_it_is_audited(client, couple):
    partner = couple.partner_a
    client.force_login(partner.portal_user)
    url = reverse("portal-reminders")
    page = client.get(url).content.decode()
    assert 'name="session_reminders"' in page and "checked" in page
    assert url in client.get("/portal/").content.decode()
    response = client.post(url, {"homework_nudges": "on"})
    assert response.status_code == 302
    partner.refresh_from_db()
    assert partner.session_reminders is False and partner.homework_nudges is True
    event = AuditEvent.objects.get(object_id=str(partner.pk), action="update")
    assert event.channel == "portal" and event.detail == {"fields": ["session_reminders"]}


def test_staff_have_no_portal_reminders_page(client, therapist):
    client.force_login(therapist)
    assert client.get(reverse("portal-reminders")).status_code == 404
