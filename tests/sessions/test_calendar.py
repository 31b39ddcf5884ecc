"""A therapist's calendar: the week and a day's agenda of their own sessions across couples in
clinic time, booking from a day, and the private iCalendar feed (secret, revocable, no client
names unless opted in, audited on every fetch), with pinned query counts."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.urls import reverse
from icalendar import Calendar

from clinic.models import AuditEvent, CoupleStatus
from clinic.services import member_deactivate
from sessions.calendar.ical import CalendarEntry, event_title, ics_bytes, week_days
from sessions.calendar.services import calendar_feed_create
from sessions.models import CalendarFeed, SessionKind, SessionModality, SessionStatus
from tests.factories import CoupleFactory, MembershipFactory
from tests.sessions.world import make_session

pytestmark = pytest.mark.django_db

# Wednesday 4 March 2026, 09:00 UTC (= 09:00 in London, which is on GMT in March).
NOW = datetime(2026, 3, 4, 9, 0, tzinfo=UTC)


@pytest.fixture
def page(client, therapist):
    client.force_login(therapist)
    return client


def _at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


# --- pure --------------------------------------------------------------------------------------


def test_a_week_runs_monday_to_sunday():
    days = week_days(date(2026, 3, 4))
    assert days[0] == date(2026, 3, 2) and days[-1] == date(2026, 3, 8) and len(days) == 7


def test_event_titles_carry_names_only_when_given():
    entry = CalendarEntry(
        uid="1",
        starts_at=_at(4, 9),
        ends_at=_at(4, 10),
        kind="individual",
        modality="telehealth",
        status="scheduled",
    )
    assert event_title(entry) == "Individual session (telehealth)"
    named = CalendarEntry(**{**entry.__dict__, "kind": "joint", "names": "Ana & Ben"})
    assert event_title(named) == "Joint session (telehealth): Ana & Ben"


def test_ics_is_a_valid_calendar_with_cancelled_events_marked():
    entries = [
        CalendarEntry("a", _at(4, 9), _at(4, 10), "joint", "in_person", "scheduled"),
        CalendarEntry("b", _at(5, 9), _at(5, 10), "joint", "in_person", "cancelled"),
    ]
    cal = Calendar.from_ical(ics_bytes(entries, calendar_name="Attune", stamp=NOW))
    events = list(cal.walk("VEVENT"))
    assert [str(e["uid"]) for e in events] == ["a@attune", "b@attune"]
    assert [str(e["status"]) for e in events] == ["CONFIRMED", "CANCELLED"]
    assert events[0].decoded("dtstart") == _at(4, 9)


# --- week and day pages -----------------------------------------------------------------------


@time_machine.travel(NOW, tick=False)
def test_week_shows_my_sessions_across_couples_in_clinic_time(page, clinic, couple, therapist):
    second = CoupleFactory(clinic=clinic, therapists=[therapist])
    # 1 July would be summer time; in March London is UTC+0, so check a zone shift elsewhere.
    clinic.time_zone = "America/New_York"
    clinic.save()
    make_session(couple, starts_at=_at(4, 15))  # 10:00 in New York
    make_session(
        second, starts_at=_at(6, 19), kind=SessionKind.INDIVIDUAL, partner=second.partner_b
    )
    colleague = MembershipFactory(clinic=clinic).user
    couple.therapists.add(colleague, through_defaults=couple.assignment_defaults)
    make_session(couple, therapist=colleague, starts_at=_at(5, 15))  # not mine
    make_session(couple, starts_at=_at(12, 15))  # next week
    html = page.get(reverse("calendar-week", args=[clinic.slug])).content.decode()
    assert "Monday 2 Mar" in html and "Sunday 8 Mar" in html
    assert "10:00\N{EN DASH}10:50" in html and couple.label.replace("&", "&amp;") in html
    assert "14:00\N{EN DASH}14:50" in html and second.partner_b.display_name in html
    assert "Individual session" in html
    assert html.count('class="cal-entry') == 2
    reads = AuditEvent.objects.filter(
        action="read", object_type="therapy_sessions.therapysession", channel="page"
    )
    assert reads.count() == 2


@time_machine.travel(NOW, tick=False)
def test_week_links_open_and_move_each_session(page, clinic, couple):
    session = make_session(couple, starts_at=_at(4, 15))
    html = page.get(
        reverse("calendar-week", args=[clinic.slug]) + "?date=2026-03-08"
    ).content.decode()
    url = reverse("session-page", args=[clinic.slug, session.pk])
    assert f'href="{url}"' in html and f'href="{url}#reschedule-heading"' in html


@time_machine.travel(NOW, tick=False)
def test_a_bad_date_shows_this_week(page, clinic):
    response = page.get(reverse("calendar-week", args=[clinic.slug]) + "?date=2026-02-31")
    assert response.status_code == 200 and "Monday 2 Mar" in response.content.decode()


@time_machine.travel(NOW, tick=False)
def test_day_agenda_shows_status_and_offers_booking(page, clinic, couple):
    make_session(
        couple,
        starts_at=_at(4, 11),
        status=SessionStatus.CANCELLED,
        status_reason="Ill",
        modality=SessionModality.TELEHEALTH,
    )
    html = page.get(reverse("calendar-day", args=[clinic.slug]) + "?date=2026-03-04").content
    html = html.decode()
    assert "Wednesday 4 March 2026" in html
    assert "Joint session (telehealth)" in html and "Cancelled" in html
    assert f'<option value="{couple.pk}">' in html


@time_machine.travel(NOW, tick=False)
def test_booking_from_a_day_opens_the_couples_form_on_that_day(page, clinic, couple):
    response = page.get(
        reverse("calendar-book", args=[clinic.slug]), {"couple": couple.pk, "date": "2026-03-10"}
    )
    assert response.status_code == 302
    assert response.url == reverse("session-new", args=[clinic.slug, couple.pk]) + (
        "?date=2026-03-10"
    )
    form = page.get(response.url).content.decode()
    assert 'value="2026-03-10T09:00"' in form


@time_machine.travel(NOW, tick=False)
def test_booking_for_a_couple_not_mine_is_refused(page, clinic, other_clinic):
    unassigned = CoupleFactory(clinic=clinic, therapists=[MembershipFactory(clinic=clinic).user])
    foreign = CoupleFactory(clinic=other_clinic)
    for couple in (unassigned, foreign):
        response = page.get(
            reverse("calendar-book", args=[clinic.slug]),
            {"couple": couple.pk, "date": "2026-03-10"},
            follow=True,
        )
        assert "Choose a couple to book a session for." in response.content.decode()
        assert response.redirect_chain[-1][0].startswith(
            reverse("calendar-day", args=[clinic.slug])
        )


@time_machine.travel(NOW, tick=False)
def test_closed_cases_are_not_offered_for_booking(page, clinic, couple):
    couple.status = CoupleStatus.DISCHARGED
    couple.save()
    html = page.get(reverse("calendar-day", args=[clinic.slug])).content.decode()
    assert f'<option value="{couple.pk}">' not in html


def _week_queries(page, clinic, django_assert_num_queries, count):
    with django_assert_num_queries(count):
        response = page.get(reverse("calendar-week", args=[clinic.slug]) + "?date=2026-03-04")
    assert response.status_code == 200
    return response.content.decode().count('class="cal-entry')


@time_machine.travel(NOW, tick=False)
def test_week_page_query_count_is_fixed(page, clinic, therapist, django_assert_num_queries):
    # login session, user, clinic, membership, the sessions, one audit INSERT
    couples = [CoupleFactory(clinic=clinic, therapists=[therapist]) for _ in range(3)]
    make_session(couples[0], starts_at=_at(4, 10))
    small = _week_queries(page, clinic, django_assert_num_queries, WEEK_QUERIES)
    for n, couple in enumerate(couples):
        for day in range(2, 6):
            make_session(couple, starts_at=_at(day, 12 + 2 * n))
    large = _week_queries(page, clinic, django_assert_num_queries, WEEK_QUERIES)
    assert (small, large) == (1, 13)


WEEK_QUERIES = 6


# --- the private feed -------------------------------------------------------------------------


def _fetch(client, clinic, token):
    return client.get(reverse("calendar-ics", args=[clinic.slug, token]))


def _events(response):
    assert response["Content-Type"].startswith("text/calendar")
    return list(Calendar.from_ical(response.content).walk("VEVENT"))


@time_machine.travel(NOW, tick=False)
def test_making_a_link_shows_it_once_and_stores_only_its_fingerprint(page, clinic, therapist):
    response = page.post(reverse("calendar-feed", args=[clinic.slug]), {"action": "create"})
    html = response.content.decode()
    assert response.status_code == 200 and "Copy it now" in html
    feed = CalendarFeed.objects.get(user=therapist)
    link = html.split('id="feed-link" type="text" readonly value="')[1].split('"')[0]
    token = link.rsplit("/", 1)[1].removesuffix(".ics")
    assert token not in feed.token_hash and len(feed.token_hash) == 64
    again = page.get(reverse("calendar-feed", args=[clinic.slug])).content.decode()
    assert token not in again and "Your link is active" in again
    assert AuditEvent.objects.filter(object_id=str(feed.pk), action="create").exists()


@time_machine.travel(NOW, tick=False)
def test_feed_titles_carry_no_client_names_unless_opted_in(client, clinic, couple, therapist):
    make_session(couple, starts_at=_at(5, 10))
    _, token = calendar_feed_create(clinic=clinic, by=therapist)
    (event,) = _events(_fetch(client, clinic, token))
    assert str(event["summary"]) == "Joint session"
    assert couple.partner_a.display_name not in _fetch(client, clinic, token).content.decode()
    _, named = calendar_feed_create(clinic=clinic, by=therapist, show_client_names=True)
    (event,) = _events(_fetch(client, clinic, named))
    assert str(event["summary"]) == f"Joint session: {couple.label}"


@time_machine.travel(NOW, tick=False)
def test_each_fetch_is_audited_as_a_read_of_the_sessions(client, clinic, couple, therapist):
    make_session(couple, starts_at=_at(5, 10))
    make_session(couple, starts_at=_at(6, 10))
    feed, token = calendar_feed_create(clinic=clinic, by=therapist)
    assert _fetch(client, clinic, token).status_code == 200
    event = AuditEvent.objects.get(object_id=str(feed.pk), action="read")
    assert event.actor == therapist and event.channel == "feed"
    assert event.detail == {"sessions": 2, "names": False}
    feed.refresh_from_db()
    assert feed.last_fetched_at == NOW


@time_machine.travel(NOW, tick=False)
def test_revoked_replaced_foreign_and_orphaned_links_answer_404(
    client, page, clinic, other_clinic, therapist, admin
):
    _old, old_token = calendar_feed_create(clinic=clinic, by=therapist)
    _, new_token = calendar_feed_create(clinic=clinic, by=therapist)
    assert _fetch(client, clinic, old_token).status_code == 404
    assert _fetch(client, clinic, new_token).status_code == 200
    assert _fetch(client, other_clinic, new_token).status_code == 404
    assert _fetch(client, clinic, "x" * 43).status_code == 404
    page.post(reverse("calendar-feed", args=[clinic.slug]), {"action": "revoke"})
    assert _fetch(client, clinic, new_token).status_code == 404
    assert CalendarFeed.objects.filter(user=therapist, revoked_at__isnull=True).count() == 0
    leaver = MembershipFactory(clinic=clinic)
    _, leaver_token = calendar_feed_create(clinic=clinic, by=leaver.user)
    member_deactivate(membership=leaver, by=admin)
    assert _fetch(client, clinic, leaver_token).status_code == 404


@time_machine.travel(NOW, tick=False)
def test_feed_query_count_is_fixed(client, clinic, therapist, django_assert_num_queries):
    couples = [CoupleFactory(clinic=clinic, therapists=[therapist]) for _ in range(3)]
    make_session(couples[0], starts_at=_at(5, 10))
    _, token = calendar_feed_create(clinic=clinic, by=therapist)
    with django_assert_num_queries(FEED_QUERIES):
        assert len(_events(_fetch(client, clinic, token))) == 1
    for n, couple in enumerate(couples):
        for day in range(6, 12):
            make_session(couple, starts_at=_at(day, 8 + 2 * n))
    with django_assert_num_queries(FEED_QUERIES):
        assert len(_events(_fetch(client, clinic, token))) == 19


FEED_QUERIES = 6
