"""Leave quickly in real Chromium: Escape pressed twice (or Alt+Q) ends the session on the
server, lands on the clinic's neutral site, and Back does not show the portal again."""

import pytest

from tests.browser.conftest import login
from tests.factories import PASSWORD, CoupleFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# In real use another site (a weather page); here a page the test server has, since the test
# machine has no network.
NEUTRAL_PATH = "/static/clinic/favicon.svg"


def _open_portal(page, live_server):
    couple = CoupleFactory()
    couple.clinic.leave_url = live_server.url + NEUTRAL_PATH
    couple.clinic.save()
    login(page, live_server, couple.partner_a.portal_user.email, PASSWORD)
    assert page.url.endswith("/portal/")
    return couple


@pytest.mark.parametrize(
    "keys", [["Escape", "Escape"], ["Alt+KeyQ"]], ids=["escape-twice", "alt-q"]
)
def test_leave_quickly_from_the_keyboard(page, live_server, keys):
    _open_portal(page, live_server)
    for key in keys:
        page.keyboard.press(key)
    page.wait_for_url(f"**{NEUTRAL_PATH}")
    page.go_back()
    page.wait_for_load_state("networkidle")
    assert "/portal/" not in page.url  # the portal's history entry was replaced
    page.goto(f"{live_server.url}/portal/")
    assert "/accounts/login/" in page.url  # and the session ended on the server


@pytest.mark.parametrize("path", ["/account/", "/accounts/password/change/"])
def test_leave_quickly_from_the_portals_account_pages(page, live_server, path):
    """The account and password pages are the portal's too: the button and the keys work there."""
    _open_portal(page, live_server)
    page.goto(live_server.url + path)
    assert page.url.endswith(path)
    assert page.locator("#leave-quickly").is_visible()
    page.keyboard.press("Escape")
    page.keyboard.press("Escape")
    page.wait_for_url(f"**{NEUTRAL_PATH}")
    page.go_back()
    page.wait_for_load_state("networkidle")
    assert path not in page.url  # the account page's history entry was replaced
    page.goto(f"{live_server.url}{path}")
    assert "/accounts/login/" in page.url  # and the session ended on the server
