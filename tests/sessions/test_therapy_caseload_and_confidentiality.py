"""The caseload's next and last session per couple (fixed query count), the couple's
confidentiality endpoint, and what partners may see of sessions."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clinic.models import AuditEvent
from sessions.portal.selectors import upcoming_sessions_for
from sessions.therapy.extensions import load_caseload_sessions
from tests.conftest import api_client_for
from tests.factories import CoupleFactory, MembershipFactory, open_by_break_glass
from tests.sessions.world import make_held_session, make_session

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CONSENTED = {
    "policy": "shared",
    "applies_to": "all",
    "partner_a_consent_on": "2026-01-10",
    "partner_a_consent_method": "in_session",
    "partner_b_consent_on": "2026-01-10",
    "partner_b_consent_method": "in_session",
    "confirm": True,
}


def url(clinic, path=""):
    return f"/api/v1/clinics/{clinic.slug}/{path}"


@time_machine.travel(NOW, tick=False)
def test_caseload_value_is_next_scheduled_and_last_held(clinic, couple, therapist):
    make_held_session(couple, starts_at=NOW - timedelta(days=14))
    last = make_held_session(couple, starts_at=NOW - timedelta(days=7))
    make_session(couple, starts_at=NOW - timedelta(days=3), status="no_show", status_reason="x")
    make_session(couple, starts_at=NOW + timedelta(days=1), status="cancelled", status_reason="x")
    upcoming = make_session(couple, starts_at=NOW + timedelta(days=2, hours=8))
    make_session(couple, starts_at=NOW + timedelta(days=9))
    membership = therapist.memberships.get()
    value = load_caseload_sessions(clinic=clinic, membership=membership, couples=[couple])[
        couple.pk
    ]
    assert value["next"]["id"] == str(upcoming.pk)
    assert value["last"]["id"] == str(last.pk)
    assert value["next"]["label"] == "Wed 4 Mar 2026, 17:00"


def test_caseload_value_is_empty_without_sessions(clinic, couple, therapist):
    value = load_caseload_sessions(
        clinic=clinic, membership=therapist.memberships.get(), couples=[couple]
    )
    assert value == {couple.pk: {"next": None, "last": None}}


def _caseload_queries(client, clinic):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("caseload", args=[clinic.slug]))
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


def _add_couples(clinic, therapist, n):
    for i in range(n):
        couple = CoupleFactory(clinic=clinic, therapists=[therapist])
        make_held_session(couple, starts_at=NOW - timedelta(days=i + 1))
        make_session(couple, starts_at=NOW + timedelta(days=i + 1))


@time_machine.travel(NOW, tick=False)
def test_caseload_page_query_count_is_the_same_for_3_and_60_couples(client, clinic, therapist):
    client.force_login(therapist)
    _add_couples(clinic, therapist, 3)
    small, html = _caseload_queries(client, clinic)
    assert html.count("Next session:") == 3
    _add_couples(clinic, therapist, 57)
    large, html = _caseload_queries(client, clinic)
    assert html.count("Next session:") == 50  # the first page of 50
    assert small == large


@time_machine.travel(NOW, tick=False)
def test_enricher_uses_two_queries_for_any_number_of_couples(clinic, therapist):
    _add_couples(clinic, therapist, 25)
    couples = list(CoupleFactory._meta.model.objects.filter(clinic=clinic))
    membership = therapist.memberships.get()
    with CaptureQueriesContext(connection) as ctx:
        values = load_caseload_sessions(clinic=clinic, membership=membership, couples=couples)
    assert len(ctx.captured_queries) == 2
    assert all(v["next"] and v["last"] for v in values.values())


@time_machine.travel(NOW, tick=False)
def test_session_summary_endpoint(therapist, clinic, couple):
    upcoming = make_session(couple, starts_at=NOW + timedelta(days=1))
    body = api_client_for(therapist).get(url(clinic, f"couples/{couple.pk}/session-summary/"))
    assert body.status_code == 200
    assert body.json()["next"]["id"] == str(upcoming.pk)
    assert body.json()["last"] is None


def test_therapist_changes_the_confidentiality_policy_audited(therapist, clinic, couple):
    api = api_client_for(therapist)
    current = api.get(url(clinic, f"couples/{couple.pk}/confidentiality/")).json()
    assert current == {
        "policy": "inherit",
        "effective_policy": "private",
        "shared_since": None,
        "clinic_default": "private",
        "history": [],
    }
    response = api.post(
        url(clinic, f"couples/{couple.pk}/confidentiality/"), CONSENTED, format="json"
    )
    assert response.status_code == 200
    assert response.json()["effective_policy"] == "shared"
    couple.refresh_from_db()
    assert couple.individual_material_policy == "shared"
    event = AuditEvent.objects.get(object_id=str(couple.pk), action="confidentiality")
    assert event.actor == therapist
    assert (event.detail["from"], event.detail["to"]) == ("inherit", "shared")
    assert (event.detail["effective_from"], event.detail["effective_to"]) == ("private", "shared")


def test_confidentiality_policy_refuses_unknown_values_and_unassigned_staff(
    therapist, other_therapist, clinic, couple
):
    bad = api_client_for(therapist).post(
        url(clinic, f"couples/{couple.pk}/confidentiality/"),
        {**CONSENTED, "policy": "everyone"},
        format="json",
    )
    assert bad.status_code == 400
    assert "policy" in bad.json()["errors"]
    hidden = api_client_for(other_therapist).post(
        url(clinic, f"couples/{couple.pk}/confidentiality/"), CONSENTED, format="json"
    )
    assert hidden.status_code == 404
    couple.refresh_from_db()
    assert couple.individual_material_policy == "inherit"


@time_machine.travel(NOW, tick=False)
def test_partner_sees_joint_and_own_individual_sessions_only_unless_shared(clinic, couple):
    joint = make_session(couple, starts_at=NOW + timedelta(days=1))
    mine = make_session(
        couple, kind="individual", partner=couple.partner_a, starts_at=NOW + timedelta(days=2)
    )
    theirs = make_session(
        couple, kind="individual", partner=couple.partner_b, starts_at=NOW + timedelta(days=3)
    )
    make_session(couple, starts_at=NOW + timedelta(days=4), status="cancelled", status_reason="x")
    seen = upcoming_sessions_for(couple=couple, client=couple.partner_a)
    assert seen == [joint, mine]
    couple.individual_material_policy = "shared"
    couple.save()
    assert upcoming_sessions_for(couple=couple, client=couple.partner_a) == [joint, mine, theirs]


def test_admin_changes_policy_of_a_couple_opened_by_break_glass(admin, clinic):
    couple = CoupleFactory(clinic=clinic, therapists=[MembershipFactory(clinic=clinic).user])
    open_by_break_glass(couple, admin)
    response = api_client_for(admin).post(
        url(clinic, f"couples/{couple.pk}/confidentiality/"),
        {**CONSENTED, "policy": "private"},
        format="json",
    )
    assert response.status_code == 200
