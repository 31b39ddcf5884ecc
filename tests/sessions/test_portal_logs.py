"""The portal: a partner logs practices, time-outs and check-ins, corrects them for 24 hours,
takes them back (voided, never deleted), and sees the other partner's only by policy."""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from clinic.models import AuditEvent, IndividualMaterialPolicy
from sessions.models import CheckIn, PracticeLog, TimeOutLog
from tests.conftest import api_client_for
from tests.sessions.world import (
    make_check_in,
    make_practice,
    make_practice_log,
    make_session,
    make_time_out_log,
)

pytestmark = pytest.mark.django_db


def portal(partner):
    return api_client_for(partner.portal_user)


def iso(moment):
    return moment.isoformat()


def test_a_partner_logs_a_breathing_practice_with_arousal_before_and_after(couple):
    practice = make_practice(couple)
    response = portal(couple.partner_a).post(
        "/api/v1/portal/practice-logs/",
        {
            "homework": str(practice.pk),
            "practiced_at": iso(timezone.now() - timedelta(minutes=20)),
            "minutes": 15,
            "before_zone": "hyper",
            "before_intensity": 7,
            "after_zone": "within",
            "after_intensity": 3,
            "note": "Easier after the first five minutes",
        },
    )
    assert response.status_code == 201, response.json()
    log = PracticeLog.objects.get()
    assert (log.partner, log.author) == (couple.partner_a, couple.partner_a.portal_user)
    assert (log.before_zone, log.after_intensity) == ("hyper", 3)
    assert AuditEvent.objects.filter(action="create", object_id=str(log.pk), channel="portal")


def test_a_partner_cannot_log_the_other_partners_practice(couple):
    theirs = make_practice(couple, partner=couple.partner_b)
    response = portal(couple.partner_a).post(
        "/api/v1/portal/practice-logs/",
        {"homework": str(theirs.pk), "practiced_at": iso(timezone.now()), "minutes": 10},
    )
    assert response.status_code == 400
    assert "homework" in response.json()["errors"]


def test_a_practice_cannot_be_logged_before_its_homework_started(couple):
    later = make_practice(couple, start_date=timezone.localdate() + timedelta(days=1))
    response = portal(couple.partner_a).post(
        "/api/v1/portal/practice-logs/",
        {"homework": str(later.pk), "practiced_at": iso(timezone.now()), "minutes": 10},
    )
    assert response.status_code == 400
    assert "practiced_at" in response.json()["errors"]


def test_an_intensity_outside_0_to_10_is_refused(couple):
    response = portal(couple.partner_a).post(
        "/api/v1/portal/check-ins/", {"zone": "hyper", "intensity": 11}
    )
    assert response.status_code == 400
    assert "intensity" in response.json()["errors"]


def test_a_time_out_log_records_who_called_it(couple):
    response = portal(couple.partner_b).post(
        "/api/v1/portal/time-out-logs/",
        {
            "started_at": iso(timezone.now() - timedelta(hours=2)),
            "called_by": "partner",
            "minutes_apart": 40,
            "reconvened": True,
            "reconvene_note": "Talked on the sofa, calmer",
            "intensity": 8,
        },
    )
    assert response.status_code == 201, response.json()
    log = TimeOutLog.objects.get()
    assert log.partner == couple.partner_b
    assert log.called_by == couple.partner_a


def test_a_check_in_is_labelled_a_self_rating(couple):
    response = portal(couple.partner_a).post(
        "/api/v1/portal/check-ins/", {"zone": "hypo", "intensity": 6, "note": "Flat today"}
    )
    assert response.status_code == 201
    body = response.json()
    assert body["scale"] == "SUDS 0-10"
    assert "not a validated" in body["self_rating"]


def test_the_author_may_correct_a_log_within_24_hours_and_not_after(couple):
    with time_machine.travel("2025-12-10 08:00 +0000", tick=False):
        log = make_check_in(couple, couple.partner_a, zone="within", intensity=2)
    client = portal(couple.partner_a)
    with time_machine.travel("2025-12-11 07:59 +0000", tick=False):
        fixed = client.patch(f"/api/v1/portal/check-ins/{log.pk}/", {"intensity": 5})
        assert fixed.status_code == 200, fixed.json()
        assert fixed.json()["corrected_at"] is not None
    with time_machine.travel("2025-12-11 08:00 +0000", tick=False):
        locked = client.patch(f"/api/v1/portal/check-ins/{log.pk}/", {"intensity": 9})
        assert locked.status_code == 400
        assert "24 hours" in locked.json()["errors"]["non_field_errors"][0]
    log.refresh_from_db()
    assert log.intensity == 5
    event = AuditEvent.objects.get(action="correct", object_id=str(log.pk))
    assert event.detail == {"fields": ["intensity"], "before": {"intensity": 2}}


