"""The strict Content-Security-Policy in real Chromium: the pages people use most (the
caseload, a couple's page with its charts, the portal, guided breathing, the results, the
authenticator and security-key set-up and the API docs) load and work with no violation reported, neither as a
`securitypolicyviolation` event nor as a "Refused to ..." console error."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from assessments.models import LicensedWording
from tests.assessments.world import submitted_response
from tests.browser.conftest import login
from tests.factories import PASSWORD, CoupleFactory, MembershipFactory
from tests.sessions.world import make_agreement, make_measurement, make_practice
from tests.world import BUILDERS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Recorded from the first script on every page, before the page's own scripts run.
LISTEN = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__violations.push(e.violatedDirective + " " + (e.blockedURI || "inline"));
});
"""


@pytest.fixture
def world(db):
    therapist = MembershipFactory(clinic__slug="harbour", clinic__name="Harbour").user
    clinic = therapist.memberships.get().clinic
    couple = CoupleFactory(clinic=clinic, therapists=[therapist])
    BUILDERS[LicensedWording].build(couple, None)
    for partner in couple.partners:
        submitted_response(couple, partner)
        submitted_response(couple, partner, "ecrs", {str(n): 4 for n in range(1, 13)})
        make_measurement(couple, partner)
    make_agreement(couple, by=therapist)
    homework = make_practice(couple, start_date=timezone.localdate() - timedelta(days=3))
    return {"therapist": therapist, "couple": couple, "clinic": clinic, "homework": homework}


@pytest.fixture
def watched(browser):
    """A page under the served policy (no bypass) that records every violation it reports."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(LISTEN)
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.console_refusals = []
    page.on(
        "console",
        lambda m: (
            page.console_refusals.append(m.text)
            if "Refused to" in m.text or "Content Security Policy" in m.text
            else None
        ),
    )
    yield page
    context.close()


def _violations(page) -> list[str]:
    return [*page.evaluate("window.__violations"), *page.console_refusals]


def _visit(page, url, ready: str | None = None) -> list[str]:
    page.console_refusals.clear()
    response = page.goto(url)
    assert response.status == 200, url
    assert "script-src 'self'" in response.headers["content-security-policy"]
    if ready:
        expect(page.locator(ready).first).to_be_visible()
    page.wait_for_load_state("networkidle")
    return [f"{url}: {v}" for v in _violations(page)]


def test_staff_pages_and_the_api_docs_load_with_no_violation(watched, live_server, world):
    couple, base = world["couple"], live_server.url
    login(watched, live_server, world["therapist"].email, PASSWORD)
    found = _visit(watched, f"{base}/c/harbour/caseload/", "#caseload")
    found += _visit(watched, f"{base}/c/harbour/couples/{couple.pk}/", "figure.chart svg")
    # The charts keep their colours and fonts as SVG attributes.
    fill = watched.eval_on_selector("figure.chart svg text", "t => getComputedStyle(t).fill")
    assert fill.startswith("rgb(") and fill != "rgb(0, 0, 0)", fill
    # Adding a security key runs allauth's WebAuthn scripts, after the password is given again.
    watched.goto(f"{base}/accounts/2fa/webauthn/add/")
    if "/reauthenticate/" in watched.url:
        watched.get_by_label("Password").fill(PASSWORD)
        watched.get_by_role("button", name="Confirm").click()
    watched.wait_for_url(f"{base}/accounts/2fa/webauthn/add/")
    watched.wait_for_function("() => !!(window.allauth && window.allauth.webauthn)")
    found += [f"security key set-up: {v}" for v in _violations(watched)]
    # Swagger UI starts from its script file and draws every route.
    found += _visit(watched, f"{base}/api/docs/", ".opblock")
    assert watched.locator(".opblock").count() > 50
    assert not found, "\n".join(found)


def test_portal_pages_and_guided_breathing_load_with_no_violation(watched, live_server, world):
    couple, base = world["couple"], live_server.url
    login(watched, live_server, couple.partner_a.portal_user.email, PASSWORD)
    found = _visit(watched, f"{base}/portal/", "#leave-quickly")
    found += _visit(watched, f"{base}/portal/results/", "figure.chart svg")
    guided = f"{base}/portal/practice/{world['homework'].pk}/guided/"
    found += _visit(watched, guided, "#breath-shape")
    # The breathing script runs under the policy: it hides the after-ratings and paces the shape.
    expect(watched.locator("#breath-after")).to_be_hidden()
    watched.get_by_role("button", name="Start", exact=True).click()
    watched.wait_for_function(
        "() => document.getElementById('breath-words').textContent.startsWith('Breathe in')"
    )
    found += [f"{guided} (breathing): {v}" for v in _violations(watched)]
    # Turning on an authenticator app shows its QR code (a data: image) after the password.
    watched.goto(f"{base}/accounts/2fa/totp/activate/")
    if "/reauthenticate/" in watched.url:
        watched.get_by_label("Password").fill(PASSWORD)
        watched.get_by_role("button", name="Confirm").click()
    qr = watched.locator("img[src^='data:image/svg+xml']")
    expect(qr).to_be_visible()
    assert watched.evaluate("document.querySelector(\"img[src^='data:']\").naturalWidth") > 0
    found += [f"authenticator set-up: {v}" for v in _violations(watched)]
    assert not found, "\n".join(found)


def test_the_watch_catches_an_inline_style_and_an_inline_script(watched, live_server, world):
    login(watched, live_server, world["therapist"].email, PASSWORD)
    assert _visit(watched, f"{live_server.url}/c/harbour/caseload/") == []
    watched.evaluate(
        """() => {
          document.body.insertAdjacentHTML("beforeend", '<p style="color: red">injected</p>');
          const s = document.createElement("script");
          s.textContent = "window.__ran = true";
          document.body.appendChild(s);
        }"""
    )
    watched.wait_for_timeout(300)
    found = _violations(watched)
    assert any(v.startswith("style-src") for v in found), found
    assert any(v.startswith("script-src") for v in found), found
    assert watched.evaluate("window.__ran === undefined")
