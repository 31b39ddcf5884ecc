"""Booking clashes: a session may not overlap another scheduled or held session of the same
therapist or of the same couple, whether booked or moved, through the API or the page."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from sessions.models import SessionStatus, TherapySession
from tests.conftest import api_client_for
from tests.factories import CoupleFactory, MembershipFactory
from tests.sessions.world import make_session

# Services and selectors are called as a view or a task calls them: inside the clinic's scope.
pytestmark = [pytest.mark.django_db, pytest.mark.scoped]

AT = datetime(2026, 7, 1, 16, 0, tzinfo=UTC)  # 17:00 in London (summer time)


@pytest.fixture
def london(clinic):
    clinic.time_zone = "Europe/London"
    clinic.save()
    return clinic


def url(clinic, path):
    return f"/api/v1/clinics/{clinic.slug}/{path}"


def book(therapist, clinic, couple, starts_at, **body):
    body = {"starts_at": starts_at.isoformat(), **body}
    return api_client_for(therapist).post(url(clinic, f"couples/{couple.pk}/sessions/"), body)


def second_couple(clinic, therapist):
    other = CoupleFactory(clinic=clinic)
    other.therapists.add(therapist, through_defaults=other.assignment_defaults)
    return other


def test_booking_over_the_therapists_session_with_another_couple_names_its_time(
    london, therapist, couple
):
    make_session(second_couple(london, therapist), therapist=therapist, starts_at=AT)
    response = book(therapist, london, couple, AT + timedelta(minutes=30))
    assert response.status_code == 400
    message = str(response.json()["errors"]["starts_at"])
    assert "the therapist" in message
    assert "Wed 1 Jul 2026, 17:00 to 17:50 (BST)" in message
    assert TherapySession.objects.filter(couple=couple).count() == 0


def test_booking_over_the_couples_session_with_another_therapist_is_refused(
    london, therapist, couple
):
    colleague = MembershipFactory(clinic=london).user
    couple.therapists.add(colleague, through_defaults=couple.assignment_defaults)
    make_session(couple, therapist=colleague, starts_at=AT)
    response = book(therapist, london, couple, AT - timedelta(minutes=20))
    assert response.status_code == 400
    assert "this couple" in str(response.json()["errors"]["starts_at"])


def test_back_to_back_sessions_do_not_clash(london, therapist, couple):
    make_session(second_couple(london, therapist), therapist=therapist, starts_at=AT)
    after = book(therapist, london, couple, AT + timedelta(minutes=50))
    before = book(therapist, london, couple, AT - timedelta(minutes=60), duration_minutes=60)
    assert (after.status_code, before.status_code) == (201, 201)


def test_a_held_session_blocks_the_slot(london, therapist, couple):
    make_session(
        second_couple(london, therapist),
        therapist=therapist,
        starts_at=AT,
        status=SessionStatus.HELD,
        partner_a_attended=True,
        partner_b_attended=True,
    )
    response = book(therapist, london, couple, AT)
    assert response.status_code == 400
    assert "clashes with a session of the therapist" in response.json()["errors"]["starts_at"][0]


@pytest.mark.parametrize("status", [SessionStatus.CANCELLED, SessionStatus.NO_SHOW])
def test_cancelled_or_missed_sessions_free_the_slot(london, therapist, couple, status):
    make_session(
        second_couple(london, therapist),
        therapist=therapist,
        starts_at=AT,
        status=status,
        status_reason="Unwell",
    )
    assert book(therapist, london, couple, AT).status_code == 201


def test_a_long_session_starting_earlier_still_clashes(london, therapist, couple):
    make_session(
        second_couple(london, therapist), therapist=therapist, starts_at=AT, duration_minutes=480
    )
    response = book(therapist, london, couple, AT + timedelta(hours=7))
    assert response.status_code == 400
    assert "clashes with a session of the therapist" in response.json()["errors"]["starts_at"][0]


def test_another_therapists_session_with_another_couple_does_not_clash(london, therapist, couple):
    colleague = MembershipFactory(clinic=london).user
    make_session(second_couple(london, colleague), therapist=colleague, starts_at=AT)
    assert book(therapist, london, couple, AT).status_code == 201


def test_rescheduling_into_a_clash_is_refused_and_nothing_moves(london, therapist, couple):
    make_session(second_couple(london, therapist), therapist=therapist, starts_at=AT)
    session = make_session(couple, therapist=therapist, starts_at=AT + timedelta(days=1))
    response = api_client_for(therapist).patch(
        url(london, f"sessions/{session.pk}/"),
        {"starts_at": (AT + timedelta(minutes=45)).isoformat()},
    )
    assert response.status_code == 400
    assert "17:00 to 17:50" in str(response.json()["errors"]["starts_at"])
    session.refresh_from_db()
    assert session.starts_at == AT + timedelta(days=1)


def test_a_session_moved_within_its_own_slot_does_not_clash_with_itself(london, therapist, couple):
    session = make_session(couple, therapist=therapist, starts_at=AT)
    response = api_client_for(therapist).patch(
        url(london, f"sessions/{session.pk}/"),
        {"starts_at": (AT + timedelta(minutes=10)).isoformat(), "duration_minutes": 80},
    )
    assert response.status_code == 200, response.json()


def test_handing_a_session_to_a_busy_therapist_is_refused(london, therapist, couple):
    colleague = MembershipFactory(clinic=london).user
    couple.therapists.add(colleague, through_defaults=couple.assignment_defaults)
    make_session(second_couple(london, colleague), therapist=colleague, starts_at=AT)
    session = make_session(couple, therapist=therapist, starts_at=AT)
    response = api_client_for(therapist).patch(
        url(london, f"sessions/{session.pk}/"), {"therapist": str(colleague.pk)}
    )
    assert response.status_code == 400
    assert "the therapist" in str(response.json()["errors"]["starts_at"])


def test_booking_page_shows_the_clash(client, london, therapist, couple):
    make_session(second_couple(london, therapist), therapist=therapist, starts_at=AT)
    client.force_login(therapist)
    response = client.post(
        reverse("session-new", args=[london.slug, couple.pk]),
        {
            "schedule-kind": "joint",
            "schedule-starts_at": "2026-07-01T17:30",
            "schedule-duration_minutes": "50",
            "schedule-modality": "in_person",
            "schedule-therapist": str(therapist.pk),
        },
    )
    assert response.status_code == 400
    assert "clashes with a session of the therapist" in response.content.decode()
    assert "17:00 to 17:50" in response.content.decode()


def test_reschedule_page_shows_the_clash(client, london, therapist, couple):
    make_session(second_couple(london, therapist), therapist=therapist, starts_at=AT)
    session = make_session(couple, therapist=therapist, starts_at=AT + timedelta(days=2))
    client.force_login(therapist)
    response = client.post(
        reverse("session-reschedule", args=[london.slug, session.pk]),
        {
            "reschedule-starts_at": "2026-07-01T16:30",
            "reschedule-duration_minutes": "50",
            "reschedule-modality": "in_person",
            "reschedule-therapist": str(therapist.pk),
        },
    )
    assert response.status_code == 400
    assert "17:00 to 17:50" in response.content.decode()
