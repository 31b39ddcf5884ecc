"""Let the database accept one more change to a signed note: a clinic admin handing the pending
co-signature to another supervisor when the one fixed at signing has left.

While a note awaits co-signature (and nobody has co-signed), `cosigner_required_id` may change to
another user; every other column stays as it was. The co-signature rule of 0002 is unchanged.
"""

import importlib

from django.db import migrations

lock = importlib.import_module("sessions.migrations.0002_note_lock_triggers")
NOTE = lock.NOTE

REASSIGN_ONLY = """
    OLD.state = 'awaiting_cosignature' AND OLD.cosigned_at IS NULL
    AND NEW.state = 'awaiting_cosignature' AND NEW.cosigned_at IS NULL
    AND NEW.cosigned_by_id IS NULL AND NEW.cosigner_required_id IS NOT NULL
"""


def _pg_function(extra: str) -> str:
    return f"""
CREATE OR REPLACE FUNCTION attune_sessionnote_lock() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'session notes are never deleted (note %)', OLD.id
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF OLD.signed_at IS NULL THEN
        RETURN NEW;
    END IF;
    IF {lock.COSIGN_ONLY}
       AND (to_jsonb(NEW) - 'state' - 'cosigned_at' - 'cosigned_by_id')
         = (to_jsonb(OLD) - 'state' - 'cosigned_at' - 'cosigned_by_id') THEN
        RETURN NEW;
    END IF;
    {extra}
    RAISE EXCEPTION 'session note % is signed and cannot be changed; add an addendum', OLD.id
        USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;
"""


PG_FORWARD = _pg_function(
    f"""IF {REASSIGN_ONLY}
       AND (to_jsonb(NEW) - 'cosigner_required_id') = (to_jsonb(OLD) - 'cosigner_required_id')
       THEN
        RETURN NEW;
    END IF;"""
)
PG_BACKWARD = _pg_function("")

_cosign_unchanged = " AND ".join(f"NEW.{c} IS OLD.{c}" for c in lock.NOTE_LOCKED_COLUMNS)
_reassign_unchanged = " AND ".join(
    f"NEW.{c} IS OLD.{c}"
    for c in (*lock.NOTE_LOCKED_COLUMNS, "state", "cosigned_at", "cosigned_by_id")
    if c != "cosigner_required_id"
)


def _sqlite_lock(allowed: str) -> str:
    return f"""CREATE TRIGGER {NOTE}_signed_lock BEFORE UPDATE ON {NOTE}
    WHEN OLD.signed_at IS NOT NULL AND NOT ({allowed})
    BEGIN SELECT RAISE(ABORT, 'session note is signed and cannot be changed; add an addendum');
    END;"""


SQLITE_DROP = f"DROP TRIGGER IF EXISTS {NOTE}_signed_lock;"
SQLITE_FORWARD = _sqlite_lock(
    f"({lock.COSIGN_ONLY} AND {_cosign_unchanged}) OR ({REASSIGN_ONLY} AND {_reassign_unchanged})"
)
SQLITE_BACKWARD = _sqlite_lock(f"{lock.COSIGN_ONLY} AND {_cosign_unchanged}")


def _apply(schema_editor, *, pg: str, sqlite: str) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(pg, params=None)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_DROP, params=None)
        schema_editor.execute(sqlite, params=None)


def forward(apps, schema_editor):
    _apply(schema_editor, pg=PG_FORWARD, sqlite=SQLITE_FORWARD)


def backward(apps, schema_editor):
    _apply(schema_editor, pg=PG_BACKWARD, sqlite=SQLITE_BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("therapy_sessions", "0005_homework_records_never_deleted")]
    operations = [migrations.RunPython(forward, backward)]
