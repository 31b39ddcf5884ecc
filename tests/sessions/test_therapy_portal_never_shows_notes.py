"""Clients see no session notes at all: walk every portal route (API and pages) without URL
objects as each partner and prove no note text, note id or addendum leaks."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from sessions.models import NoteAddendum, SessionKind
from tests.conftest import api_client_for
from tests.sessions.world import make_held_session, make_note, make_signed_note

pytestmark = pytest.mark.django_db

SECRET_JOINT = "JOINT-NOTE-TEXT-7f3a"
SECRET_INDIVIDUAL = "INDIVIDUAL-NOTE-TEXT-91bc"
SECRET_ADDENDUM = "ADDENDUM-TEXT-55d2"


def _walk(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern)


def portal_routes_without_objects():
    routes = [
        r
        for r in _walk(get_resolver().url_patterns)
        if r.startswith(("api/v1/portal/", "portal/")) and not re.search(r"<[^>]+>", r)
    ]
    return ["/" + r for r in routes]


def test_the_walk_sees_portal_routes():
    routes = portal_routes_without_objects()
    assert "/portal/" in routes and "/api/v1/portal/me/" in routes


@pytest.mark.parametrize("shared", [False, True])
def test_no_portal_route_shows_any_session_note(client, couple, shared):
    couple.individual_material_policy = "shared" if shared else "private"
    couple.save()
    joint = make_signed_note(
        couple=couple, template="free", sections={"text": SECRET_JOINT}, risk_plan=""
    )
    NoteAddendum.objects.create(
        clinic=couple.clinic, note=joint, author=joint.author, text=SECRET_ADDENDUM
    )
    individual_session = make_held_session(
        couple, kind=SessionKind.INDIVIDUAL, partner=couple.partner_b
    )
    individual = make_note(
        individual_session, template="free", sections={"text": SECRET_INDIVIDUAL}
    )
    secrets = (SECRET_JOINT, SECRET_INDIVIDUAL, SECRET_ADDENDUM, str(joint.pk), str(individual.pk))
    for partner in couple.partners:
        api = api_client_for(partner.portal_user)
        client.force_login(partner.portal_user)
        for route in portal_routes_without_objects():
            response = (api if route.startswith("/api/") else client).get(route)
            assert response.status_code < 500, route
            body = response.content.decode()
            for secret in secrets:
                assert secret not in body, f"{route} shows {secret} to {partner}"
