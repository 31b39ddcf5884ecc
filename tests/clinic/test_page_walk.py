"""Walk every server-rendered page route (read from the URL resolver): another clinic's,
an unassigned couple's and the other partner's objects answer 404 to GET and POST, and junk
form posts on one's own objects never answer 500."""

import re

import pytest
from django.urls import URLResolver, get_resolver

from assessments.models import Assignment, Response, RiskAlert
from clinic.models import Client, Couple
from clinic.permissions import ADMIN_ONLY
from reports.models import ClinicExport, ProgressReport
from sessions.models import (
    CheckIn,
    Homework,
    JointPractice,
    MeasurementImport,
    PracticeLog,
    SessionNote,
    TherapySession,
)
from tests.clinic.test_route_walk import _walk
from tests.factories import CoupleFactory, MembershipFactory
from tests.login import LoginClient as BrowserClient
from tests.world import BUILDERS

STAFF_PREFIX = "c/<slug:clinic_slug>/"
PORTAL_PREFIX = "portal/"

# The object behind each page URL kwarg. A new kwarg fails the walk until it is named here.
PAGE_MODELS = {
    "couple_id": Couple,
    "session_id": TherapySession,
    "note_id": SessionNote,
    "homework_id": Homework,
    "response_id": Response,
    "report_id": ProgressReport,
    "import_id": MeasurementImport,
    "alert_id": RiskAlert,
    "export_id": ClinicExport,
    "log_id": PracticeLog,
    "client_id": Client,
    "assignment_id": Assignment,
    "joint_id": JointPractice,
}
# Kwargs that name no object: a fixed, valid value.
PAGE_CONSTANTS = {"code": "phq9", "kind": "practice", "token": "not-a-feed-token"}
INDIVIDUAL_KWARGS = {"log_id", "response_id", "report_id"}
# A POST-only page answers GET with 405 before looking anything up: that reveals nothing.
HIDDEN = {"get": {404, 405}, "post": {404}}

JUNK_FORMS = [
    {},
    {
        "starts_at": "soon",
        "duration_minutes": "-5",
        "partner_a": "x",
        "version": "v",
        "value": "NaN",
    },
    {"text": "x" * 30000, "note": "<script>", "reason": "", "period_start": "2026-02-30"},
]


def page_routes(prefix):
    return [(r, cb) for r, cb in _walk(get_resolver().url_patterns) if r.startswith(prefix)]


def _kwargs(route):
    return [k for _, k in re.findall(r"<(?:(\w+):)?(\w+)>", route)]


def _values(route, couple, owner):
    values = {}
    for kwarg in _kwargs(route):
        if kwarg == "clinic_slug":
            values[kwarg] = couple.clinic.slug
        elif kwarg in PAGE_CONSTANTS:
            values[kwarg] = PAGE_CONSTANTS[kwarg]
        else:
            assert kwarg in PAGE_MODELS, f"{route}: name the model behind '{kwarg}' in PAGE_MODELS"
            values[kwarg] = BUILDERS[PAGE_MODELS[kwarg]].build(couple, owner).pk
    return values


def _url(route, values):
    return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", lambda m: str(values[m.group(2)]), route)


def _has_objects(route):
    return any(k not in ("clinic_slug", *PAGE_CONSTANTS) for k in _kwargs(route))


def _browser(user):
    client = BrowserClient(raise_request_exception=False)
    client.force_login(user)
    return client


@pytest.fixture
def others(clinic, other_clinic):
    return {
        "foreign": CoupleFactory(
            clinic=other_clinic, therapists=[MembershipFactory(clinic=other_clinic).user]
        ),
        "unassigned": CoupleFactory(
            clinic=clinic, therapists=[MembershipFactory(clinic=clinic).user]
        ),
    }


def test_the_page_walk_sees_pages_of_every_app():
    routes = [r for r, _ in page_routes(STAFF_PREFIX) + page_routes(PORTAL_PREFIX)]
    for fragment in (
        "couples/<uuid:couple_id>/",
        "notes/<uuid:note_id>/",
        "homework/",
        "reports/",
        "questionnaires/",
    ):
        assert any(fragment in r for r in routes), fragment


@pytest.mark.django_db
def test_staff_pages_hide_other_clinics_and_unassigned_couples(admin, therapist, couple, others):
    # The admin carries the foreign walk (sees the whole clinic); the therapist the unassigned one.
    # A therapist is refused admin-only pages before any object is looked up (403, proved by
    # test_admin_only_pages_refuse_a_therapist_before_any_lookup), so the admin walks those.
    failures = []
    for route, callback in page_routes(STAFF_PREFIX):
        if not _has_objects(route):
            continue
        admin_only = getattr(callback, "admin_only", False)
        foreign = others["foreign"]
        url = _url(
            route, {**_values(route, foreign, foreign.partner_a), "clinic_slug": couple.clinic.slug}
        )
        walkers = (_browser(admin),) if admin_only else (_browser(admin), _browser(therapist))
        for client in walkers:
            for method in ("get", "post"):
                status = getattr(client, method)(url).status_code
                if status not in HIDDEN[method]:
                    failures.append(f"foreign {method.upper()} {route}: {status}")
        if admin_only:
            continue
        unassigned = others["unassigned"]
        url = _url(route, _values(route, unassigned, unassigned.partner_a))
        for method in ("get", "post"):
            status = getattr(_browser(therapist), method)(url).status_code
            if status not in HIDDEN[method]:
                failures.append(f"unassigned {method.upper()} {route}: {status}")
    assert not failures, "\n".join(failures)


