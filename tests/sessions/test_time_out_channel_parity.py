"""A time-out logged through the portal API or the portal page stores the same data: who called
it from the author's side, and the running time-out agreement it belongs to. Migration 0007 links
the logs stored before without their agreement."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone

from clinic.db_roles import migrating
from sessions.models import TimeOutLog
from tests.conftest import api_client_for
from tests.sessions.world import make_agreement


def _when() -> str:
    return (timezone.now() - timedelta(hours=1)).isoformat()


@pytest.fixture
def agreement(couple):
    return make_agreement(couple)


def test_api_time_out_belongs_to_the_running_agreement(couple, agreement):
    api = api_client_for(couple.partner_a.portal_user)
    response = api.post(
        "/api/v1/portal/time-out-logs/",
        {"started_at": _when(), "called_by": "partner", "minutes_apart": 25, "reconvened": True},
        format="json",
    )
    assert response.status_code == 201, response.json()
    log = TimeOutLog.objects.get(pk=response.json()["id"])
    assert log.homework_id == agreement.pk
    assert log.called_by_id == couple.partner_b_id


def test_page_and_api_store_the_same_time_out(client, couple, agreement):
    user = couple.partner_a.portal_user
    client.force_login(user)
    local = timezone.localtime(timezone.now() - timedelta(hours=1), couple.clinic.tz)
    page = client.post(
        reverse("portal-time-out-new"),
        {
            "started_at": local.strftime("%Y-%m-%dT%H:%M"),
            "called_by": "me",
            "minutes_apart": "25",
            "reconvened": "yes",
            "intensity": "5",
        },
    )
    assert page.status_code == 302, page.content.decode()[:500]
    api = api_client_for(user).post(
        "/api/v1/portal/time-out-logs/",
        {"started_at": _when(), "called_by": "me", "minutes_apart": 25, "reconvened": True},
        format="json",
    )
    assert api.status_code == 201
    logs = TimeOutLog.objects.filter(couple=couple)
    assert {(log.homework_id, log.called_by_id) for log in logs} == {
        (agreement.pk, couple.partner_a_id)
    }


def test_other_partner_of_a_couple(couple):
    assert couple.other_partner(couple.partner_a) == couple.partner_b
    assert couple.other_partner(couple.partner_b) == couple.partner_a


@pytest.mark.django_db(transaction=True)
def test_migration_links_unlinked_time_outs_to_the_agreement_then_running():
    with migrating():  # as the owner of the tables, as `manage.py migrate` runs
        _migration_links_unlinked_time_outs()


def _migration_links_unlinked_time_outs():
    before = [("therapy_sessions", "0006_note_cosigner_reassign")]
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    executor.migrate(before)
    try:
        old = executor.loader.project_state(before).apps
        clinic = old.get_model("clinic", "Clinic").objects.create(
            name="Old", slug="old", time_zone="UTC"
        )
        user = old.get_model("clinic", "User").objects.create(email="t@old.example", password="!")
        client = old.get_model("clinic", "Client")
        a = client.objects.create(clinic=clinic, legal_name="A Partner")
        b = client.objects.create(clinic=clinic, legal_name="B Partner")
        couple = old.get_model("clinic", "Couple").objects.create(
            clinic=clinic, partner_a=a, partner_b=b, status="active"
        )
        homework = old.get_model("therapy_sessions", "Homework")
        t0 = datetime(2026, 1, 5, 10, tzinfo=UTC)
        ended = homework.objects.create(
            clinic=clinic,
            couple=couple,
            kind="time_out",
            title="First",
            start_date=date(2026, 1, 1),
            created_by=user,
            created_at=t0,
            ended_at=t0 + timedelta(days=10),
        )
        running = homework.objects.create(
            clinic=clinic,
            couple=couple,
            kind="time_out",
            title="Second",
            start_date=date(2026, 1, 15),
            created_by=user,
            created_at=t0 + timedelta(days=10),
        )
        logs = old.get_model("therapy_sessions", "TimeOutLog")

        def log_at(moment):
            return logs.objects.create(
                clinic=clinic,
                couple=couple,
                partner=a,
                author=user,
                started_at=moment,
                created_at=moment,
                called_by=b,
                minutes_apart=20,
                reconvened=True,
            )

        early = log_at(t0 - timedelta(days=1))
        during_first = log_at(t0 + timedelta(days=2))
        during_second = log_at(t0 + timedelta(days=12))

        executor = MigrationExecutor(connection)
        executor.migrate([("therapy_sessions", "0007_time_out_logs_belong_to_agreement")])
        new = executor.loader.project_state(
            [("therapy_sessions", "0007_time_out_logs_belong_to_agreement")]
        ).apps
        stored = dict(
            new.get_model("therapy_sessions", "TimeOutLog").objects.values_list("pk", "homework_id")
        )
        assert stored == {early.pk: None, during_first.pk: ended.pk, during_second.pk: running.pk}
    finally:
        MigrationExecutor(connection).migrate(latest)
