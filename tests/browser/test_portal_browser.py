"""A partner on a phone accepts the time-out agreement, logs a breathing practice and a check-in;
the therapist then sees them on the couple's page."""

from datetime import date

import pytest

from sessions.models import AgreementResponse, CheckIn, PracticeLog
from tests.browser.conftest import login
from tests.factories import PASSWORD, CoupleFactory, MembershipFactory
from tests.sessions.world import make_agreement, make_practice

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE_WIDTH = 390


def fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH


def test_partner_accepts_logs_and_checks_in_then_the_therapist_sees_it(page, live_server, tmp_path):
    therapist = MembershipFactory(clinic__slug="harbour", clinic__name="Harbour").user
    clinic = therapist.memberships.get().clinic
    couple = CoupleFactory(
        clinic=clinic,
        therapists=[therapist],
        partner_a__preferred_name="Robin",
        partner_b__preferred_name="Sam",
    )
    agreement = make_agreement(couple, by=therapist)
    make_practice(couple, start_date=date(2025, 1, 1), title="Resonance breathing")
    robin = couple.partner_a

    login(page, live_server, robin.portal_user.email, PASSWORD)
    assert page.url.endswith("/portal/")
    assert page.get_by_role("link", name="Leave quickly").is_visible()
    assert fits_the_phone(page)

    # Accept the agreement.
    page.get_by_role("link", name="Read the agreement").click()
    assert page.get_by_text("Pause, please (hand raised)").is_visible()
    assert fits_the_phone(page)
    page.get_by_role("button", name="I accept this agreement").click()
    page.wait_for_url("**/portal/")
    assert page.get_by_role("status").first.is_visible()

    # Log a breathing practice, with the keyboard for the choices.
    page.get_by_role("link", name="Log a practice").first.click()
    page.get_by_label("How many minutes").fill("15")
    before = page.get_by_role("group", name="Before you started, you felt")
    before.get_by_label("Too much: anxious, racing, angry or on edge").check()
    page.get_by_label("How strong was it before (0-10)").fill("7")
    after = page.get_by_role("group", name="Afterwards, you felt")
    after.get_by_label("Okay: calm enough to think and feel").focus()
    page.keyboard.press("Space")
    page.get_by_label("How strong was it afterwards (0-10)").fill("3")
    page.get_by_label("Anything you'd like to remember (optional)").fill("Slow and steady")
    assert fits_the_phone(page)
    page.screenshot(path=str(tmp_path / "practice.png"), full_page=True)
    page.get_by_role("button", name="Save practice").click()
    page.wait_for_url("**/portal/")

    # The daily check-in.
    page.get_by_role("link", name="Daily check-in").click()
    assert page.get_by_text("not a validated measure").is_visible()
    page.get_by_label("Too little: numb, flat, far away or shut down").check()
    page.get_by_label("How much distress do you feel (0-10)").fill("5")
    page.get_by_role("button", name="Save check-in").click()
    page.wait_for_url("**/portal/")

    assert AgreementResponse.objects.filter(version__homework=agreement, partner=robin).exists()
    practice = PracticeLog.objects.get(partner=robin)
    assert (practice.before_zone, practice.after_zone, practice.minutes) == ("hyper", "within", 15)
    assert CheckIn.objects.get(partner=robin).zone == "hypo"

    # The therapist sees them on the couple's page.
    page.get_by_role("button", name="Log out").click()
    login(page, live_server, therapist.email, PASSWORD)
    page.goto(f"{live_server.url}/c/{clinic.slug}/couples/{couple.pk}/")
    panel = page.locator("#homework")
    assert panel.get_by_text("Slow and steady").is_visible()
    assert panel.get_by_role("cell", name="Hypoaroused").first.is_visible()
    assert panel.get_by_text("Waiting for Sam to accept version 1").is_visible()
    strip = panel.locator("table.strip")
    assert strip.get_by_role("rowheader", name="Robin").is_visible()
    page.screenshot(path=str(tmp_path / "couple.png"), full_page=True)
