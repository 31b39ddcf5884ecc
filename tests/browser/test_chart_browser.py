"""A partner's results on a 390 px phone: every chart fits the screen and its smallest label
is drawn at least 11 px tall in real Chromium (the charts' text scales with their width)."""

import pytest

from tests.assessments.world import PHQ9_WITH_RISK, submitted_response
from tests.browser.conftest import login
from tests.factories import PASSWORD, CoupleFactory, MembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE_WIDTH = 390


def test_portal_result_charts_read_on_a_phone(page, live_server, tmp_path):
    therapist = MembershipFactory(clinic__slug="harbour", clinic__name="Harbour").user
    clinic = therapist.memberships.get().clinic
    couple = CoupleFactory(
        clinic=clinic,
        therapists=[therapist],
        partner_a__preferred_name="Robin",
        partner_b__preferred_name="Sam",
    )
    for partner in couple.partners:
        submitted_response(couple, partner, answers={str(n): 2 for n in range(1, 10)})
        submitted_response(couple, partner, answers=PHQ9_WITH_RISK)

    login(page, live_server, couple.partner_a.portal_user.email, PASSWORD)
    page.goto(f"{live_server.url}/portal/results/")
    charts = page.locator("svg[role=img]")
    assert charts.count() >= 1
    widths = charts.evaluate_all("svgs => svgs.map(s => s.getBoundingClientRect().width)")
    assert all(0 < width <= PHONE_WIDTH for width in widths)
    heights = page.locator("svg[role=img] text").evaluate_all(
        "texts => texts.map(t => t.getBoundingClientRect().height)"
    )
    assert heights and min(heights) >= 11
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH
    page.screenshot(path=str(tmp_path / "results.png"), full_page=True)