ADMIN_ONLY_PAGES = {
    "members",
    "audit",
    "audit-client-access",
    "break-glass",
    "clinic-cases",
    "clinic-settings",
    "exports",
    "export-download",
}


def _named_callbacks(patterns):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _named_callbacks(p.url_patterns)
        else:
            yield p.name, p.callback


def test_admin_only_pages_are_marked_as_such():
    """The pages the navigation shows to admins alone are built on the one admin predicate."""
    marked = {
        name
        for name, callback in _named_callbacks(get_resolver().url_patterns)
        if getattr(callback, "admin_only", False)
    }
    assert marked == ADMIN_ONLY_PAGES


@pytest.mark.django_db
def test_admin_only_pages_refuse_a_therapist_before_any_lookup(admin, therapist, couple, others):
    """Own objects or another clinic's: a therapist gets the same 403 and its reason, so the
    answer reveals nothing about the object."""
    failures = []
    for route, callback in page_routes(STAFF_PREFIX):
        if not getattr(callback, "admin_only", False):
            continue
        for owner_couple in (couple, others["foreign"]):
            values = {
                **_values(route, owner_couple, owner_couple.partner_a),
                "clinic_slug": couple.clinic.slug,
            }
            for method in ("get", "post"):
                response = getattr(_browser(therapist), method)(_url(route, values))
                if response.status_code != 403 or ADMIN_ONLY not in response.content.decode():
                    failures.append(f"{method.upper()} {route}: {response.status_code}")
    assert not failures, "\n".join(failures)


@pytest.mark.django_db
def test_portal_pages_hide_other_couples_and_the_other_partners_material(couple, others):
    me = _browser(couple.partner_a.portal_user)
    failures = []
    for route, _ in page_routes(PORTAL_PREFIX):
        if not _has_objects(route):
            continue
        cases = [
            ("another clinic", others["foreign"], others["foreign"].partner_a),
            ("another couple", others["unassigned"], others["unassigned"].partner_a),
        ]
        if set(_kwargs(route)) & INDIVIDUAL_KWARGS:
            cases.append(("the other partner", couple, couple.partner_b))
        for label, owner_couple, owner in cases:
            url = _url(route, _values(route, owner_couple, owner))
            for method in ("get", "post"):
                status = getattr(me, method)(url).status_code
                if status not in HIDDEN[method]:
                    failures.append(f"{label}: {method.upper()} {route}: {status}")
    assert not failures, "\n".join(failures)


@pytest.mark.django_db
def test_junk_form_posts_never_answer_500(admin, couple):
    couple.therapists.add(admin, through_defaults=couple.assignment_defaults)
    staff, partner = _browser(admin), _browser(couple.partner_a.portal_user)
    failures, statuses = [], []
    for prefix, client in ((STAFF_PREFIX, staff), (PORTAL_PREFIX, partner)):
        for route, _ in page_routes(prefix):
            url = _url(route, _values(route, couple, couple.partner_a))
            for form in JUNK_FORMS:
                status = client.post(url, form).status_code
                statuses.append(status)
                if status >= 500:
                    failures.append(f"POST {url} {str(form)[:50]} -> {status}")
            get_status = client.get(url).status_code
            if get_status >= 500:
                failures.append(f"GET {url} -> {get_status}")
    assert not failures, "\n".join(failures)
    # Forms re-rendered with their errors (200) or redirected after a rule refused the input.
    assert sum(s in (200, 302) for s in statuses) > 40, sorted(set(statuses))


def test_every_model_behind_a_page_has_a_builder():
    for model in PAGE_MODELS.values():
        assert model in BUILDERS, model.__name__
    assert CheckIn in BUILDERS


# A calendar app fetches this by its secret token, with no session; the token is made on a page
# that needs the second factor, and a wrong one is a 404 (test_calendar covers it).
FEEDS_FOR_CALENDAR_APPS = {"c/<slug:clinic_slug>/calendar/feed/<str:token>.ics"}


@pytest.mark.django_db
def test_staff_without_a_second_factor_get_no_clinical_page(clinic, couple):
    """Every staff page, with the member's own objects: an admin assigned to the couple who has
    no second factor is sent to set one up, and no page shows a partner's name."""
    admin = MembershipFactory(clinic=clinic, role="admin", second_factor=False).user
    couple.therapists.add(admin, through_defaults=couple.assignment_defaults)
    client = _browser(admin)
    names = {p.legal_name for p in couple.partners} | {p.display_name for p in couple.partners}
    failures = []
    routes = page_routes(STAFF_PREFIX)
    for route, _ in routes:
        if route in FEEDS_FOR_CALENDAR_APPS:
            continue
        url = _url(route, _values(route, couple, couple.partner_a))
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            location = response.get("Location", "")
            body = response.content.decode()
            if response.status_code != 302 or not location.startswith("/accounts/2fa/totp/"):
                failures.append(f"{method.upper()} {route}: {response.status_code} {location}")
            if any(name in body for name in names):
                failures.append(f"{method.upper()} {route} shows a partner's name")
    assert len(routes) > 20
    assert not failures, "\n".join(failures)


@pytest.mark.django_db
def test_a_login_that_skipped_the_second_factor_reaches_no_clinical_page(clinic, couple):
    """A session that did not pass the second factor the member has (no allauth MFA record)
    is ended and sent to log in again."""
    from django.test import Client

    therapist = couple.therapists.first()
    client = Client()
    client.force_login(therapist)  # Django's own client: no MFA step recorded
    response = client.get(f"/c/{clinic.slug}/couples/{couple.pk}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert "_auth_user_id" not in client.session
