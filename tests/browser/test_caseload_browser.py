import pytest

from clinic.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET, seed_demo
from tests.browser.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_seeded_therapist_logs_in_and_sees_caseload_on_a_phone(page, live_server, tmp_path):
    seed_demo()
    login(page, live_server, "therapist1@harbour.example", DEMO_PASSWORD, DEMO_TOTP_SECRET)
    assert page.url.endswith("/c/harbour/caseload/")
    cards = page.locator("#caseload article.couple")
    assert cards.count() == 2  # therapist1 carries couples 0 and 2 of the Harbour demo
    assert page.get_by_text("Zoë & Marcus Bell").is_visible()
    # Nothing wider than the phone's screen: the layout does not force sideways scrolling.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(tmp_path / "caseload.png"), full_page=True)

    page.get_by_role("link", name="Zoë & Marcus Bell").click()
    assert page.get_by_role("heading", name="Zoë & Marcus Bell").is_visible()


def test_other_clinics_therapist_cannot_open_this_caseload(page, live_server):
    seed_demo()
    login(page, live_server, "therapist1@riverside.example", DEMO_PASSWORD, DEMO_TOTP_SECRET)
    response = page.goto(f"{live_server.url}/c/harbour/caseload/")
    assert response.status == 404


def test_pages_load_their_stylesheet(page, live_server):
    seed_demo()
    login(page, live_server, "therapist1@harbour.example", DEMO_PASSWORD, DEMO_TOTP_SECRET)
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(246, 248, 247)"  # --bg in attune.css


def test_the_couple_page_fits_a_phone_without_sideways_scrolling(page, live_server):
    seed_demo()
    login(page, live_server, "therapist1@harbour.example", DEMO_PASSWORD, DEMO_TOTP_SECRET)
    page.get_by_role("link", name="Zoë & Marcus Bell").click()
    page.wait_for_load_state("networkidle")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the couple page is {width} px wide on a 390 px phone"
