"""A request in a clinic runs in one database transaction: row security's clinic setting is
sent once, not around every statement (clinic.tenancy.request_transaction). Outside the test
transaction (transactional_db), as a server runs."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clinic.models import AuditEvent, Client
from clinic.tenancy import request_transaction, scopes_disabled
from tests.conftest import api_client_for
from tests.factories import ClientFactory, CoupleFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _commits(ctx) -> int:
    return sum(1 for q in ctx.captured_queries if q["sql"] == "COMMIT")


def _read_events(clinic) -> int:
    with scopes_disabled():
        return AuditEvent.objects.filter(clinic=clinic, action="read").count()


def test_a_clinic_page_runs_in_one_transaction(client, clinic, admin):
    for _ in range(3):
        CoupleFactory(clinic=clinic, therapists=[admin])
    client.force_login(admin)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(f"/c/{clinic.slug}/caseload/")
    assert response.status_code == 200
    assert _commits(ctx) == 1
    assert _read_events(clinic) == 3  # the reads it audited were committed


def test_a_clinic_api_request_runs_in_one_transaction(clinic, admin):
    for _ in range(3):
        CoupleFactory(clinic=clinic, therapists=[admin])
    api = api_client_for(admin)
    with CaptureQueriesContext(connection) as ctx:
        response = api.get(f"/api/v1/clinics/{clinic.slug}/couples/")
    assert response.status_code == 200
    assert _commits(ctx) == 1
    assert _read_events(clinic) == 3


def _failing_request(clinic) -> None:
    with request_transaction(), scopes_disabled():
        ClientFactory(clinic=clinic, legal_name="Never Kept")
        raise RuntimeError("the view failed")


def test_a_request_that_fails_keeps_none_of_its_writes(clinic):
    with pytest.raises(RuntimeError, match="the view failed"):
        _failing_request(clinic)
    with scopes_disabled():
        assert not Client.objects.filter(legal_name="Never Kept").exists()
