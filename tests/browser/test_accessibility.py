"""Accessibility as a gate: axe-core (vendored, tests/browser/vendor/) runs in real Chromium on
every page an admin (who also carries the couple), a therapist and a partner can reach, read
from the URL resolver like the page walk, and the test fails on any serious or critical
violation. A page that answers other than 200 HTML (a download, a feed, a POST-only action)
is not a page to check."""

import json
from pathlib import Path

import pytest

from tests.browser.conftest import login
from tests.clinic.test_page_walk import PORTAL_PREFIX, STAFF_PREFIX, _url, _values, page_routes
from tests.factories import PASSWORD, CoupleFactory, MembershipFactory
from tests.sessions.world import make_agreement, make_practice

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
GATED_IMPACTS = {"serious", "critical"}
# Routes that are not pages: files, feeds and the practice clock.
NOT_PAGES = ("/download/", ".ics", "/clock/", "favicon")


@pytest.fixture
def world(db):
    admin = MembershipFactory(clinic__slug="harbour", clinic__name="Harbour", role="admin").user
    clinic = admin.memberships.get().clinic
    therapist = MembershipFactory(clinic=clinic).user
    couple = CoupleFactory(clinic=clinic, therapists=[admin, therapist])
    make_agreement(couple, by=therapist)
    make_practice(couple)
    return {"admin": admin, "therapist": therapist, "couple": couple, "clinic": clinic}


@pytest.fixture
def axe_page(browser):
    # The gate reads the pages as served; bypass_csp lets the injected engine run under a
    # strict Content-Security-Policy without loosening the policy itself.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()


def _violations(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async () => { const r = await axe.run(document, {resultTypes: ['violations']});"
        " return JSON.stringify(r.violations); }"
    )
    found = []
    for violation in json.loads(result):
        if violation["impact"] in GATED_IMPACTS:
            targets = [" ".join(map(str, n["target"])) for n in violation["nodes"][:3]]
            found.append(f"{violation['id']} ({violation['impact']}): {targets}")
    return found


def _walk(page, live_server, urls) -> tuple[list[str], int]:
    failures, checked = [], 0
    for url in urls:
        # Ask first (same login): POST-only actions answer 405 with no page to render.
        probe = page.context.request.get(f"{live_server.url}{url}", max_redirects=0)
        if probe.status != 200 or "text/html" not in probe.headers.get("content-type", ""):
            continue
        page.goto(f"{live_server.url}{url}")
        checked += 1
        failures += [f"{url}: {v}" for v in _violations(page)]
    return failures, checked


def _urls(prefix, couple, owner) -> list[str]:
    urls = []
    for route, _ in page_routes(prefix):
        url = _url(route, _values(route, couple, owner)) if "<" in route else f"/{route}"
        if not any(part in url for part in NOT_PAGES):
            urls.append(url)
    return urls


def test_every_staff_page_has_no_serious_accessibility_violation(axe_page, live_server, world):
    couple = world["couple"]
    urls = _urls(STAFF_PREFIX, couple, couple.partner_a)
    login(axe_page, live_server, world["admin"].email, PASSWORD)
    failures, checked = _walk(axe_page, live_server, urls)
    assert checked >= 25, f"only {checked} staff pages answered 200"
    # A therapist sees the same templates without the admin links; check their own views too.
    axe_page.context.clear_cookies()
    login(axe_page, live_server, world["therapist"].email, PASSWORD)
    mine = [u for u in urls if any(p in u for p in ("caseload", "calendar", f"{couple.pk}/"))]
    more, _ = _walk(axe_page, live_server, mine[:8])
    assert not failures + more, "\n".join(failures + more)


def test_every_portal_page_has_no_serious_accessibility_violation(axe_page, live_server, world):
    couple = world["couple"]
    urls = ["/portal/", *_urls(PORTAL_PREFIX, couple, couple.partner_a)]
    login(axe_page, live_server, couple.partner_a.portal_user.email, PASSWORD)
    failures, checked = _walk(axe_page, live_server, urls)
    assert checked >= 8, f"only {checked} portal pages answered 200"
    assert not failures, "\n".join(failures)


def test_the_gate_catches_a_serious_violation(axe_page):
    # An image without a text alternative and a button without a name: the engine must see both.
    axe_page.set_content(
        '<html lang="en"><head><title>x</title></head><body><main><h1>x</h1>'
        '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="><button></button></main></body></html>'
    )
    found = _violations(axe_page)
    assert any(v.startswith("image-alt (critical)") for v in found), found
    assert any(v.startswith("button-name (critical)") for v in found), found


def test_the_calendar_fits_a_phone_without_sideways_scrolling(page, live_server, world):
    slug = world["clinic"].slug
    login(page, live_server, world["therapist"].email, PASSWORD)
    for url in (f"/c/{slug}/calendar/", f"/c/{slug}/calendar/day/", f"/c/{slug}/calendar/feed/"):
        page.goto(f"{live_server.url}{url}")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{url} is {width} px wide on a 390 px phone"
