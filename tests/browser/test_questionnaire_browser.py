"""A partner completes a PHQ-9 on a phone in real Chromium, partly by keyboard, answers item 9
above zero and is shown the crisis text; the therapist then sees the score and the alert."""

import re

import pytest

from assessments import services
from assessments.models import RiskAlert
from tests.assessments.world import assign
from tests.browser.conftest import login
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_partner_completes_phq9_on_a_phone_and_therapist_sees_the_alert(
    page, live_server, couple, therapist, clinic, browser
):
    clinic.crisis_text = "Call the Harbour crisis line on 0800 000 000, day or night."
    clinic.save()
    assign(couple, couple.partner_a, by=therapist, due=services.local_today(clinic))
    partner = couple.partner_a

    login(page, live_server, partner.portal_user.email, PASSWORD)
    assert page.url.endswith("/portal/")
    page.get_by_role("link", name="PHQ-9").click()
    assert page.get_by_role("heading", name="Patient Health Questionnaire-9").is_visible()
    assert page.get_by_role("link", name="Leave quickly").is_visible()

    # Item 1 by keyboard alone: focus the first option, select it, move to the next one.
    page.locator("#item-1-0").focus()
    page.keyboard.press("Space")
    page.keyboard.press("ArrowDown")
    assert page.locator("#item-1-1").is_checked()

    # Items 2-8 by tapping their labels; item 9 ("thoughts ... hurting yourself") above zero.
    for number in range(2, 9):
        group = page.get_by_role("group", name=re.compile(rf"^{number}\."))
        group.get_by_label("Not at all").check()
    item9 = page.get_by_role("group", name=re.compile("better off dead"))
    assert item9.get_by_text("0800 000 000").is_visible()  # offered gently beside the question
    item9.get_by_label("Several days").check()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.get_by_role("button", name="Submit my answers").click()
    page.wait_for_load_state("networkidle")
    # Item 10 (how difficult) was left: the confirmation says so before anything is final.
    assert page.get_by_text("1 of 10 questions is unanswered.").is_visible()
    page.get_by_role("button", name="Yes, submit with 1 unanswered").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("heading", name="Support is available").is_visible()
    assert page.get_by_text("Call the Harbour crisis line on 0800 000 000").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert RiskAlert.objects.filter(couple=couple, acknowledged_at__isnull=True).count() == 1

    staff = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    staff_page = staff.new_page()
    staff_page.set_default_timeout(15_000)
    try:
        login(staff_page, live_server, therapist.email, PASSWORD)
        assert staff_page.get_by_text("Urgent: 1 risk alert to acknowledge").is_visible()
        staff_page.get_by_role("link", name=couple.label).click()
        alerts = staff_page.locator("#risk-alerts")
        assert alerts.is_visible()
        assert "PHQ-9 item 9 (answer 1)" in alerts.inner_text()
        assert staff_page.locator("td .score").first.inner_text() == "2"
        staff_page.get_by_label("What you did (optional)").fill("Phoned; safety plan reviewed.")
        staff_page.get_by_role("button", name="Acknowledge alert").click()
        staff_page.wait_for_load_state("networkidle")
        assert staff_page.get_by_text("Alert acknowledged.").is_visible()
        assert RiskAlert.objects.get(couple=couple).acknowledged_by_id == therapist.pk
    finally:
        staff.close()
