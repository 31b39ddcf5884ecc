"""Guided breathing in real Chromium on a phone: the shape grows and shrinks with the preset's
pace, the words count each phase, finishing fills and saves the log; with reduced motion the
shape keeps still; two partners breathing together see the same phase at the same moment."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from sessions.models import PracticeLog
from tests.browser.conftest import PHONE, login
from tests.factories import PASSWORD, CoupleFactory, MembershipFactory
from tests.sessions.world import make_joint_practice, make_practice

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def couple(db):
    therapist = MembershipFactory(clinic__slug="harbour", clinic__name="Harbour").user
    clinic = therapist.memberships.get().clinic
    return CoupleFactory(clinic=clinic, therapists=[therapist])


def _scale(page) -> float:
    # The computed transform is a matrix; its first value is the horizontal scale.
    matrix = page.eval_on_selector("#breath-shape", "el => getComputedStyle(el).transform")
    return float(matrix.split("(")[1].split(",")[0]) if matrix.startswith("matrix") else 1.0


def test_a_guided_practice_paces_the_shape_and_saves_the_log(page, live_server, couple):
    homework = make_practice(couple, start_date=timezone.localdate() - timedelta(days=3))
    login(page, live_server, couple.partner_a.portal_user.email, PASSWORD)
    page.get_by_role("link", name="Practise now, guided").click()
    # The script hides the after-ratings once it runs: wait for it rather than race it.
    expect(page.locator("#breath-after")).to_be_hidden()
    page.get_by_label("Anxious, racing", exact=False).first.check()
    page.get_by_role("button", name="Start", exact=True).click()
    page.wait_for_function(
        "() => document.getElementById('breath-words').textContent.startsWith('Breathe in')"
    )
    page.wait_for_timeout(4500)  # most of the 5-second in-breath
    grown = _scale(page)
    page.wait_for_function(
        "() => document.getElementById('breath-words').textContent.startsWith('Breathe out')",
        timeout=8000,
    )
    page.wait_for_timeout(4500)
    shrunk = _scale(page)
    assert grown > 0.85 and shrunk < 0.6, (grown, shrunk)
    assert "0:" in page.locator("#breath-timer").inner_text()
    page.get_by_role("button", name="Finish now").click()
    expect(page.locator("#breath-after")).to_be_visible()
    expect(page.locator("#breath-autosave")).to_be_visible()
    page.locator("#id_after_intensity").fill("2")
    page.get_by_role("button", name="Save my practice").click()
    page.wait_for_url(f"{live_server.url}/portal/")
    log = PracticeLog.objects.get(homework=homework)
    assert log.minutes == 1 and log.after_intensity == 2 and log.before_zone == "hyper"
    assert abs((timezone.now() - log.practiced_at).total_seconds()) < 120
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_with_reduced_motion_the_shape_keeps_still(browser, live_server, couple):
    make_practice(couple, start_date=timezone.localdate() - timedelta(days=3))
    context = browser.new_context(viewport=PHONE, reduced_motion="reduce")
    page = context.new_page()
    try:
        login(page, live_server, couple.partner_a.portal_user.email, PASSWORD)
        page.get_by_role("link", name="Practise now, guided").click()
        page.get_by_role("button", name="Start", exact=True).click()
        page.wait_for_function(
            "() => document.getElementById('breath-words').textContent.startsWith('Breathe in')"
        )
        page.wait_for_timeout(2500)
        first = _scale(page)
        page.wait_for_timeout(3500)
        assert _scale(page) == first == pytest.approx(0.8, abs=0.01)
        assert page.eval_on_selector("#breathing", "el => el.dataset.phase") == "out"
    finally:
        context.close()


def test_two_partners_breathing_together_see_the_same_phase(browser, live_server, couple):
    homework = make_practice(couple, start_date=timezone.localdate() - timedelta(days=3))
    joint = make_joint_practice(
        couple, homework=homework, starts_at=timezone.now() + timedelta(seconds=6)
    )
    pages = []
    try:
        for partner in couple.partners:
            context = browser.new_context(viewport=PHONE)
            page = context.new_page()
            login(page, live_server, partner.portal_user.email, PASSWORD)
            page.goto(f"{live_server.url}/portal/practice/together/{joint.pk}/")
            page.get_by_role("button", name="Start", exact=True).click()
            pages.append(page)
        for page in pages:
            page.wait_for_function(
                "() => document.getElementById('breath-words').textContent.startsWith('Breathe')",
                timeout=15000,
            )
        seen = [p.locator("#breath-words").inner_text() for p in pages]
        assert seen[0].split(" · ")[0] == seen[1].split(" · ")[0], seen
    finally:
        for page in pages:
            page.context.close()
