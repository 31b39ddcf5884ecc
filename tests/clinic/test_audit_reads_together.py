"""A request writes the reads it audits in one INSERT when its work is done, not one per panel
or section (clinic.audit.reads_written_together): every record shown is still audited, in the
request's transaction, chained like any other event. Outside the test transaction
(transactional_db), as a server runs."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clinic.audit import reads_written_together, record_read
from clinic.audit_chain import verify
from clinic.models import AuditEvent
from clinic.tenancy import request_transaction, scope, scopes_disabled
from tests.conftest import api_client_for
from tests.login import LoginClient
from tests.world import BUILDERS

pytestmark = pytest.mark.django_db(transaction=True)

INSERT_AUDIT = 'INSERT INTO "clinic_auditevent"'


def _audit_inserts(ctx) -> int:
    return sum(1 for q in ctx.captured_queries if q["sql"].startswith(INSERT_AUDIT))


def _reads(clinic) -> list[AuditEvent]:
    with scopes_disabled():
        return list(AuditEvent.objects.filter(clinic=clinic, action="read"))


def _history(couple):
    """Material in several panels of the couple page: sessions, questionnaires, logs."""
    from assessments.models import Response
    from sessions.models import CheckIn, PracticeLog, TherapySession

    with scopes_disabled():
        for model in (TherapySession, Response, PracticeLog, CheckIn):
            for _ in range(2):
                BUILDERS[model].build(couple, couple.partner_a)


def test_the_couple_page_writes_every_panel_s_reads_in_one_insert(clinic, admin, couple):
    couple.therapists.add(admin, through_defaults=couple.assignment_defaults)
    _history(couple)
    browser = LoginClient()
    browser.force_login(admin)
    with CaptureQueriesContext(connection) as ctx:
        response = browser.get(f"/c/{clinic.slug}/couples/{couple.pk}/")
    assert response.status_code == 200
    assert _audit_inserts(ctx) == 1
    reads = _reads(clinic)
    kinds = {event.object_type for event in reads}
    # The couple itself and what the panels showed, each record its own event.
    assert {"clinic.couple", "therapy_sessions.therapysession"} <= kinds
    assert {"assessments.response", "therapy_sessions.practicelog"} <= kinds
    assert all(event.actor_id == admin.pk and event.channel == "page" for event in reads)
    assert all(event.couple_id == couple.pk for event in reads)
    assert [r.broken for r in verify(connection)] == [""]


def test_the_portal_home_writes_its_reads_in_one_insert(clinic, couple):
    _history(couple)
    partner = couple.partner_a
    browser = LoginClient()
    browser.force_login(partner.portal_user)
    with CaptureQueriesContext(connection) as ctx:
        response = browser.get("/portal/")
    assert response.status_code == 200
    assert _audit_inserts(ctx) == 1
    assert {event.channel for event in _reads(clinic)} == {"portal"}


def test_an_api_request_writes_its_reads_in_one_insert(clinic, admin, couple):
    couple.therapists.add(admin, through_defaults=couple.assignment_defaults)
    _history(couple)
    with CaptureQueriesContext(connection) as ctx:
        response = api_client_for(admin).get(
            f"/api/v1/clinics/{clinic.slug}/couples/{couple.pk}/sessions/"
        )
    assert response.status_code == 200
    assert _audit_inserts(ctx) == 1
    assert len(_reads(clinic)) == 2


def test_reads_wait_for_the_end_of_the_request_and_go_with_its_transaction(clinic, couple):
    with request_transaction(), scope(clinic=clinic):
        with reads_written_together():
            record_read(None, couple, clinic=clinic)
            assert _reads(clinic) == []  # collected, not yet written
        assert len(_reads(clinic)) == 1  # written when the request's work was done
    with pytest.raises(RuntimeError, match="the view failed"):
        _failing_request(clinic, couple)
    assert len(_reads(clinic)) == 1  # the failed request's read went with its transaction


def _failing_request(clinic, couple) -> None:
    with request_transaction(), scope(clinic=clinic), reads_written_together():
        record_read(None, couple, clinic=clinic)
        raise RuntimeError("the view failed")


def test_a_read_outside_a_request_is_written_at_once(clinic, couple):
    with scope(clinic=clinic):
        record_read(None, couple, clinic=clinic)
    assert len(_reads(clinic)) == 1
