"""Migration 0003 grades alerts raised before severities existed by the rule new alerts use."""

from datetime import UTC, date, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("assessments", "0002_response_lock_triggers")]
AFTER = [("assessments", "0003_alert_severity_and_draft")]


@pytest.mark.django_db(transaction=True)
def test_existing_alerts_are_graded_urgent_or_to_review():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    try:
        old = executor.loader.project_state(BEFORE).apps
        clinic = old.get_model("clinic", "Clinic").objects.create(name="Old", slug="old")
        client = old.get_model("clinic", "Client")
        a = client.objects.create(clinic=clinic, legal_name="A Partner")
        b = client.objects.create(clinic=clinic, legal_name="B Partner")
        couple = old.get_model("clinic", "Couple").objects.create(
            clinic=clinic, partner_a=a, partner_b=b
        )
        assignment = old.get_model("assessments", "Assignment").objects.create(
            clinic=clinic,
            couple=couple,
            partner=a,
            instrument_code="phq9",
            instrument_version=1,
            first_due_on=date(2026, 1, 5),
        )
        response = old.get_model("assessments", "Response").objects.create(
            clinic=clinic,
            couple=couple,
            partner=a,
            assignment=assignment,
            instrument_code="phq9",
            instrument_version=1,
            opens_on=date(2026, 1, 1),
            due_on=date(2026, 1, 5),
        )
        alert = old.get_model("assessments", "RiskAlert")
        common = {"clinic": clinic, "couple": couple, "partner": a, "response": response}
        endorsed = alert.objects.create(**common, item_number=9, value=2, severity="alert")
        blank = alert.objects.create(**common, item_number=8, value=None, severity="alert")
        soft = alert.objects.create(**common, item_number=16, value=3, severity="soft")
        seen = alert.objects.create(
            **common,
            item_number=7,
            value=1,
            severity="alert",
            acknowledged_at=datetime(2026, 1, 6, tzinfo=UTC),
        )

        executor = MigrationExecutor(connection)
        executor.migrate(AFTER)
        new = executor.loader.project_state(AFTER).apps.get_model("assessments", "RiskAlert")
        graded = dict(new.objects.values_list("pk", "severity"))
        assert graded == {
            endorsed.pk: "urgent",
            blank.pk: "review",
            soft.pk: "review",
            seen.pk: "urgent",  # acknowledged alerts are graded too
        }
        assert not new.objects.filter(from_draft=True).exists()
    finally:
        MigrationExecutor(connection).migrate(
            list(MigrationExecutor(connection).loader.graph.leaf_nodes())
        )


def test_quick_start_sqlite_database_keeps_the_response_and_alert_guards(tmp_path):
    import os
    import sqlite3
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    path = tmp_path / "quick.sqlite3"
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "SECURE_SSL_REDIRECT"}
    }
    env.update(DEBUG="true", DATABASE_URL=f"sqlite:///{path}")
    result = subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    triggers = dict(
        sqlite3.connect(path).execute("SELECT name, sql FROM sqlite_master WHERE type='trigger'")
    )
    for name in (
        "assessments_response_no_delete",
        "assessments_riskalert_no_delete",
        "assessments_riskalert_acknowledged_lock",
        "therapy_sessions_sessionnote_signed_lock",
    ):
        assert name in triggers
    assert "'declined'" in triggers["assessments_response_submitted_lock"]
