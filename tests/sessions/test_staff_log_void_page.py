"""Staff take back a partner's practice log, time-out log or check-in from the couple page's
lists, with a reason; the entry stays, marked, and the change is audited."""

import pytest
from django.urls import reverse

from clinic.models import AuditEvent
from tests.factories import CoupleFactory
from tests.sessions.world import make_check_in, make_practice_log, make_time_out_log

pytestmark = pytest.mark.django_db

MAKERS = {
    "practice": make_practice_log,
    "time-out": make_time_out_log,
    "check-in": make_check_in,
}


@pytest.fixture
def staff(client, therapist):
    client.force_login(therapist)
    return client


def couple_page(client, couple):
    return client.get(reverse("couple-detail", args=[couple.clinic.slug, couple.pk]))


def void_url(couple, kind, log):
    return reverse("staff-log-void", args=[couple.clinic.slug, couple.pk, kind, log.pk])


@pytest.mark.parametrize("kind", sorted(MAKERS))
def test_couple_page_offers_a_labelled_take_back_control_per_entry(staff, couple, kind):
    log = MAKERS[kind](couple, couple.partner_a)
    html = couple_page(staff, couple).content.decode()
    assert void_url(couple, kind, log) in html
    assert f'<label for="void-reason-{log.pk}">' in html


@pytest.mark.parametrize("kind", sorted(MAKERS))
def test_therapist_takes_back_an_entry_with_a_reason_audited(staff, couple, therapist, kind):
    log = MAKERS[kind](couple, couple.partner_b)
    response = staff.post(void_url(couple, kind, log), {"reason": "Logged for the wrong day"})
    assert response.status_code == 302 and response["Location"].endswith("#homework-logs")
    log.refresh_from_db()
    assert log.voided_at is not None and log.voided_by == therapist
    assert log.void_reason == "Logged for the wrong day"
    event = AuditEvent.objects.get(object_id=str(log.pk), action="void")
    assert event.channel == "page" and event.detail == {"reason": "Logged for the wrong day"}
    html = couple_page(staff, couple).content.decode()
    assert "Taken back: Logged for the wrong day" in html
    assert void_url(couple, kind, log) not in html


def test_taking_back_needs_a_reason(staff, couple):
    log = make_check_in(couple, couple.partner_a)
    response = staff.post(void_url(couple, "check-in", log), {"reason": "  "}, follow=True)
    assert "was not taken back" in response.content.decode()
    log.refresh_from_db()
    assert log.voided_at is None


def test_an_entry_is_taken_back_only_once(staff, couple):
    log = make_check_in(couple, couple.partner_a)
    staff.post(void_url(couple, "check-in", log), {"reason": "Duplicate"})
    again = staff.post(void_url(couple, "check-in", log), {"reason": "Again"}, follow=True)
    assert "already taken back" in again.content.decode()
    log.refresh_from_db()
    assert log.void_reason == "Duplicate"


def test_a_log_of_another_kind_or_couple_is_404(staff, couple, clinic, therapist):
    log = make_check_in(couple, couple.partner_a)
    assert staff.post(void_url(couple, "practice", log), {"reason": "x"}).status_code == 404
    other = CoupleFactory(clinic=clinic)
    other.therapists.add(therapist, through_defaults=other.assignment_defaults)
    assert staff.post(void_url(other, "check-in", log), {"reason": "x"}).status_code == 404
    assert staff.post(void_url(couple, "nonsense", log), {"reason": "x"}).status_code == 404
    log.refresh_from_db()
    assert log.voided_at is None


def test_an_unassigned_therapist_gets_404(client, couple, other_therapist):
    log = make_check_in(couple, couple.partner_a)
    client.force_login(other_therapist)
    assert client.post(void_url(couple, "check-in", log), {"reason": "x"}).status_code == 404


@pytest.mark.parametrize("kind", sorted(MAKERS))
def test_each_listed_entry_gets_its_own_take_back_address_and_a_taken_back_one_none(
    couple, therapist, kind
):
    from django.utils import timezone

    from sessions.homework.extensions import log_rows

    kept, voided = MAKERS[kind](couple, couple.partner_a), MAKERS[kind](couple, couple.partner_b)
    voided.voided_at = timezone.now()
    moment = {"practice": "practiced_at", "time-out": "started_at", "check-in": "checked_at"}[kind]
    rows = log_rows([kept, voided], couple=couple, kind=kind, moment=moment)
    assert [row.void_url for row in rows] == [void_url(couple, kind, kept), ""]
