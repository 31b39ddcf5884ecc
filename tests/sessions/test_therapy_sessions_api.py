"""Scheduling, rescheduling, holding and cancelling therapy sessions through the API."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clinic.models import AuditEvent, CoupleStatus
from sessions.models import SessionStatus, TherapySession
from tests.conftest import api_client_for
from tests.factories import CoupleFactory, MembershipFactory, open_by_break_glass
from tests.sessions.world import make_held_session, make_note, make_session

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def url(clinic, path=""):
    return f"/api/v1/clinics/{clinic.slug}/{path}"


def schedule(api, clinic, couple, **body):
    body.setdefault("starts_at", "2026-03-03T17:00:00+00:00")
    return api.post(url(clinic, f"couples/{couple.pk}/sessions/"), body)


@time_machine.travel(NOW, tick=False)
def test_therapist_schedules_a_joint_session_and_it_is_audited(therapist, clinic, couple):
    response = schedule(
        api_client_for(therapist), clinic, couple, duration_minutes=80, modality="telehealth"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["kind"] == "joint" and body["partner"] is None
    assert body["status"] == "scheduled"
    assert body["therapist"]["id"] == str(therapist.pk)
    assert body["ends_at"].startswith("2026-03-03T18:20")
    assert body["note"] is None
    assert AuditEvent.objects.filter(object_id=body["id"], action="create").exists()


@time_machine.travel(NOW, tick=False)
def test_a_session_booked_in_the_past_says_its_outcome_is_awaited(therapist, clinic, couple):
    api = api_client_for(therapist)
    past = schedule(api, clinic, couple, starts_at="2026-02-27T10:00:00+00:00")
    assert past.status_code == 201, past.json()
    assert (past.json()["status"], past.json()["awaiting_outcome"]) == ("scheduled", True)
    assert schedule(api, clinic, couple).json()["awaiting_outcome"] is False

    held = api.post(
        url(clinic, f"sessions/{past.json()['id']}/held/"),
        {"partner_a_attended": True, "partner_b_attended": True},
    )
    assert held.status_code == 200, held.json()
    assert held.json()["awaiting_outcome"] is False


def test_individual_session_needs_one_of_the_couples_partners(therapist, clinic, couple):
    api = api_client_for(therapist)
    missing = schedule(api, clinic, couple, kind="individual")
    assert missing.status_code == 400
    assert "partner" in missing.json()["errors"]
    stranger = CoupleFactory(clinic=clinic).partner_a
    foreign = schedule(api, clinic, couple, kind="individual", partner=str(stranger.pk))
    assert foreign.status_code == 400
    assert "not a partner" in str(foreign.json()["errors"]["partner"])
    ok = schedule(api, clinic, couple, kind="individual", partner=str(couple.partner_b.pk))
    assert ok.status_code == 201
    assert ok.json()["partner"]["id"] == str(couple.partner_b.pk)


def test_joint_session_with_a_partner_is_refused(therapist, clinic, couple):
    response = schedule(
        api_client_for(therapist), clinic, couple, kind="joint", partner=str(couple.partner_a.pk)
    )
    assert response.status_code == 400
    assert "partner" in response.json()["errors"]


def test_naive_start_time_is_refused(therapist, clinic, couple):
    response = schedule(api_client_for(therapist), clinic, couple, starts_at="2026-03-03T17:00:00")
    assert response.status_code == 400
    assert "UTC offset" in str(response.json()["errors"]["starts_at"])


@pytest.mark.parametrize("minutes", [5, 9, 481, 10_000])
def test_duration_outside_sensible_bounds_is_refused(therapist, clinic, couple, minutes):
    response = schedule(api_client_for(therapist), clinic, couple, duration_minutes=minutes)
    assert response.status_code == 400
    assert "duration_minutes" in response.json()["errors"]


def test_session_therapist_must_be_assigned_to_the_couple(
    therapist, other_therapist, clinic, couple
):
    response = schedule(
        api_client_for(therapist), clinic, couple, therapist=str(other_therapist.pk)
    )
    assert response.status_code == 400
    assert "assigned" in str(response.json()["errors"]["therapist"])


def test_admin_not_assigned_must_name_an_assigned_therapist(admin, therapist, clinic, couple):
    open_by_break_glass(couple, admin)
    api = api_client_for(admin)
    unnamed = schedule(api, clinic, couple)
    assert unnamed.status_code == 400
    assert "assigned to this couple" in unnamed.json()["errors"]["therapist"][0]
    assert schedule(api, clinic, couple, therapist=str(therapist.pk)).status_code == 201


def test_discharged_couple_cannot_book_sessions(therapist, clinic, couple):
    couple.status = CoupleStatus.DISCHARGED
    couple.save()
    response = schedule(api_client_for(therapist), clinic, couple)
    assert response.status_code == 400
    assert "discharged" in str(response.json()["errors"])


def test_unassigned_therapist_gets_404_for_the_couples_sessions(other_therapist, clinic, couple):
    api = api_client_for(other_therapist)
    assert api.get(url(clinic, f"couples/{couple.pk}/sessions/")).status_code == 404
    assert schedule(api, clinic, couple).status_code == 404
    session = make_session(couple)
    assert api.get(url(clinic, f"sessions/{session.pk}/")).status_code == 404


@time_machine.travel(NOW, tick=False)
def test_reschedule_moves_a_scheduled_session(therapist, clinic, couple):
    session = make_session(couple, starts_at=NOW + timedelta(days=2))
    response = api_client_for(therapist).patch(
        url(clinic, f"sessions/{session.pk}/"),
        {"starts_at": "2026-03-05T10:30:00+01:00", "duration_minutes": 60},
    )
    assert response.status_code == 200, response.json()
    session.refresh_from_db()
    assert session.starts_at == datetime(2026, 3, 5, 9, 30, tzinfo=UTC)
    assert session.duration_minutes == 60
    event = AuditEvent.objects.get(object_id=str(session.pk), action="reschedule")
    assert set(event.detail["changed"]) == {"starts_at", "duration_minutes"}


@pytest.mark.parametrize("status", ["held", "cancelled", "no_show"])
def test_only_scheduled_sessions_can_be_rescheduled(therapist, clinic, couple, status):
    session = make_session(
        couple,
        status=status,
        status_reason="" if status == "held" else "Illness",
        starts_at=datetime(2026, 1, 5, 9, tzinfo=UTC),
    )
    response = api_client_for(therapist).patch(
        url(clinic, f"sessions/{session.pk}/"), {"duration_minutes": 60}
    )
    assert response.status_code == 400
    assert "Only a scheduled session" in str(response.json()["errors"])
    session.refresh_from_db()
    assert session.duration_minutes == 50


def test_sessions_cannot_be_deleted(therapist, clinic, couple):
    session = make_session(couple)
    response = api_client_for(therapist).delete(url(clinic, f"sessions/{session.pk}/"))
    assert response.status_code == 405
    assert TherapySession.objects.filter(pk=session.pk).exists()


@time_machine.travel(NOW, tick=False)
def test_joint_session_held_with_one_partner_absent(therapist, clinic, couple):
    session = make_session(couple, starts_at=NOW - timedelta(hours=1))
    response = api_client_for(therapist).post(
        url(clinic, f"sessions/{session.pk}/held/"),
        {"partner_a_attended": True, "partner_b_attended": False},
    )
    assert response.status_code == 200, response.json()
    session.refresh_from_db()
    assert session.status == SessionStatus.HELD
    assert (session.partner_a_attended, session.partner_b_attended) == (True, False)
    assert session.status_changed_by == therapist


@time_machine.travel(NOW, tick=False)
def test_joint_session_held_needs_attendance_and_at_least_one_partner(therapist, clinic, couple):
    session = make_session(couple, starts_at=NOW - timedelta(hours=1))
    api = api_client_for(therapist)
    missing = api.post(url(clinic, f"sessions/{session.pk}/held/"), {})
    assert missing.status_code == 400
    assert "attendance" in missing.json()["errors"]
    nobody = api.post(
        url(clinic, f"sessions/{session.pk}/held/"),
        {"partner_a_attended": False, "partner_b_attended": False},
    )
    assert nobody.status_code == 400
    assert "no-show" in str(nobody.json()["errors"]["attendance"])
    session.refresh_from_db()
    assert session.status == SessionStatus.SCHEDULED


@time_machine.travel(NOW, tick=False)
def test_individual_session_attendee_is_its_partner(therapist, clinic, couple):
    session = make_session(
        couple, kind="individual", partner=couple.partner_b, starts_at=NOW - timedelta(hours=1)
    )
    api = api_client_for(therapist)
    wrong = api.post(
        url(clinic, f"sessions/{session.pk}/held/"),
        {"partner_a_attended": True, "partner_b_attended": True},
    )
    assert wrong.status_code == 400
    assert "its partner only" in wrong.json()["errors"]["attendance"][0]
    assert api.post(url(clinic, f"sessions/{session.pk}/held/"), {}).status_code == 200
    session.refresh_from_db()
    assert (session.partner_a_attended, session.partner_b_attended) == (False, True)


@time_machine.travel(NOW, tick=False)
def test_session_cannot_be_held_before_it_starts(therapist, clinic, couple):
    session = make_session(couple, starts_at=NOW + timedelta(hours=1))
    response = api_client_for(therapist).post(
        url(clinic, f"sessions/{session.pk}/held/"),
        {"partner_a_attended": True, "partner_b_attended": True},
    )
    assert response.status_code == 400
    assert response.json()["errors"]["status"] == [
        "A session cannot be marked held before it starts."
    ]


@pytest.mark.parametrize("route", ["cancel", "no-show"])
@pytest.mark.parametrize("reason", [None, "", "   "])
@time_machine.travel(NOW, tick=False)
def test_cancel_and_no_show_need_a_reason(therapist, clinic, couple, route, reason):
    session = make_session(couple, starts_at=NOW - timedelta(hours=1))
    body = {} if reason is None else {"reason": reason}
    response = api_client_for(therapist).post(url(clinic, f"sessions/{session.pk}/{route}/"), body)
    assert response.status_code == 400
    assert "reason" in response.json()["errors"]
    session.refresh_from_db()
    assert session.status == SessionStatus.SCHEDULED


@time_machine.travel(NOW, tick=False)
def test_cancel_keeps_the_session_with_its_reason(therapist, clinic, couple):
    session = make_session(couple, starts_at=NOW + timedelta(days=1))
    response = api_client_for(therapist).post(
        url(clinic, f"sessions/{session.pk}/cancel/"), {"reason": "Partner unwell"}
    )
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert response.json()["status_reason"] == "Partner unwell"
    assert AuditEvent.objects.filter(object_id=str(session.pk), action="cancel").exists()
    listed = api_client_for(therapist).get(url(clinic, f"couples/{couple.pk}/sessions/"))
    assert [s["id"] for s in listed.json()["results"]] == [str(session.pk)]


@time_machine.travel(NOW, tick=False)
def test_no_show_only_after_the_start(therapist, clinic, couple):
    session = make_session(couple, starts_at=NOW + timedelta(hours=2))
    response = api_client_for(therapist).post(
        url(clinic, f"sessions/{session.pk}/no-show/"), {"reason": "No contact"}
    )
    assert response.status_code == 400
    with time_machine.travel(NOW + timedelta(hours=3), tick=False):
        response = api_client_for(therapist).post(
            url(clinic, f"sessions/{session.pk}/no-show/"), {"reason": "No contact"}
        )
    assert response.status_code == 200
    assert response.json()["status"] == "no_show"


def test_cancelled_session_cannot_be_held_or_cancelled_again(therapist, clinic, couple):
    session = make_session(
        couple,
        status="cancelled",
        status_reason="Snow",
        starts_at=datetime(2026, 1, 5, 9, tzinfo=UTC),
    )
    api = api_client_for(therapist)
    held = api.post(
        url(clinic, f"sessions/{session.pk}/held/"),
        {"partner_a_attended": True, "partner_b_attended": True},
    )
    assert held.status_code == 400
    assert "Only a scheduled session can be marked held" in held.json()["errors"]["status"][0]
    again = api.post(url(clinic, f"sessions/{session.pk}/cancel/"), {"reason": "x"})
    assert again.status_code == 400
    assert "Only a scheduled session can be cancelled" in again.json()["errors"]["status"][0]


def test_database_refuses_a_cancelled_session_without_reason(couple):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        make_session(couple, status="cancelled", status_reason="")


def test_session_list_and_detail_reads_are_audited(therapist, clinic, couple):
    session = make_session(couple)
    api = api_client_for(therapist)
    api.get(url(clinic, f"couples/{couple.pk}/sessions/"))
    api.get(url(clinic, f"sessions/{session.pk}/"))
    reads = AuditEvent.objects.filter(object_id=str(session.pk), action="read")
    assert reads.count() == 2


def test_session_list_shows_note_state(therapist, clinic, couple):
    note = make_note(couple=couple)
    body = api_client_for(therapist).get(url(clinic, f"couples/{couple.pk}/sessions/")).json()
    assert body["results"][0]["note"] == {"id": str(note.pk), "state": "draft"}


def test_clinic_session_list_filters_by_status_and_hides_unassigned(therapist, clinic, couple):
    mine = make_session(couple)
    make_held_session(couple)
    hidden = make_session(
        CoupleFactory(clinic=clinic, therapists=[MembershipFactory(clinic=clinic).user])
    )
    body = api_client_for(therapist).get(url(clinic, "sessions/?status=scheduled")).json()
    ids = [s["id"] for s in body["results"]]
    assert ids == [str(mine.pk)]
    assert str(hidden.pk) not in ids


def _count(fn):
    with CaptureQueriesContext(connection) as ctx:
        response = fn()
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _add_sessions(couple, n):
    for i in range(n):
        session = make_held_session(couple, starts_at=NOW - timedelta(days=i + 1))
        if i % 2:
            make_note(session)


def test_couple_session_list_query_count_is_the_same_for_3_and_60_sessions(
    therapist, clinic, couple
):
    api = api_client_for(therapist)

    def fetch():
        return api.get(url(clinic, f"couples/{couple.pk}/sessions/?page_size=200"))

    _add_sessions(couple, 3)
    small = _count(fetch)
    _add_sessions(couple, 57)
    large = _count(fetch)
    assert len(fetch().json()["results"]) == 60
    assert small == large


def test_clinic_session_list_query_count_is_the_same_for_2_and_40_couples(admin, clinic, therapist):
    api = api_client_for(admin)

    def fetch():
        return api.get(url(clinic, "sessions/?page_size=200"))

    def add(n):
        for _ in range(n):
            couple = CoupleFactory(clinic=clinic, therapists=[therapist, admin])
            _add_sessions(couple, 2)

    add(2)
    small = _count(fetch)
    add(38)
    large = _count(fetch)
    assert fetch().json()["count"] == 80
    assert small == large
