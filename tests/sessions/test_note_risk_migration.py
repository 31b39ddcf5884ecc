"""Migration 0008 takes the old "no concerns" default off drafts nobody answered, and leaves
signed notes (final) and drafts with a written answer as they were."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("therapy_sessions", "0012_breathing_together")]
AFTER = [("therapy_sessions", "0013_note_risk_not_chosen")]


@pytest.mark.django_db(transaction=True)
def test_unanswered_drafts_lose_the_old_default_and_signed_notes_keep_theirs():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    try:
        old = executor.loader.project_state(BEFORE).apps
        clinic = old.get_model("clinic", "Clinic").objects.create(name="Old", slug="old")
        user = old.get_model("clinic", "User").objects.create(email="t@old.example", password="!")
        client = old.get_model("clinic", "Client")
        a = client.objects.create(clinic=clinic, legal_name="A Partner")
        b = client.objects.create(clinic=clinic, legal_name="B Partner")
        couple = old.get_model("clinic", "Couple").objects.create(
            clinic=clinic, partner_a=a, partner_b=b
        )
        session = old.get_model("therapy_sessions", "TherapySession")
        note = old.get_model("therapy_sessions", "SessionNote")

        def held(day):
            return session.objects.create(
                clinic=clinic,
                couple=couple,
                therapist=user,
                starts_at=datetime(2026, 1, day, 10, tzinfo=UTC),
                status="held",
            )

        common = {"clinic": clinic, "author": user, "template": "free"}
        untouched = note.objects.create(**common, session=held(5), risk_level="none")
        answered = note.objects.create(
            **common, session=held(6), risk_level="concerns", risk_concerns="Threat"
        )
        signed = note.objects.create(
            **common,
            session=held(7),
            risk_level="none",
            state="signed",
            signed_at=datetime(2026, 1, 7, 12, tzinfo=UTC),
            signed_by=user,
        )

        executor = MigrationExecutor(connection)
        executor.migrate(AFTER)
        new = executor.loader.project_state(AFTER).apps.get_model("therapy_sessions", "SessionNote")
        levels = dict(new.objects.values_list("pk", "risk_level"))
        assert levels == {untouched.pk: "", answered.pk: "concerns", signed.pk: "none"}
    finally:
        MigrationExecutor(connection).migrate(
            list(MigrationExecutor(connection).loader.graph.leaf_nodes())
        )
