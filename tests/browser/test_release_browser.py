"""In real Chromium: a partner submitting with unanswered questions is asked to confirm and
told how many; a couple report reaches the portal only after the therapist shares it."""

import re

import pytest

from assessments import services
from assessments.models import Response
from tests.assessments.world import assign
from tests.browser.conftest import PHONE, login
from tests.factories import PASSWORD
from tests.reports.world import done_report

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_partner_confirms_a_submission_with_unanswered_questions(
    page, live_server, couple, therapist, clinic
):
    assign(couple, couple.partner_a, "gad7", by=therapist, due=services.local_today(clinic))
    login(page, live_server, couple.partner_a.portal_user.email, PASSWORD)
    page.get_by_role("link", name="GAD-7").click()
    for number in (1, 2, 3):
        page.get_by_role("group", name=re.compile(rf"^{number}\.")).get_by_label(
            "Several days"
        ).check()
    page.get_by_role("button", name="Submit my answers").click()
    page.wait_for_load_state("networkidle")

    confirm = page.get_by_role("alert").filter(has_text="Submit your answers?")
    assert confirm.is_visible()
    assert "4 of 7 questions are unanswered." in confirm.inner_text()
    # Focus lands on the confirmation, so a keyboard or screen-reader user meets it first.
    assert page.evaluate("document.activeElement.textContent").strip() == (
        "Yes, submit with 4 unanswered"
    )
    response = Response.objects.get(partner=couple.partner_a)
    assert response.status == "in_progress" and len(response.answers) == 3  # kept, not final

    page.get_by_role("button", name="Yes, submit with 4 unanswered").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("heading", name="GAD-7 sent").is_visible()
    response.refresh_from_db()
    assert response.status == "submitted"


def test_couple_report_appears_in_the_portal_only_after_the_therapist_shares_it(
    page, live_server, browser, couple, therapist
):
    report = done_report(couple)
    login(page, live_server, couple.partner_b.portal_user.email, PASSWORD)
    assert page.get_by_role("heading", name="Reports from your therapist").count() == 0

    staff = browser.new_context(viewport=PHONE, is_mobile=True)
    staff_page = staff.new_page()
    staff_page.set_default_timeout(15_000)
    try:
        login(staff_page, live_server, therapist.email, PASSWORD)
        staff_page.get_by_role("link", name=couple.label).click()
        reports = staff_page.locator("#reports")
        assert "Not shared" in reports.inner_text()
        reports.get_by_role("button", name="Share with the couple").click()
        staff_page.wait_for_load_state("networkidle")
        assert staff_page.get_by_text(
            "Shared with both partners: it is in their portal now."
        ).is_visible()
        assert "Shared with both partners" in staff_page.locator("#reports").inner_text()
    finally:
        staff.close()

    page.reload()
    page.wait_for_load_state("networkidle")
    section = page.get_by_role("region", name="Reports from your therapist")
    assert section.is_visible()
    link = section.get_by_role("link")
    assert link.count() == 1
    assert link.get_attribute("href") == f"/portal/reports/{report.pk}/download/"
