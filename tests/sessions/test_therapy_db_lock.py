"""The database itself refuses to change a signed note or an addendum, whatever the route."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from sessions.models import NoteAddendum, NoteState, SessionNote
from tests.factories import MembershipFactory
from tests.sessions.world import make_note, make_signed_note

pytestmark = pytest.mark.django_db

NOTE_TABLE = SessionNote._meta.db_table
ADDENDUM_TABLE = NoteAddendum._meta.db_table


def _raw(sql: str, params: list) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("sections", '{"subjective": "rewritten"}'),
        ("template", "dap"),
        ("partner_a_zone", "hypo"),
        ("partner_a_intensity", 9),
        ("partner_b_zone", "hyper"),
        ("partner_b_intensity", 1),
        ("interventions", '["grounding"]'),
        ("interventions_other", "x"),
        ("risk_level", "concerns"),
        ("risk_concerns", "x"),
        ("risk_plan", "x"),
        ("version", 99),
        ("state", "draft"),
        ("signed_at", None),
        ("edited_at", "2020-01-01T00:00:00Z"),
        ("created_at", "2020-01-01T00:00:00Z"),
    ],
)
def test_raw_update_of_any_column_of_a_signed_note_raises(couple, column, value):
    note = make_signed_note(couple=couple)
    with pytest.raises(DatabaseError, match="signed"):
        _raw(f"UPDATE {NOTE_TABLE} SET {column} = %s WHERE id = %s", [value, note.pk])  # noqa: S608
    assert SessionNote.objects.get(pk=note.pk).state == NoteState.SIGNED


def test_orm_bulk_update_of_a_signed_note_raises(couple):
    note = make_signed_note(couple=couple, sections={"subjective": "as written"})
    with pytest.raises(DatabaseError), transaction.atomic():
        SessionNote.objects.filter(pk=note.pk).update(sections={"subjective": "rewritten"})
    note.refresh_from_db()
    assert note.sections == {"subjective": "as written"}


def test_draft_note_can_still_be_updated_at_database(couple):
    note = make_note(couple=couple)
    SessionNote.objects.filter(pk=note.pk).update(risk_plan="call the crisis line")
    note.refresh_from_db()
    assert note.risk_plan == "call the crisis line"


@pytest.mark.parametrize("signed", [False, True])
def test_raw_delete_of_any_note_raises(couple, signed):
    note = make_signed_note(couple=couple) if signed else make_note(couple=couple)
    with pytest.raises(DatabaseError, match="never deleted"):
        _raw(f"DELETE FROM {NOTE_TABLE} WHERE id = %s", [note.pk])  # noqa: S608
    assert SessionNote.objects.filter(pk=note.pk).exists()


def _awaiting(couple, supervisor):
    note = make_note(couple=couple)
    SessionNote.objects.filter(pk=note.pk).update(
        state=NoteState.AWAITING_COSIGNATURE,
        signed_at=timezone.now(),
        signed_by=note.author,
        cosigner_required=supervisor,
    )
    return note


def test_database_allows_setting_the_cosignature_once(couple, clinic):
    supervisor = MembershipFactory(clinic=clinic).user
    note = _awaiting(couple, supervisor)
    SessionNote.objects.filter(pk=note.pk).update(
        state=NoteState.SIGNED, cosigned_at=timezone.now(), cosigned_by=supervisor
    )
    note.refresh_from_db()
    assert note.cosigned_by == supervisor
    with pytest.raises(DatabaseError), transaction.atomic():
        SessionNote.objects.filter(pk=note.pk).update(cosigned_at=timezone.now())


def test_database_refuses_cosignature_by_someone_else(couple, clinic):
    supervisor = MembershipFactory(clinic=clinic).user
    impostor = MembershipFactory(clinic=clinic).user
    note = _awaiting(couple, supervisor)
    with pytest.raises(DatabaseError), transaction.atomic():
        SessionNote.objects.filter(pk=note.pk).update(
            state=NoteState.SIGNED, cosigned_at=timezone.now(), cosigned_by=impostor
        )


def test_database_refuses_content_change_smuggled_with_the_cosignature(couple, clinic):
    supervisor = MembershipFactory(clinic=clinic).user
    note = _awaiting(couple, supervisor)
    with pytest.raises(DatabaseError), transaction.atomic():
        SessionNote.objects.filter(pk=note.pk).update(
            state=NoteState.SIGNED,
            cosigned_at=timezone.now(),
            cosigned_by=supervisor,
            risk_plan="added later",
        )


def test_addenda_refuse_update_and_delete_at_database(couple):
    note = make_signed_note(couple=couple)
    addendum = NoteAddendum.objects.create(
        clinic=note.clinic, note=note, author=note.author, text="Correction: 20 minutes, not 30."
    )
    with pytest.raises(DatabaseError, match="append-only"):
        _raw(f"UPDATE {ADDENDUM_TABLE} SET text = %s WHERE id = %s", ["changed", addendum.pk])  # noqa: S608
    with pytest.raises(DatabaseError, match="append-only"):
        _raw(f"DELETE FROM {ADDENDUM_TABLE} WHERE id = %s", [addendum.pk])  # noqa: S608
    assert NoteAddendum.objects.get(pk=addendum.pk).text == "Correction: 20 minutes, not 30."


def test_database_refuses_an_addendum_to_a_draft(couple):
    note = make_note(couple=couple)
    with pytest.raises(DatabaseError, match="signed notes only"), transaction.atomic():
        NoteAddendum.objects.create(clinic=note.clinic, note=note, author=note.author, text="x")


def test_sqlite_trigger_lists_every_locked_column():
    """SQLite cannot compare whole rows: its trigger names the columns, so a new column must be
    added there (in a new migration) or this fails."""
    import importlib

    lock = importlib.import_module("sessions.migrations.0002_note_lock_triggers")
    columns = {f.column for f in SessionNote._meta.concrete_fields}
    assert columns - {"state", "cosigned_at", "cosigned_by_id"} == set(lock.NOTE_LOCKED_COLUMNS)


SQLITE_SCRIPT = """
import os, django
os.environ["DJANGO_SETTINGS_MODULE"] = "clinic.settings"
django.setup()
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django_scopes import scopes_disabled
from clinic.models import Client, Clinic, Couple, User
from sessions.models import NoteAddendum, SessionNote, TherapySession

