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


# Every table heading or cell holding one word whose text runs over more than one line: a word
# broken mid-way ("Partn" / "er") because the page lets long words break anywhere.
BROKEN_WORDS = """() => [...document.querySelectorAll("main th, main td")].filter((cell) => {
  const text = cell.textContent.trim();
  if (!text || /\\s/.test(text)) return false;
  const range = document.createRange();
  range.selectNodeContents(cell);
  return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size > 1;
}).map((cell) => cell.textContent.trim())"""


def test_table_words_stay_whole_on_a_phone(page, live_server):
    # Tables wider than the phone scroll inside their box; they must not squeeze a column until
    # its heading or a name breaks mid-word.
    seed_demo()
    login(page, live_server, "zoe.0@harbour.example", DEMO_PASSWORD, DEMO_TOTP_SECRET)
    page.goto(f"{live_server.url}/portal/results/")
    assert page.get_by_role("columnheader", name="Partner").first.is_visible()
    assert page.evaluate(BROKEN_WORDS) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
