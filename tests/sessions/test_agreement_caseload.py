"""The caseload shows when a partner asked to discuss the current version of a time-out
agreement, in a fixed number of queries whatever the caseload's size."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from sessions.homework.services import agreement_respond, agreement_revise, homework_end
from tests.factories import CoupleFactory
from tests.sessions.world import make_agreement

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client, therapist):
    client.force_login(therapist)
    return client


def caseload(client, clinic) -> str:
    return client.get(reverse("caseload", args=[clinic.slug])).content.decode()


def answer(agreement, partner, decision, version=1, note=""):
    agreement_respond(
        homework=agreement,
        partner=partner,
        by=partner.portal_user,
        decision=decision,
        version=version,
        note=note,
    )


def test_caseload_flags_a_partner_asking_to_discuss_the_agreement(staff, clinic, couple, therapist):
    agreement = make_agreement(couple, by=therapist)
    answer(agreement, couple.partner_b, "discuss", note="private worry")
    html = caseload(staff, clinic)
    assert f"{couple.partner_b.display_name} asked to discuss" in html
    assert "(version 1)" in html
    assert reverse("homework-page", args=[clinic.slug, couple.pk, agreement.pk]) in html
    assert "private worry" not in html


def test_no_flag_when_nobody_asked(staff, clinic, couple, therapist):
    make_agreement(couple, by=therapist)
    assert "asked to discuss" not in caseload(staff, clinic)


def test_flag_clears_once_that_partner_accepts(staff, clinic, couple, therapist):
    agreement = make_agreement(couple, by=therapist)
    answer(agreement, couple.partner_a, "discuss")
    answer(agreement, couple.partner_a, "accepted")
    assert "asked to discuss" not in caseload(staff, clinic)


def test_a_request_about_an_older_version_is_not_flagged(staff, clinic, couple, therapist):
    agreement = make_agreement(couple, by=therapist)
    answer(agreement, couple.partner_a, "discuss")
    agreement_revise(homework=agreement, by=therapist, min_break_minutes=30)
    assert "asked to discuss" not in caseload(staff, clinic)


def test_an_ended_agreement_is_not_flagged(staff, clinic, couple, therapist):
    agreement = make_agreement(couple, by=therapist)
    answer(agreement, couple.partner_a, "discuss")
    homework_end(homework=agreement, by=therapist, on=timezone.localdate())
    assert "asked to discuss" not in caseload(staff, clinic)


def _couples_asking(clinic, therapist, n):
    for _ in range(n):
        couple = CoupleFactory(clinic=clinic, therapists=[therapist])
        agreement = make_agreement(couple, by=therapist)
        answer(agreement, couple.partner_a, "discuss", note="later")
        answer(agreement, couple.partner_b, "accepted")


def _count(client, clinic):
    with CaptureQueriesContext(connection) as queries:
        html = caseload(client, clinic)
    return len(queries), html.count("asked to discuss")


def test_caseload_query_count_is_the_same_for_1_and_25_couples_asking(staff, clinic, therapist):
    _couples_asking(clinic, therapist, 1)
    small, flagged_small = _count(staff, clinic)
    _couples_asking(clinic, therapist, 24)
    large, flagged_large = _count(staff, clinic)
    assert (flagged_small, flagged_large) == (1, 25)
    assert small == large
