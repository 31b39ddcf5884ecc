"""Every API route, called on its own clinic's real objects with junk bodies, answers a client
error at worst: bad input is a 4xx with field errors, never a 500. Routes are read from the URL
resolver, so a route added tomorrow is covered too."""

import pytest
from rest_framework.test import APIClient

from tests.clinic.test_route_walk import (
    CLINIC_PREFIX,
    PORTAL_PREFIX,
    _fill,
    _kwargs,
    _methods,
    _model_for,
    api_routes,
)
from tests.conftest import api_client_for
from tests.world import BUILDERS

JUNK_BODIES = [
    {},
    {"id": "not-a-uuid", "partner": [1, 2], "version": "x", "status": {"a": 1}, "email": 7},
    {
        "starts_at": "tomorrow",
        "period_start": "2026-02-30",
        "answers": "zzz",
        "value": "NaN",
        "kind": "?",
    },
    dict.fromkeys(("legal_name", "summary", "text", "note", "title", "signal"), "x" * 20000),
    ["not", "an", "object"],
]


def _own_values(route, callback, couple):
    values = {}
    for _, kwarg in _kwargs(route):
        if kwarg == "clinic_slug":
            values[kwarg] = couple.clinic.slug
        else:
            values[kwarg] = BUILDERS[_model_for(callback, kwarg)].build(couple, couple.partner_a).pk
    return values


def _send(client: APIClient, method: str, url: str, body):
    return getattr(client, method.lower())(url, data=body, format="json")


@pytest.mark.django_db
def test_no_api_route_answers_500_to_junk(clinic, admin, couple):
    couple.therapists.add(admin, through_defaults=couple.assignment_defaults)
    staff = api_client_for(admin)
    partner = api_client_for(couple.partner_a.portal_user)
    staff.raise_request_exception = partner.raise_request_exception = False
    failures, statuses = [], []
    for route, callback in api_routes():
        if route.startswith(CLINIC_PREFIX):
            client = staff
        elif route.startswith(PORTAL_PREFIX):
            client = partner
        else:
            continue
        url = _fill(route, _own_values(route, callback, couple))
        for method in _methods(callback):
            for body in JUNK_BODIES if method != "GET" else [{}]:
                response = _send(client, method, url, body)
                statuses.append(response.status_code)
                if response.status_code >= 500:
                    failures.append(f"{method} {url} {str(body)[:60]} -> {response.status_code}")
    assert not failures, "\n".join(failures)
    # The walk reached the views' validation and success paths, not only lookups that 404.
    assert statuses.count(400) > 100 and sum(200 <= s < 300 for s in statuses) > 50, sorted(
        set(statuses)
    )
