"""Migrations apply to a database that already holds data: roll back to the first schema, fill
it with a couple's records through the historical models, then migrate forward to the latest
state and find everything still there. Each later release moves BASELINE to what it replaced."""

from datetime import UTC, date, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from clinic.db_roles import migrating

BASELINE = [
    ("clinic", "0002_auditevent_append_only_trigger"),
    ("therapy_sessions", "0001_initial"),
    ("assessments", "0001_initial"),
    ("reports", "0001_initial"),
]


def _latest(executor):
    return [key for key in executor.loader.graph.leaf_nodes() if key[0] in dict(BASELINE)]


@pytest.mark.django_db(transaction=True)
def test_later_migrations_apply_to_a_database_holding_data():
    # Migrations run as the owner of the tables, as `manage.py migrate` does.
    with migrating():
        executor = MigrationExecutor(connection)
        latest = _latest(executor)
        executor.migrate(BASELINE)
        try:
            _fill_and_migrate_forward(executor, latest)
        finally:
            # Whatever happened, leave the test database at the latest schema for the others.
            MigrationExecutor(connection).migrate(latest)


def _fill_and_migrate_forward(executor, latest):
    old = executor.loader.project_state(BASELINE).apps

    clinic = old.get_model("clinic", "Clinic").objects.create(
        name="Old", slug="old", time_zone="UTC"
    )
    user = old.get_model("clinic", "User").objects.create(email="t@old.example", password="!")
    old.get_model("clinic", "Membership").objects.create(clinic=clinic, user=user, role="therapist")
    client = old.get_model("clinic", "Client")
    a = client.objects.create(clinic=clinic, legal_name="A Partner")
    b = client.objects.create(clinic=clinic, legal_name="B Partner")
    couple = old.get_model("clinic", "Couple").objects.create(
        clinic=clinic, partner_a=a, partner_b=b, status="active"
    )
    couple.therapists.add(user)  # the auto-created table, before CoupleTherapist
    events = old.get_model("clinic", "AuditEvent").objects
    for action in ("create", "read"):  # written before the audit chain existed
        events.create(clinic=clinic, action=action, object_type="clinic.couple")
    old.get_model("therapy_sessions", "TherapySession").objects.create(
        clinic=clinic,
        couple=couple,
        therapist=user,
        starts_at=datetime(2026, 1, 5, 10, tzinfo=UTC),
        status="held",
        partner_a_attended=True,
        partner_b_attended=True,
    )
    old.get_model("reports", "ProgressReport").objects.create(
        clinic=clinic,
        couple=couple,
        audience="clinical",
        period_start=date(2026, 1, 1),
        period_end=date(2026, 1, 31),
        request_id=couple.pk,
    )

    executor = MigrationExecutor(connection)
    executor.migrate(latest)
    new = executor.loader.project_state(latest).apps
    assert new.get_model("clinic", "Couple").objects.get(pk=couple.pk).partner_a_id == a.pk
    assert (
        new.get_model("therapy_sessions", "TherapySession")
        .objects.filter(couple_id=couple.pk)
        .count()
        == 1
    )
    assert (
        new.get_model("reports", "ProgressReport").objects.filter(couple_id=couple.pk).count() == 1
    )
    # The assignment became a tenant row carrying the couple's clinic.
    assignments = new.get_model("clinic", "CoupleTherapist").objects.filter(couple_id=couple.pk)
    assert list(assignments.values_list("therapist_id", "clinic_id")) == [(user.pk, clinic.pk)]
    # Events written before the chain were chained in the order they happened.
    chained = list(
        new.get_model("clinic", "AuditEvent")
        .objects.filter(clinic_id=clinic.pk)
        .order_by("seq")
        .values_list("seq", "action", "prev_hash", "hash")
    )
    assert [(seq, action) for seq, action, *_ in chained] == [(1, "create"), (2, "read")]
    assert chained[0][2] == "" and chained[1][2] == chained[0][3] != ""
