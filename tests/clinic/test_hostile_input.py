"""Two inputs that used to answer 500 anywhere in the API: a JSON body nested very deep, and a
date filter with a UTC offset PostgreSQL does not accept (beyond +-15:59)."""

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from clinic.api_schema import documented_query_parameters
from clinic.parsers import MAX_DEPTH, nesting_depth
from sessions.models import TherapySession
from tests.clinic.test_route_walk import CLINIC_PREFIX, _fill, _kwargs, _methods, api_routes
from tests.conftest import api_client_for
from tests.sessions.world import make_session

pytestmark = pytest.mark.django_db


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def test_nesting_depth_counts_lists_and_objects_without_recursion():
    assert nesting_depth(1) == 0
    assert nesting_depth({"a": [1, {"b": []}]}) == 4
    assert nesting_depth(json.loads(_nested(900))) == 900


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 1000, 100_000])
def test_a_deeply_nested_body_is_a_400_even_at_the_open_login(depth):
    response = APIClient().post(
        reverse("api-login"), data=_nested(depth), content_type="application/json"
    )
    assert response.status_code == 400
    assert f"nested deeper than {MAX_DEPTH} levels" in response.json()["detail"]


def test_a_deeply_nested_body_is_a_400_on_a_clinic_route(clinic, admin):
    url = f"/api/v1/clinics/{clinic.slug}/clients/"
    body = json.dumps({"legal_name": "A", "notes": json.loads(_nested(MAX_DEPTH + 5))})
    response = api_client_for(admin).post(url, data=body, content_type="application/json")
    assert response.status_code == 400
    assert "nested deeper" in response.json()["detail"]


def test_an_ordinary_body_still_reaches_the_view():
    response = APIClient().post(
        reverse("api-login"),
        data={"email": "nobody@example.test", "password": "wrong"},
        format="json",
    )
    assert response.status_code == 400
    assert "nested" not in json.dumps(response.json())


DATE_FILTERS = ("since", "until", "starts_after", "starts_before")
FAR_EAST = timezone(timedelta(hours=20))  # valid in Python and ISO 8601; PostgreSQL refuses it
FAR_WEST = timezone(-timedelta(hours=18, minutes=30))


def test_instants_with_any_offset_reach_postgresql_as_utc(couple):
    session = make_session(couple, starts_at=datetime(2026, 3, 2, 9, tzinfo=UTC))
    # 2026-03-02 09:00 UTC is 2026-03-03 05:00 at +20:00 and 2026-03-01 14:30 at -18:30.
    assert (
        TherapySession.objects.filter(starts_at__gte=datetime(2026, 3, 3, 5, tzinfo=FAR_EAST)).get()
        == session
    )
    assert not TherapySession.objects.filter(
        starts_at__gt=datetime(2026, 3, 3, 5, tzinfo=FAR_EAST)
    ).exists()
    assert (
        TherapySession.objects.filter(starts_at__lt=datetime(2026, 3, 1, 15, tzinfo=FAR_WEST)).get()
        == session
    )


def test_no_list_route_answers_500_to_date_filters_with_far_offsets(clinic, admin, couple):
    couple.therapists.add(admin, through_defaults=couple.assignment_defaults)
    client = api_client_for(admin)
    client.raise_request_exception = False
    instant = "2026-01-01T00:00:00+20:00"
    documented = documented_query_parameters()
    answered, failures = [], []
    for route, callback in api_routes():
        if not route.startswith(CLINIC_PREFIX) or "GET" not in _methods(callback):
            continue
        if any(kwarg not in {"clinic_slug", "couple_id"} for _, kwarg in _kwargs(route)):
            continue  # a list route: the clinic's, or one couple's
        taken = documented.get(
            (callback.cls, "GET", (getattr(callback, "actions", None) or {}).get("get")), ()
        )
        params = {name: instant for name in DATE_FILTERS if name in taken}
        if not params:
            continue  # (an undocumented parameter is refused before any filter reads it)
        url = _fill(route, {"clinic_slug": clinic.slug, "couple_id": couple.pk})
        response = client.get(url, params)
        answered.append(response.status_code)
        if response.status_code >= 500:
            failures.append(f"GET {url} -> {response.status_code}")
    assert failures == []
    assert answered.count(200) >= 4, answered
