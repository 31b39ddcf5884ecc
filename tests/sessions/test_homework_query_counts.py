"""List endpoints not covered elsewhere cost the same number of queries at two sizes."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sessions.homework.services import agreement_revise
from tests.conftest import api_client_for
from tests.sessions.world import (
    make_agreement,
    make_measurement,
    make_practice,
    make_practice_log,
    make_session,
)

pytestmark = pytest.mark.django_db


def count(client, path):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200, response.content[:500]
    return len(ctx.captured_queries), response.json()


def staff_url(couple, rest):
    return f"/api/v1/clinics/{couple.clinic.slug}/couples/{couple.pk}/{rest}"


def test_adherence_costs_the_same_for_1_and_12_homework(couple, therapist):
    client = api_client_for(therapist)

    def add():
        practice = make_practice(couple, start_date=date(2025, 1, 6))
        for partner in couple.partners:
            make_practice_log(couple, partner, homework=practice)

    add()
    small, rows = count(client, staff_url(couple, "adherence/"))
    assert len(rows) == 1
    for _ in range(11):
        add()
    large, rows = count(client, staff_url(couple, "adherence/"))
    assert len(rows) == 12
    assert small == large


def test_agreement_versions_cost_the_same_for_1_and_8_versions(couple, therapist):
    agreement = make_agreement(couple, by=therapist)
    client = api_client_for(therapist)
    path = staff_url(couple, f"homework/{agreement.pk}/versions/")
    small, versions = count(client, path)
    assert len(versions) == 1
    for minutes in range(21, 28):
        agreement_revise(homework=agreement, by=therapist, min_break_minutes=minutes)
    large, versions = count(client, path)
    assert len(versions) == 8
    assert small == large


def test_portal_measurements_cost_the_same_for_2_and_40_readings(couple):
    client = api_client_for(couple.partner_a.portal_user)
    for i in range(2):
        make_measurement(couple, couple.partner_a, measured_at=timezone.now() - timedelta(days=i))
    small, body = count(client, "/api/v1/portal/measurements/?page_size=100")
    assert body["count"] == 2
    for i in range(2, 40):
        make_measurement(couple, couple.partner_a, measured_at=timezone.now() - timedelta(days=i))
    large, body = count(client, "/api/v1/portal/measurements/?page_size=100")
    assert body["count"] == 40
    assert small == large


def test_upcoming_sessions_cost_the_same_for_1_and_10_sessions(couple):
    client = api_client_for(couple.partner_a.portal_user)
    make_session(couple)
    small, rows = count(client, "/api/v1/portal/upcoming-sessions/")
    assert len(rows) == 1
    for i in range(9):
        make_session(couple, starts_at=timezone.now() + timedelta(days=i + 2))
    large, rows = count(client, "/api/v1/portal/upcoming-sessions/")
    assert len(rows) == 10
    assert small == large
