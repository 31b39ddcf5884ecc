"""Every list endpoint and every page, walked from the URL resolver, costs a pinned number of
queries. The two-size tests elsewhere prove a count does not grow with rows; these pins catch a
constant jump too (a lost select_related, an extra audit query). A new list route or page fails
here until its count is pinned below; a changed count must be a deliberate edit of its pin."""

import re

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from tests.clinic.test_page_walk import PAGE_CONSTANTS, PAGE_MODELS, page_routes
from tests.clinic.test_route_walk import CLINIC_PREFIX, PORTAL_PREFIX, _kwargs, api_routes
from tests.conftest import api_client_for
from tests.login import LoginClient as BrowserClient
from tests.world import BUILDERS

pytestmark = pytest.mark.django_db

# route -> queries for one GET with two rows of the route's own model present.
API_PINS: dict[str, int] = {
    "api/v1/clinics/<slug:clinic_slug>/": 4,
    "api/v1/clinics/<slug:clinic_slug>/assessment-summaries/": 11,
    "api/v1/clinics/<slug:clinic_slug>/audit-events/": 10,
    "api/v1/clinics/<slug:clinic_slug>/clients/": 7,
    "api/v1/clinics/<slug:clinic_slug>/couples/": 15,
    "api/v1/clinics/<slug:clinic_slug>/couples/<uuid:couple_id>/adherence/": 6,
    "api/v1/clinics/<slug:clinic_slug>/couples/<uuid:couple_id>/assessment-results/": 8,
    "api/v1/clinics/<slug:clinic_slug>/couples/<uuid:couple_id>/assignments/": 8,
    "api/v1/clinics/<slug:clinic_slug>/couples/<uuid:couple_id>/check-ins/": 8,
    # + the history of policy changes with each partner's consent
    "api/v1/clinics/<slug:clinic_slug>/couples/<uuid:couple_id>/confidentiality/": 7,
    "api/v1/clinics/<slug:clinic_slug>/couples/<uuid:couple_id>/homework/": 10,
    "api/v1/clinics/<slug:clinic_slug>/couples/<uuid:couple_id>/measurement-imports/": 8,
    "api/v1/clinics/<slug:clinic_slug>/couples/<uuid:couple_id>/measurements/": 8,
    "api/v1/clinics/<slug:clinic_slug>/couples/<uuid:couple_id>/practice-logs/": 8,
    "api/v1/clinics/<slug:clinic_slug>/couples/<uuid:couple_id>/regulation/": 7,
    "api/v1/clinics/<slug:clinic_slug>/couples/<uuid:couple_id>/reports/": 7,
    "api/v1/clinics/<slug:clinic_slug>/couples/<uuid:couple_id>/responses/": 8,
    "api/v1/clinics/<slug:clinic_slug>/couples/<uuid:couple_id>/session-summary/": 8,
    "api/v1/clinics/<slug:clinic_slug>/couples/<uuid:couple_id>/sessions/": 8,
    "api/v1/clinics/<slug:clinic_slug>/couples/<uuid:couple_id>/time-out-logs/": 8,
    "api/v1/clinics/<slug:clinic_slug>/exports/": 6,
    "api/v1/clinics/<slug:clinic_slug>/fhir/Questionnaire/": 4,
    "api/v1/clinics/<slug:clinic_slug>/instrument-wordings/": 6,
    "api/v1/clinics/<slug:clinic_slug>/instruments/": 11,
    "api/v1/clinics/<slug:clinic_slug>/invitations/": 6,
    "api/v1/clinics/<slug:clinic_slug>/measurement-kinds/": 4,
    "api/v1/clinics/<slug:clinic_slug>/members/": 6,
    "api/v1/clinics/<slug:clinic_slug>/notes/": 7,
    "api/v1/clinics/<slug:clinic_slug>/reliability-overrides/": 6,
    "api/v1/clinics/<slug:clinic_slug>/risk-alerts/": 7,
    "api/v1/clinics/<slug:clinic_slug>/sessions/": 7,
    "api/v1/portal/check-ins/": 7,
    "api/v1/portal/homework/": 9,
    "api/v1/portal/me/": 5,
    "api/v1/portal/measurements/": 7,
    "api/v1/portal/practice-logs/": 7,
    "api/v1/portal/questionnaires/": 7,
    "api/v1/portal/reports/": 6,
    "api/v1/portal/results/": 7,
    "api/v1/portal/time-out-logs/": 7,
    "api/v1/portal/upcoming-sessions/": 6,
}
PAGE_PINS: dict[str, int] = {
    "c/<slug:clinic_slug>/audit/": 12,
    "c/<slug:clinic_slug>/audit/clients/<uuid:client_id>/access.csv": 16,
    "c/<slug:clinic_slug>/calendar/": 6,
    "c/<slug:clinic_slug>/calendar/day/": 6,
    "c/<slug:clinic_slug>/calendar/feed/": 5,
    "c/<slug:clinic_slug>/caseload/": 15,
    "c/<slug:clinic_slug>/cases/": 5,
    "c/<slug:clinic_slug>/clients/<uuid:client_id>/edit/": 7,
    "c/<slug:clinic_slug>/clients/new/": 4,
    # + the confidentiality panel's history of policy changes and consent, + break-glass notices
    "c/<slug:clinic_slug>/couples/<uuid:couple_id>/": 23,
    "c/<slug:clinic_slug>/couples/<uuid:couple_id>/sessions/": 6,
    "c/<slug:clinic_slug>/couples/<uuid:couple_id>/assessments/assign/": 11,
    # + the history of policy changes and consent, and the audited read of it
    "c/<slug:clinic_slug>/couples/<uuid:couple_id>/confidentiality/": 7,
    "c/<slug:clinic_slug>/couples/<uuid:couple_id>/edit/": 8,
    "c/<slug:clinic_slug>/couples/<uuid:couple_id>/homework/<uuid:homework_id>/": 9,
    "c/<slug:clinic_slug>/couples/<uuid:couple_id>/homework/new/": 5,
    "c/<slug:clinic_slug>/couples/<uuid:couple_id>/measurements/import/": 5,
    "c/<slug:clinic_slug>/couples/<uuid:couple_id>/measurements/import/<uuid:import_id>/": 7,
    "c/<slug:clinic_slug>/couples/<uuid:couple_id>/measurements/new/": 6,
    "c/<slug:clinic_slug>/couples/<uuid:couple_id>/sessions/new/": 6,
    "c/<slug:clinic_slug>/couples/<uuid:couple_id>/status/": 6,
    # both partner lists offer the same clients (none looked for by name): read once
    "c/<slug:clinic_slug>/couples/new/": 6,
    "c/<slug:clinic_slug>/exports/": 5,
    "c/<slug:clinic_slug>/instruments/": 11,
    "c/<slug:clinic_slug>/instruments/<slug:code>/": 11,
    # + the members locked out after failed logins and the invitations waiting
    "c/<slug:clinic_slug>/members/": 8,
    "c/<slug:clinic_slug>/notes/<uuid:note_id>/": 8,
    "c/<slug:clinic_slug>/reports/<uuid:report_id>/download/": 6,
    "c/<slug:clinic_slug>/responses/<uuid:response_id>/": 7,
    "c/<slug:clinic_slug>/sessions/<uuid:session_id>/": 7,
    "c/<slug:clinic_slug>/settings/": 7,
    "portal/": 10,
    "portal/check-in/": 4,
    "portal/entries/": 7,
    "portal/entries/<slug:kind>/<uuid:log_id>/correct/": 9,
    "portal/entries/<slug:kind>/<uuid:log_id>/take-back/": 5,
    "portal/practice/<uuid:homework_id>/guided/": 6,
    "portal/practice/clock/": 4,
    "portal/practice/new/": 7,
    "portal/practice/together/<uuid:joint_id>/": 6,
    "portal/questionnaires/<uuid:response_id>/": 6,
    "portal/readings/new/": 4,
    "portal/reminders/": 4,
    "portal/reports/<uuid:report_id>/download/": 6,
    "portal/results/": 7,
    "portal/time-outs/new/": 4,
}


