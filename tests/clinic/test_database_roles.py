"""The suite connects as the app role, as Attune does in production: a role that is neither the
owner of the tables nor a superuser. From its own connection none of the ways around the record
locks works: replica mode, disabling or dropping a trigger, pgtrigger's ignore setting,
TRUNCATE, or changing the audit trail."""

import psycopg
import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from clinic import db_roles
from clinic.audit import record_event
from clinic.models import AuditEvent
from sessions.models import NoteAddendum, NoteState, PracticeLog, SessionNote
from tests.sessions.world import make_practice_log, make_signed_note

pytestmark = pytest.mark.django_db

NOTE = SessionNote._meta.db_table
ADDENDUM = NoteAddendum._meta.db_table
AUDIT = AuditEvent._meta.db_table


def _run(*statements: tuple[str, list]) -> None:
    """Run statements in one savepoint, so a refusal leaves the test's transaction usable."""
    with transaction.atomic(), connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute(sql, params)


def _pgid(model, name: str) -> str:
    return next(t for t in model._meta.triggers if t.name == name).get_pgid(model)


def test_the_suite_runs_as_a_role_that_is_neither_owner_nor_superuser():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT r.rolname, r.rolsuper, r.rolbypassrls, pg_get_userbyid(c.relowner) "
            "FROM pg_roles r, pg_class c WHERE r.rolname = current_user AND c.relname = %s",
            [NOTE],
        )
        user, superuser, bypassrls, table_owner = cursor.fetchone()
    assert user == db_roles.app_role() == "attune_app"
    assert (superuser, bypassrls) == (False, False)
    assert table_owner == db_roles.owner_credentials()["USER"] != user


def test_replica_mode_is_refused_and_the_signed_note_stays_locked(couple):
    note = make_signed_note(couple=couple, risk_plan="as signed")
    with pytest.raises(DatabaseError, match="permission denied to set parameter"):
        _run(("SET LOCAL session_replication_role = replica", []))
    with connection.cursor() as cursor:
        cursor.execute("SHOW session_replication_role")
        assert cursor.fetchone() == ("origin",)
    with pytest.raises(DatabaseError, match="is signed and cannot be changed"):
        _run((f"UPDATE {NOTE} SET risk_plan = 'rewritten' WHERE id = %s", [note.pk]))  # noqa: S608
    assert SessionNote.objects.get(pk=note.pk).risk_plan == "as signed"


@pytest.mark.parametrize(
    "attack",
    [
        f"ALTER TABLE {NOTE} DISABLE TRIGGER ALL",
        f"ALTER TABLE {NOTE} DISABLE TRIGGER {_pgid(SessionNote, 'signed_lock')}",
        f"DROP TRIGGER {_pgid(SessionNote, 'signed_lock')} ON {NOTE}",
        f"DROP FUNCTION {_pgid(SessionNote, 'signed_lock')}() CASCADE",
        f"ALTER TABLE {NOTE} NO FORCE ROW LEVEL SECURITY",
    ],
)
def test_the_app_role_cannot_disable_or_drop_a_lock(couple, attack):
    note = make_signed_note(couple=couple, risk_plan="as signed")
    with pytest.raises(DatabaseError, match="must be owner"):
        _run((attack, []))
    with pytest.raises(DatabaseError, match="is signed and cannot be changed"):
        _run((f"UPDATE {NOTE} SET risk_plan = 'x' WHERE id = %s", [note.pk]))  # noqa: S608


def test_pgtriggers_ignore_setting_counts_for_nothing_for_the_app_role(couple):
    note = make_signed_note(couple=couple, risk_plan="as signed")
    ignore = "{" + _pgid(SessionNote, "signed_lock") + "}"
    with pytest.raises(DatabaseError, match="is signed and cannot be changed"):
        _run(
            ("SELECT set_config('pgtrigger.ignore', %s, true)", [ignore]),
            (f"UPDATE {NOTE} SET risk_plan = 'x' WHERE id = %s", [note.pk]),  # noqa: S608
        )
    assert SessionNote.objects.get(pk=note.pk).state == NoteState.SIGNED


@pytest.mark.parametrize(
    "statement",
    [
        f"UPDATE {AUDIT} SET action = 'nothing happened'",  # noqa: S608
        f"DELETE FROM {AUDIT}",  # noqa: S608
        f"TRUNCATE {AUDIT}",
    ],
)
def test_the_audit_trail_refuses_changes_by_privilege(clinic, statement):
    record_event(clinic=clinic, actor=None, action="read", obj=clinic)
    with pytest.raises(DatabaseError, match=f"permission denied for table {AUDIT}"):
        _run((statement, []))
    assert AuditEvent.objects.filter(clinic=clinic, action="read").count() == 1


def test_the_app_role_may_not_truncate_clinical_tables():
    with pytest.raises(DatabaseError, match=f"permission denied for table {ADDENDUM}"):
        _run((f"TRUNCATE {ADDENDUM}", []))


def test_the_owner_too_is_refused_truncate_by_the_trigger():
    owner = db_roles.owner_credentials()
    dsn = psycopg.conninfo.make_conninfo(
        dbname=connection.settings_dict["NAME"],
        user=owner["USER"],
        password=owner["PASSWORD"] or None,
        host=owner["HOST"] or "127.0.0.1",
        port=owner["PORT"] or 5432,
    )
    with psycopg.connect(dsn) as conn:
        conn.execute("SET lock_timeout = '5s'")
        for table in (AUDIT, ADDENDUM, NOTE):
            with (
                pytest.raises(psycopg.errors.RestrictViolation, match="never truncated"),
                conn.transaction(),
            ):
                conn.execute(f"TRUNCATE {table} CASCADE")


def test_a_voided_log_is_kept_as_it_was(couple):
    log = make_practice_log(couple, couple.partner_a, note="felt calmer")
    PracticeLog.objects.filter(pk=log.pk).update(
        voided_at=timezone.now(), void_reason="entered twice"
    )
    with pytest.raises(DatabaseError, match="was voided and is kept as it is"):
        _run(
            (
                f"UPDATE {PracticeLog._meta.db_table} SET note = 'rewritten', voided_at = NULL "  # noqa: S608
                "WHERE id = %s",
                [log.pk],
            )
        )
    log.refresh_from_db()
    assert (log.note, log.void_reason) == ("felt calmer", "entered twice")