def test_taking_a_log_back_keeps_it_with_who_when_and_why(couple):
    log = make_practice_log(couple, couple.partner_a)
    client = portal(couple.partner_a)
    assert client.delete(f"/api/v1/portal/practice-logs/{log.pk}/").status_code == 405
    unexplained = client.post(f"/api/v1/portal/practice-logs/{log.pk}/void/", {})
    assert unexplained.status_code == 400
    assert "reason" in unexplained.json()["errors"]
    response = client.post(
        f"/api/v1/portal/practice-logs/{log.pk}/void/", {"reason": "Logged twice"}
    )
    assert response.status_code == 200
    log.refresh_from_db()
    assert log.voided_at is not None
    assert (log.voided_by, log.void_reason) == (couple.partner_a.portal_user, "Logged twice")


def test_a_log_cannot_be_taken_back_after_24_hours(couple):
    with time_machine.travel("2025-12-10 08:00 +0000", tick=False):
        log = make_time_out_log(couple, couple.partner_a)
    with time_machine.travel("2025-12-11 09:00 +0000", tick=False):
        response = portal(couple.partner_a).post(
            f"/api/v1/portal/time-out-logs/{log.pk}/void/", {"reason": "Mistake"}
        )
    assert response.status_code == 400
    assert "changed for 24 hours" in response.json()["errors"]["non_field_errors"][0]


def test_staff_may_void_a_log_at_any_time_with_a_reason(couple, therapist):
    with time_machine.travel("2025-12-01 08:00 +0000", tick=False):
        log = make_check_in(couple, couple.partner_b)
    base = f"/api/v1/clinics/{couple.clinic.slug}/couples/{couple.pk}/check-ins/"
    response = api_client_for(therapist).post(
        f"{base}{log.pk}/void/", {"reason": "Entered for the wrong partner"}
    )
    assert response.status_code == 200
    assert CheckIn.objects.get(pk=log.pk).voided_by == therapist


# --- confidentiality between partners --------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "make"),
    [
        ("practice-logs", make_practice_log),
        ("time-out-logs", make_time_out_log),
        ("check-ins", make_check_in),
    ],
)
def test_private_policy_hides_the_other_partners_logs(couple, path, make):
    couple.individual_material_policy = IndividualMaterialPolicy.PRIVATE
    couple.save()
    mine = make(couple, couple.partner_a)
    theirs = make(couple, couple.partner_b)
    client = portal(couple.partner_a)
    listed = [row["id"] for row in client.get(f"/api/v1/portal/{path}/").json()["results"]]
    assert listed == [str(mine.pk)]
    assert client.get(f"/api/v1/portal/{path}/{theirs.pk}/").status_code == 404


@pytest.mark.parametrize(
    ("path", "make"),
    [
        ("practice-logs", make_practice_log),
        ("time-out-logs", make_time_out_log),
        ("check-ins", make_check_in),
    ],
)
def test_shared_policy_shows_the_other_partners_logs_read_only(couple, path, make):
    couple.individual_material_policy = IndividualMaterialPolicy.SHARED
    couple.save()
    make(couple, couple.partner_a)
    theirs = make(couple, couple.partner_b)
    client = portal(couple.partner_a)
    rows = client.get(f"/api/v1/portal/{path}/").json()["results"]
    assert {row["id"]: row["mine"] for row in rows}[str(theirs.pk)] is False
    assert client.get(f"/api/v1/portal/{path}/{theirs.pk}/").status_code == 200
    assert client.patch(f"/api/v1/portal/{path}/{theirs.pk}/", {"note": "x"}).status_code == 404
    assert (
        client.post(f"/api/v1/portal/{path}/{theirs.pk}/void/", {"reason": "x"}).status_code == 404
    )