def _list_routes():
    routes = []
    for route, callback in api_routes():
        if not route.startswith((CLINIC_PREFIX, PORTAL_PREFIX)):
            continue
        if any(k == "pk" for _, k in _kwargs(route)):
            continue
        actions = getattr(callback, "actions", None)
        if actions is not None and actions.get("get") != "list":
            continue
        if actions is None and not hasattr(callback.cls, "get"):
            continue
        routes.append((route, callback))
    return routes


def _fill(route, values):
    return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", lambda m: str(values[m.group(2)]), route)


def _count(client, url, **kwargs):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, **kwargs)
    return response.status_code, len(ctx.captured_queries)


def _rows_of(model, couple, partner, n=2):
    builder = BUILDERS.get(model)
    if builder is None:
        return
    for _ in range(n):
        try:
            with transaction.atomic():
                builder.build(couple, partner)
        except IntegrityError:  # one per couple or per scale: one row is all there can be
            return


def test_every_list_endpoint_costs_its_pinned_queries(admin, couple):
    couple.therapists.add(admin, through_defaults=couple.assignment_defaults)
    partner = couple.partner_a
    staff, portal = api_client_for(admin), api_client_for(partner.portal_user)
    measured, failures = {}, []
    for route, callback in _list_routes():
        _rows_of(getattr(callback.cls, "model", None), couple, partner)
        values = {"clinic_slug": couple.clinic.slug, "couple_id": couple.pk}
        missing = [k for _, k in _kwargs(route) if k not in values]
        if missing:
            failures.append(f"{route}: no value for {missing}")
            continue
        client = portal if route.startswith(PORTAL_PREFIX) else staff
        status, queries = _count(client, _fill(route, values))
        if status != 200:
            failures.append(f"{route}: {status}")
            continue
        measured[route] = queries
    assert not failures, "\n".join(failures)
    assert measured == API_PINS, _diff(measured, API_PINS)