call_command("migrate", verbosity=0)
with scopes_disabled():
    clinic = Clinic.objects.create(name="C", slug="c")
    user = User.objects.create_user("t@example.test", "pw-pw-pw-pw")
    a = Client.objects.create(clinic=clinic, legal_name="A")
    b = Client.objects.create(clinic=clinic, legal_name="B")
    couple = Couple.objects.create(clinic=clinic, partner_a=a, partner_b=b)
    session = TherapySession.objects.create(
        clinic=clinic, couple=couple, therapist=user, starts_at=timezone.now(), status="held",
        partner_a_attended=True, partner_b_attended=True,
    )
    note = SessionNote.objects.create(clinic=clinic, session=session, author=user, template="free")
    SessionNote.objects.filter(pk=note.pk).update(risk_plan="draft edits are fine")
    SessionNote.objects.filter(pk=note.pk).update(
        state="signed", signed_at=timezone.now(), signed_by=user
    )
    NoteAddendum.objects.create(clinic=clinic, note=note, author=user, text="ok")
    refused = []
    for sql in (
        "UPDATE therapy_sessions_sessionnote SET risk_plan = 'x'",
        "UPDATE therapy_sessions_sessionnote SET sections = '{}'",
        "DELETE FROM therapy_sessions_sessionnote",
        "UPDATE therapy_sessions_noteaddendum SET text = 'x'",
        "DELETE FROM therapy_sessions_noteaddendum",
    ):
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql)
        except DatabaseError:
            refused.append(sql)
    print("REFUSED", len(refused))
"""


def test_sqlite_quick_start_database_refuses_changes_to_signed_notes(tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "SECURE_SSL_REDIRECT"}
    }
    env.update(DEBUG="true", DATABASE_URL=f"sqlite:///{tmp_path / 'quick.sqlite3'}")
    result = subprocess.run(
        [sys.executable, "-c", SQLITE_SCRIPT],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "REFUSED 5" in result.stdout
