"""In real Chromium with its virtual authenticator (the DevTools WebAuthn domain, standing in for
a USB key or a phone's passkey): a new therapist chooses a security key instead of an
authenticator app, names it, and later logs in with password and key and lands on the
caseload. Every page is served under a strict Content-Security-Policy (no inline script or
style), so allauth's WebAuthn script and Attune's must work from files alone."""

import pyotp
import pytest
from allauth.mfa.models import Authenticator

from tests.browser.conftest import login
from tests.browser.test_accessibility import _violations, _walk
from tests.factories import PASSWORD, TOTP_SECRET, CoupleFactory, MembershipFactory
from tests.security_key import SecurityKey

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STRICT_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


@pytest.fixture
def strict_policy(live_server):
    """Every response of the live server carries the strict policy as well (a browser enforces
    each policy it is sent), whatever the project's own header says."""
    httpd = live_server.thread.httpd
    app = httpd.get_app()

    def with_policy(environ, start_response):
        def start(status, headers, exc_info=None):
            return start_response(
                status, [*headers, ("Content-Security-Policy", STRICT_CSP)], exc_info
            )

        return app(environ, start)

    httpd.set_app(with_policy)
    yield
    httpd.set_app(app)


@pytest.fixture
def key_page(browser, strict_policy):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    # What the policy refused on the account pages (the login, its second step and the key
    # pages); the clinical pages' own inline styles are moved to the stylesheet separately.
    page.csp_refusals = []

    def refused(message):
        if "Content Security Policy" in message.text and "/account" in page.url:
            page.csp_refusals.append(f"{page.url}: {message.text}")

    page.on("console", refused)
    cdp = context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    options = {
        "protocol": "ctap2",
        "transport": "internal",
        "hasResidentKey": True,
        "hasUserVerification": True,
        "isUserVerified": True,
    }
    authenticator = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": options})
    page.virtual_authenticator = (cdp, authenticator["authenticatorId"])
    yield page
    context.close()


def _settle(page):
    page.wait_for_load_state("networkidle")


def _confirm_password_if_asked(page):
    """Changing a second factor asks for the password again unless it was given just now."""
    if "/accounts/reauthenticate/" in page.url:
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Confirm").click()
        _settle(page)


def test_a_therapist_enrols_a_security_key_and_logs_in_with_it(key_page, live_server):
    page = key_page
    member = MembershipFactory(second_factor=False)
    therapist, clinic = member.user, member.clinic
    CoupleFactory(clinic=clinic, therapists=[therapist])
    caseload = f"{live_server.url}/c/{clinic.slug}/caseload/"

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(therapist.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    _settle(page)
    _confirm_password_if_asked(page)
    assert "/accounts/2fa/totp/activate/" in page.url
    page.get_by_role("link", name="Use a security key instead").click()
    _settle(page)
    assert page.url.endswith("/accounts/2fa/webauthn/add/")
    page.get_by_label("Name of this key").fill("Laptop passkey")
    page.get_by_role("button", name="Add security key").click()
    page.wait_for_url("**/recovery-codes/")
    _settle(page)
    key = Authenticator.objects.get(user=therapist, type=Authenticator.Type.WEBAUTHN)
    assert key.wrap().name == "Laptop passkey"
    cdp, authenticator_id = page.virtual_authenticator
    stored = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator_id})
    assert len(stored["credentials"]) == 1
    page.get_by_role("link", name="Continue to Attune").click()
    _settle(page)
    assert page.url == caseload

    page.get_by_role("button", name="Log out").click()
    _settle(page)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(therapist.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    _settle(page)
    assert "/accounts/2fa/authenticate/" in page.url
    page.get_by_role("button", name="Use a security key").click()
    page.wait_for_url(caseload)
    _settle(page)
    assert page.get_by_role("heading", name="Caseload").is_visible()
    key.refresh_from_db()
    assert key.last_used_at is not None
    assert page.csp_refusals == []
    # The control: the policy is in force, so an inline script would not have run.
    ran = page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.inlineRan = true'; document.body.append(s);"
        " return window.inlineRan === true; }"
    )
    assert ran is False


def test_adding_the_same_key_twice_is_explained_on_the_page(key_page, live_server):
    page = key_page
    therapist = MembershipFactory().user  # signs in with the authenticator app
    login(page, live_server, therapist.email, PASSWORD)
    add = f"{live_server.url}/accounts/2fa/webauthn/add/"
    page.goto(add)
    _confirm_password_if_asked(page)
    assert page.url == add
    page.get_by_role("button", name="Add security key").click()
    page.wait_for_url("**/recovery-codes/")
    page.goto(add)
    page.get_by_role("button", name="Add security key").click()
    error = page.locator("#security-key-error")
    error.wait_for(state="visible")
    assert error.inner_text() == "This security key is already added to your account."
    assert Authenticator.objects.filter(user=therapist, type="webauthn").count() == 1
    assert page.csp_refusals == []


@pytest.fixture
def axe_ready_page(browser):
    # axe is injected into the page: this context lets it past the policy (as test_accessibility).
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()


def test_the_security_key_pages_have_no_serious_accessibility_violation(
    axe_ready_page, live_server
):
    page = axe_ready_page
    therapist = MembershipFactory().user
    key = SecurityKey(rp_id="localhost").enrol(therapist)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(therapist.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    _settle(page)
    assert "/accounts/2fa/authenticate/" in page.url
    failures = [f"login step: {v}" for v in _violations(page)]
    page.locator("input[name=code]").fill(pyotp.TOTP(TOTP_SECRET).now())
    page.get_by_role("button", name="Sign In").click()
    _settle(page)
    urls = [
        "/account/",
        "/accounts/2fa/",
        "/accounts/2fa/webauthn/",
        "/accounts/2fa/webauthn/reauthenticate/",
    ]
    more, checked = _walk(page, live_server, urls)
    page.goto(f"{live_server.url}/accounts/reauthenticate/")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    _settle(page)
    changes = [
        "/accounts/2fa/webauthn/add/",
        f"/accounts/2fa/webauthn/keys/{key.pk}/edit/",
        f"/accounts/2fa/webauthn/keys/{key.pk}/remove/",
    ]
    most, checked_after = _walk(page, live_server, changes)
    assert checked + checked_after == 7
    assert not failures + more + most, "\n".join(failures + more + most)
