"""Security headers on every page: a strict Content-Security-Policy (django-csp) and a
Permissions-Policy on every answer, and pages whose markup needs no inline exception (no
`style` attributes, `<style>` or inline `<script>` elements, `on*` handlers or `javascript:`
links), walked for an admin, a therapist, a partner, a newcomer and a visitor who is not
logged in. What a browser does with the policy is tests/browser/test_content_security_browser.py."""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.core import mail
from django.urls import get_resolver

from assessments.models import LicensedWording
from clinic.invitations import staff_invite
from tests.assessments.world import submitted_response
from tests.clinic.test_page_walk import PORTAL_PREFIX, STAFF_PREFIX, _url, _values, page_routes
from tests.clinic.test_route_walk import _walk
from tests.factories import PASSWORD, CoupleFactory, MembershipFactory
from tests.login import LoginClient
from tests.sessions.world import (
    make_agreement,
    make_check_in,
    make_held_session,
    make_measurement,
    make_practice,
    make_signed_note,
)
from tests.world import BUILDERS

pytestmark = pytest.mark.django_db

# The policy every page must carry, directive by directive.
STRICT = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
}
# Data blocks: the browser does not run them (allauth passes its scripts' options this way).
DATA_SCRIPT_TYPES = {"application/json"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href"}
# A file, a feed or the breathing clock: not HTML.
NOT_PAGES = ("/download/", ".ics", "/clock/")
# The account pages (allauth's and Attune's) whose URL holds no value, read from the resolver.
ACCOUNT_PAGES = [
    f"/{route}"
    for route, _ in _walk(get_resolver().url_patterns)
    if route.startswith(("accounts/", "account/")) and not re.search(r"[<^]", route)
]
PUBLIC_PAGES = (
    "/accounts/login/",
    "/accounts/login/code/",
    "/accounts/signup/",
    "/accounts/password/reset/",
    "/accounts/password/reset/done/",
    "/api/docs/",
    "/no-such-page/",
)


class InlineCode(HTMLParser):
    """What a policy without 'unsafe-inline' refuses to apply or run, found in a page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        names = {name for name, _ in attrs}
        for name, value in attrs:
            if name == "style":
                self.found.append(f"<{tag} style={value!r}>")
            elif name.startswith("on"):
                self.found.append(f"<{tag} {name}=...>")
            elif name in URL_ATTRIBUTES and (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}={value!r}>")
        if tag == "style":
            self.found.append("<style> element")
        if tag == "script" and "src" not in names:
            kind = dict(attrs).get("type") or ""
            if kind.lower() not in DATA_SCRIPT_TYPES:
                self.found.append("inline <script>")

    handle_startendtag = handle_starttag


def inline_code(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    parser.close()
    return parser.found


def policy(response) -> dict[str, list[str]]:
    header = response.get("Content-Security-Policy", "")
    directives = (part.split() for part in header.split(";") if part.strip())
    return {name: sources for name, *sources in directives}


def header_problems(response) -> list[str]:
    found = policy(response)
    problems = [
        f"{directive} is {found.get(directive)}"
        for directive, sources in STRICT.items()
        if found.get(directive) != sources
    ]
    loose = [s for sources in found.values() for s in sources if "unsafe" in s or s == "*"]
    if loose:
        problems.append(f"loosened by {loose}")
    if not set(found.get("img-src", [])) <= {"'self'", "data:"}:
        problems.append(f"img-src is {found.get('img-src')}")
    if "camera=()" not in response.get("Permissions-Policy", ""):
        problems.append("no Permissions-Policy")
    return problems


def _answers(client, url, method="get", hops=3):
    """The answer to a request, and the answers along its redirects within Attune."""
    response = getattr(client, method)(url)
    yield url, response
    location = response.get("Location", "")
    if response.status_code in (301, 302) and location.startswith("/") and hops:
        yield from _answers(client, location, "get", hops - 1)


def check(client, urls, method="get") -> tuple[list[str], int]:
    """Every answer (redirects followed) carries the headers; every HTML page is free of inline
    code. Returns the failures and how many HTML pages were read. An empty POST shows the
    forms again with their errors, or the step that asks to confirm."""
    failures, pages = [], 0
    for start in urls:
        for url, response in _answers(client, start, method):
            if response.status_code >= 500:
                failures.append(f"{url}: {response.status_code}")
                continue
            failures += [f"{url}: {p}" for p in header_problems(response)]
            html = "text/html" in response.get("Content-Type", "")
            if html and response.status_code in (200, 403, 404):
                pages += 1
                failures += [f"{url}: {found}" for found in inline_code(response.text)]
    return failures, pages


def _urls(prefix, couple, owner) -> list[str]:
    urls = []
    for route, _ in page_routes(prefix):
        url = _url(route, _values(route, couple, owner))
        if not any(part in url for part in NOT_PAGES):
            urls.append(url)
    return urls


@pytest.fixture
def world(clinic, therapist):
    """A couple with something on every panel: scores and an attachment map to chart, readings,
    a signed note, an agreement, practices and check-ins."""
    admin = MembershipFactory(clinic=clinic, role="admin").user
    couple = CoupleFactory(clinic=clinic, therapists=[therapist, admin])
    BUILDERS[LicensedWording].build(couple, None)  # ECR-S is assigned only with its wording
    for partner in couple.partners:
        submitted_response(couple, partner)
        submitted_response(couple, partner, "ecrs", {str(n): 4 for n in range(1, 13)})
        make_measurement(couple, partner)
        make_check_in(couple, partner)
    make_signed_note(make_held_session(couple))
    make_agreement(couple, by=therapist)
    make_practice(couple)
    return {"admin": admin, "therapist": therapist, "couple": couple, "clinic": clinic}


def _logged_in(user):
    client = LoginClient(raise_request_exception=False)
    client.force_login(user)
    return client


def _logged_in_afresh(user):
    """Logged in by the login form, with the password given again just now (as turning on an
    authenticator app asks)."""
    client = LoginClient(raise_request_exception=False)
    answer = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert answer.status_code == 302
    again = client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    assert again.status_code == 302
    return client


def test_every_staff_page_is_strict_for_an_admin_and_a_therapist(world):
    couple = world["couple"]
    urls = _urls(STAFF_PREFIX, couple, couple.partner_a)
    assert "/accounts/2fa/webauthn/add/" in ACCOUNT_PAGES and len(ACCOUNT_PAGES) > 20
    admin = _logged_in(world["admin"])
    failures, pages = check(admin, [*urls, *ACCOUNT_PAGES])
    assert pages >= 30, f"only {pages} staff pages were read"
    posted, forms = check(admin, urls, "post")
    assert forms >= 15, f"only {forms} forms were shown again"
    # A therapist meets the admin-only refusal page too.
    more, therapist_pages = check(_logged_in(world["therapist"]), urls)
    assert therapist_pages >= 25
    failures += posted + more
    assert not failures, "\n".join(failures)


def test_every_portal_page_is_strict_for_a_partner(world):
    couple = world["couple"]
    urls = ["/portal/", *_urls(PORTAL_PREFIX, couple, couple.partner_a)]
    # A partner may turn on an authenticator app: the QR code is a data: image.
    client = _logged_in_afresh(couple.partner_a.portal_user)
    activate = client.get("/accounts/2fa/totp/activate/")
    assert activate.status_code == 200
    assert 'src="data:image/svg+xml;base64,' in activate.content.decode()
    failures, pages = check(client, [*urls, *ACCOUNT_PAGES, "/accounts/2fa/totp/activate/"])
    assert pages >= 15, f"only {pages} portal pages were read"
    posted, forms = check(client, urls, "post")
    assert forms >= 8, f"only {forms} portal forms were shown again"
    failures += posted
    assert not failures, "\n".join(failures)


def test_pages_before_logging_in_are_strict(world, django_capture_on_commit_callbacks):
    client = LoginClient(raise_request_exception=False)
    with django_capture_on_commit_callbacks(execute=True):
        staff_invite(clinic=world["clinic"], by=world["admin"], email="new@example.test")
        client.post("/accounts/password/reset/", {"email": world["therapist"].email})
    sent = "\n".join(message.body for message in mail.outbox)
    invitation = re.search(r"/invitations/[^/\s]+/", sent).group(0)
    reset = re.search(r"/accounts/password/reset/key/\S+/", sent).group(0)
    failures, pages = check(client, [*PUBLIC_PAGES, invitation, reset])
    assert pages == len(PUBLIC_PAGES) + 2
    assert not failures, "\n".join(failures)


def test_a_staff_member_setting_up_a_second_factor_sees_a_strict_page(clinic):
    newcomer = MembershipFactory(clinic=clinic, second_factor=False).user
    client = _logged_in_afresh(newcomer)
    page = client.get("/accounts/2fa/totp/activate/")
    assert page.status_code == 200 and "data:image/svg+xml" in page.content.decode()
    assert header_problems(page) == []
    assert inline_code(page.content.decode()) == []


def test_the_api_docs_start_swagger_from_a_script_file(client):
    page = client.get("/api/docs/")
    html = page.content.decode()
    assert header_problems(page) == [] and inline_code(html) == []
    script = re.search(r'<script src="(/api/docs/\?[^"]*script[^"]*)"', html).group(1)
    start = client.get(script.replace("&amp;", "&"))
    assert start.status_code == 200
    assert start["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle(" in start.content.decode()


def test_the_api_answers_a_browser_with_json(therapist, clinic, api_as):
    """No browsable API: its pages would need inline styles, and /api/docs/ is the API's page."""
    response = api_as(therapist).get(
        f"/api/v1/clinics/{clinic.slug}/couples/",
        HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8",
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert header_problems(response) == []


def test_no_template_carries_inline_code():
    """Every branch of every template, including those the walks do not reach."""
    root = Path(__file__).resolve().parents[2]
    templates = [
        path
        for app in ("clinic", "sessions", "assessments", "reports")
        for path in (root / app).rglob("templates/**/*.html")
    ]
    assert len(templates) > 60
    found = [f"{t.relative_to(root)}: {x}" for t in templates for x in inline_code(t.read_text())]
    assert not found, "\n".join(found)


def test_the_inline_code_check_finds_each_kind():
    html = (
        '<p style="color:red">x</p><style>p{}</style><script>alert(1)</script>'
        '<img src="x.png" onerror="alert(1)"><a href=" JavaScript:alert(1)">x</a>'
        '<svg><rect style="fill:red"/></svg>'
        '<script type="application/json">{"a": 1}</script><script src="/static/a.js"></script>'
        "<p>on=1 style= in words is text</p>"
    )
    assert inline_code(html) == [
        "<p style='color:red'>",
        "<style> element",
        "inline <script>",
        "<img onerror=...>",
        "<a href=' JavaScript:alert(1)'>",
        "<rect style='fill:red'>",
    ]
