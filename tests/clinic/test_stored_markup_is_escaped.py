"""What people type is shown as text, never run as markup, on the pages that write their busiest
parts in Python rather than in templates (the caseload's cards and scores, the couple page's
questionnaire tables, lists of logs and regulation strip, the portal home): a partner's name, a
homework title, a log's note or a take-back reason holding markup comes back escaped."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.assessments.world import PHQ9_WITH_RISK, submitted_response
from tests.factories import CoupleFactory, PortalClientFactory
from tests.login import LoginClient
from tests.sessions.world import (
    make_check_in,
    make_practice,
    make_practice_log,
    make_time_out_log,
)

pytestmark = pytest.mark.django_db

SCRIPT = '<script>alert("x")</script>'
IMAGE = '"><img src=x onerror=alert(1)>'
RAW = ("<script>alert", "<img src=x")


def _couple(clinic, therapist):
    a = PortalClientFactory(clinic=clinic, legal_name=f"Ana {SCRIPT}")
    b = PortalClientFactory(clinic=clinic, legal_name=f"Ben {IMAGE}")
    couple = CoupleFactory(clinic=clinic, partner_a=a, partner_b=b, therapists=[therapist])
    practice = make_practice(couple, partner=a, title=f"Breathing {SCRIPT}")
    make_practice_log(couple, a, homework=practice, note=f"calmer {IMAGE}")
    make_practice_log(
        couple,
        a,
        homework=practice,
        note="entered twice",
        voided_at=timezone.now(),
        void_reason=f"a duplicate {SCRIPT}",
    )
    make_time_out_log(couple, b, reconvene_note=f"talked {SCRIPT}", intensity=6)
    make_check_in(couple, a, note=f"tense {IMAGE}", zone="hyper", intensity=7)
    make_check_in(couple, b, checked_at=timezone.now() - timedelta(days=1), note=SCRIPT)
    submitted_response(couple, a, answers=PHQ9_WITH_RISK)
    return couple


def _assert_escaped(html: str) -> None:
    for raw in RAW:
        assert raw not in html, raw
    assert "&lt;script&gt;" in html  # it was written, as text


def test_the_couple_page_writes_typed_markup_as_text(clinic, therapist):
    couple = _couple(clinic, therapist)
    browser = LoginClient()
    browser.force_login(therapist)
    response = browser.get(f"/c/{clinic.slug}/couples/{couple.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    _assert_escaped(html)
    # The lists of logs, the take-back reason and the questionnaire table all had their turn.
    assert "calmer &quot;&gt;&lt;img" in html
    assert "a duplicate &lt;script&gt;" in html
    assert "talked &lt;script&gt;" in html


def test_the_caseload_writes_typed_markup_as_text(clinic, therapist):
    _couple(clinic, therapist)
    browser = LoginClient()
    browser.force_login(therapist)
    response = browser.get(f"/c/{clinic.slug}/caseload/")
    assert response.status_code == 200
    html = response.content.decode()
    _assert_escaped(html)
    assert "Ana &lt;script&gt;" in html  # in the card's heading and its latest scores


def test_the_portal_home_writes_typed_markup_as_text(clinic, therapist):
    couple = _couple(clinic, therapist)
    browser = LoginClient()
    browser.force_login(couple.partner_a.portal_user)
    response = browser.get("/portal/")
    assert response.status_code == 200
    _assert_escaped(response.content.decode())
