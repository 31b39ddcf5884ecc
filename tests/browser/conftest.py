"""Real headless Chromium (Debian's /usr/bin/chromium) driven by Playwright against the live server."""

import os

import pyotp
import pytest

from tests.factories import TOTP_SECRET

# Playwright's sync API runs an event loop in this thread; the test's own ORM calls are still
# synchronous and safe, so allow them.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def login(page, live_server, email: str, password: str, totp_secret: str = TOTP_SECRET) -> None:
    """Log in through the real login form, and the authenticator-code step when it is asked
    (every staff member has one; the code is computed from their secret as an app would)."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_load_state("networkidle")
    if "/accounts/2fa/authenticate/" in page.url:
        page.locator("input[name=code]").fill(pyotp.TOTP(totp_secret).now())
        page.get_by_role("button", name="Sign In").click()
        page.wait_for_load_state("networkidle")


@pytest.fixture(autouse=True)
def _unhashed_static(settings):
    """The live server serves static files from the finders, which know no hashed names; plain
    storage makes pages link the files it can serve, so browser tests see the real stylesheet."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