def _page_values(route, couple, partner):
    values = {}
    for _, kwarg in _kwargs(route):
        if kwarg == "clinic_slug":
            values[kwarg] = couple.clinic.slug
        elif kwarg in PAGE_CONSTANTS:
            values[kwarg] = PAGE_CONSTANTS[kwarg]
        else:
            values[kwarg] = BUILDERS[PAGE_MODELS[kwarg]].build(couple, partner).pk
    return values


@pytest.mark.parametrize("prefix", ["c/<slug:clinic_slug>/", "portal/"])
def test_every_page_costs_its_pinned_queries(prefix, admin, couple):
    couple.therapists.add(admin, through_defaults=couple.assignment_defaults)
    partner = couple.partner_a
    browser = BrowserClient()
    browser.force_login(partner.portal_user if prefix == "portal/" else admin)
    pins = {r: n for r, n in PAGE_PINS.items() if r.startswith(prefix)}
    measured = {}
    for route, _callback in page_routes(prefix):
        url = _fill(route, _page_values(route, couple, partner))
        status, queries = _count(browser, url)
        # Pages that only take a POST, or only redirect, have no page to pin.
        if status == 200:
            measured[route] = queries
    assert measured == pins, _diff(measured, pins)


def _diff(measured, pins):
    lines = ["Query counts differ from their pins (route: measured != pinned):"]
    for route in sorted(set(measured) | set(pins)):
        if measured.get(route) != pins.get(route):
            lines.append(f"  {route!r}: {measured.get(route)} != {pins.get(route)}")
    lines.append("Measured, to pin after checking each change is deliberate:")
    lines += [f"    {route!r}: {n}," for route, n in sorted(measured.items())]
    return "\n".join(lines)