def test_the_clinic_default_decides_when_the_couple_inherits(couple, clinic):
    theirs = make_check_in(couple, couple.partner_b)
    client = portal(couple.partner_a)
    assert client.get(f"/api/v1/portal/check-ins/{theirs.pk}/").status_code == 404
    clinic.partners_see_individual_results = True
    clinic.save()
    assert client.get(f"/api/v1/portal/check-ins/{theirs.pk}/").status_code == 200


def test_the_other_partners_own_homework_follows_the_policy(couple):
    theirs = make_practice(couple, partner=couple.partner_b, title="B's grounding")
    ours = make_practice(couple, title="Shared breathing")
    client = portal(couple.partner_a)
    titles = {h["title"] for h in client.get("/api/v1/portal/homework/").json()["results"]}
    assert titles == {"Shared breathing"}
    couple.individual_material_policy = IndividualMaterialPolicy.SHARED
    couple.save()
    titles = {h["title"] for h in client.get("/api/v1/portal/homework/").json()["results"]}
    assert titles == {"Shared breathing", "B's grounding"}
    assert ours and theirs


def test_portal_homework_shows_only_my_adherence(couple):
    practice = make_practice(couple)
    make_practice_log(couple, couple.partner_a, homework=practice)
    body = portal(couple.partner_a).get(f"/api/v1/portal/homework/{practice.pk}/").json()
    assert [row["partner"] for row in body["adherence"]] == [str(couple.partner_a.pk)]


def test_upcoming_sessions_hide_the_other_partners_individual_sessions(couple):
    joint = make_session(couple)
    mine = make_session(couple, kind="individual", partner=couple.partner_a)
    theirs = make_session(couple, kind="individual", partner=couple.partner_b)
    make_session(couple, starts_at=timezone.now() - timedelta(days=2))  # past
    rows = portal(couple.partner_a).get("/api/v1/portal/upcoming-sessions/").json()
    ids = {row["id"] for row in rows}
    assert ids == {str(joint.pk), str(mine.pk)}
    assert str(theirs.pk) not in ids
    assert "note" not in str(rows)


# --- query counts ----------------------------------------------------------------------------


def _count(client, path):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200
    return len(ctx.captured_queries), response.json()


@pytest.mark.parametrize(
    ("path", "make"),
    [
        ("practice-logs", make_practice_log),
        ("time-out-logs", make_time_out_log),
        ("check-ins", make_check_in),
    ],
)
def test_portal_log_lists_cost_the_same_for_2_and_30_entries(couple, path, make):
    client = portal(couple.partner_a)
    for _ in range(2):
        make(couple, couple.partner_a)
    small, body = _count(client, f"/api/v1/portal/{path}/?page_size=100")
    assert body["count"] == 2
    for _ in range(28):
        make(couple, couple.partner_a)
    large, body = _count(client, f"/api/v1/portal/{path}/?page_size=100")
    assert body["count"] == 30
    assert small == large


def test_portal_homework_list_costs_the_same_for_2_and_20_items(couple, therapist):
    from tests.sessions.world import make_agreement

    client = portal(couple.partner_a)
    make_practice(couple)
    make_agreement(couple, by=therapist)
    small, _ = _count(client, "/api/v1/portal/homework/?page_size=100")
    for _ in range(9):
        practice = make_practice(couple)
        make_practice_log(couple, couple.partner_a, homework=practice)
        make_agreement(couple, by=therapist)
    large, body = _count(client, "/api/v1/portal/homework/?page_size=100")
    assert body["count"] == 20
    assert small == large


@pytest.mark.parametrize(
    ("path", "make"),
    [
        ("practice-logs", make_practice_log),
        ("time-out-logs", make_time_out_log),
        ("check-ins", make_check_in),
    ],
)
def test_staff_log_lists_cost_the_same_for_2_and_30_entries(couple, therapist, path, make):
    client = api_client_for(therapist)
    base = f"/api/v1/clinics/{couple.clinic.slug}/couples/{couple.pk}/{path}/?page_size=100"
    for partner in couple.partners:
        make(couple, partner)
    small, body = _count(client, base)
    assert body["count"] == 2
    for _ in range(14):
        for partner in couple.partners:
            make(couple, partner)
    large, body = _count(client, base)
    assert body["count"] == 30
    assert small == large
