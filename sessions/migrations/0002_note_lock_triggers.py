"""The database itself keeps signed notes and addenda immutable, so no bulk query, raw SQL or
future bug can rewrite a signed clinical record.

- session notes: never deleted; once `signed_at` is set, the only UPDATE allowed is setting the
  co-signature once (state awaiting_cosignature -> signed, cosigned_at, cosigned_by = the
  supervisor fixed at signing) with every other column unchanged;
- addenda: never updated or deleted, and only added to a signed note.

PostgreSQL compares whole rows (to_jsonb minus the co-signature columns), so a column added later
is protected without touching the trigger. SQLite (the quick start) needs the columns listed:
NOTE_LOCKED_COLUMNS below; a test fails if the model gains a column that is not listed.
"""

from django.db import migrations

NOTE = "therapy_sessions_sessionnote"
ADDENDUM = "therapy_sessions_noteaddendum"

# Columns a co-signature may not touch (all but state, cosigned_at, cosigned_by_id).
NOTE_LOCKED_COLUMNS = (
    "id",
    "clinic_id",
    "session_id",
    "author_id",
    "template",
    "sections",
    "partner_a_zone",
    "partner_a_intensity",
    "partner_b_zone",
    "partner_b_intensity",
    "interventions",
    "interventions_other",
    "risk_level",
    "risk_concerns",
    "risk_plan",
    "version",
    "signed_at",
    "signed_by_id",
    "cosigner_required_id",
    "created_at",
    "edited_at",
)

COSIGN_ONLY = """
    OLD.state = 'awaiting_cosignature' AND OLD.cosigned_at IS NULL
    AND NEW.state = 'signed' AND NEW.cosigned_at IS NOT NULL
    AND NEW.cosigned_by_id IS NOT NULL AND NEW.cosigned_by_id = OLD.cosigner_required_id
"""

PG_FORWARD = f"""
CREATE OR REPLACE FUNCTION attune_sessionnote_lock() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'session notes are never deleted (note %)', OLD.id
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF OLD.signed_at IS NULL THEN
        RETURN NEW;
    END IF;
    IF {COSIGN_ONLY}
       AND (to_jsonb(NEW) - 'state' - 'cosigned_at' - 'cosigned_by_id')
         = (to_jsonb(OLD) - 'state' - 'cosigned_at' - 'cosigned_by_id') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'session note % is signed and cannot be changed; add an addendum', OLD.id
        USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER {NOTE}_lock
    BEFORE UPDATE OR DELETE ON {NOTE}
    FOR EACH ROW EXECUTE FUNCTION attune_sessionnote_lock();

CREATE OR REPLACE FUNCTION attune_noteaddendum_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NOT EXISTS (
            SELECT 1 FROM {NOTE} WHERE id = NEW.note_id AND signed_at IS NOT NULL
        ) THEN
            RAISE EXCEPTION 'addenda are added to signed notes only'
                USING ERRCODE = 'restrict_violation';
        END IF;
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'note addenda are append-only (% refused)', TG_OP
        USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER {ADDENDUM}_append_only
    BEFORE INSERT OR UPDATE OR DELETE ON {ADDENDUM}
    FOR EACH ROW EXECUTE FUNCTION attune_noteaddendum_append_only();
"""  # noqa: S608 (table names are constants of this module)

PG_BACKWARD = f"""
DROP TRIGGER IF EXISTS {NOTE}_lock ON {NOTE};
DROP FUNCTION IF EXISTS attune_sessionnote_lock();
DROP TRIGGER IF EXISTS {ADDENDUM}_append_only ON {ADDENDUM};
DROP FUNCTION IF EXISTS attune_noteaddendum_append_only();
"""

_unchanged = " AND ".join(f"NEW.{c} IS OLD.{c}" for c in NOTE_LOCKED_COLUMNS)

SQLITE_FORWARD = [
    f"""CREATE TRIGGER {NOTE}_no_delete BEFORE DELETE ON {NOTE}
    BEGIN SELECT RAISE(ABORT, 'session notes are never deleted'); END;""",
    f"""CREATE TRIGGER {NOTE}_signed_lock BEFORE UPDATE ON {NOTE}
    WHEN OLD.signed_at IS NOT NULL AND NOT ({COSIGN_ONLY} AND {_unchanged})
    BEGIN SELECT RAISE(ABORT, 'session note is signed and cannot be changed; add an addendum');
    END;""",
    f"""CREATE TRIGGER {ADDENDUM}_signed_notes_only BEFORE INSERT ON {ADDENDUM}
    WHEN NOT EXISTS (SELECT 1 FROM {NOTE} WHERE id = NEW.note_id AND signed_at IS NOT NULL)
    BEGIN SELECT RAISE(ABORT, 'addenda are added to signed notes only'); END;""",  # noqa: S608
    f"""CREATE TRIGGER {ADDENDUM}_no_update BEFORE UPDATE ON {ADDENDUM}
    BEGIN SELECT RAISE(ABORT, 'note addenda are append-only (UPDATE refused)'); END;""",
    f"""CREATE TRIGGER {ADDENDUM}_no_delete BEFORE DELETE ON {ADDENDUM}
    BEGIN SELECT RAISE(ABORT, 'note addenda are append-only (DELETE refused)'); END;""",
]

SQLITE_BACKWARD = [
    f"DROP TRIGGER IF EXISTS {NOTE}_no_delete;",
    f"DROP TRIGGER IF EXISTS {NOTE}_signed_lock;",
    f"DROP TRIGGER IF EXISTS {ADDENDUM}_signed_notes_only;",
    f"DROP TRIGGER IF EXISTS {ADDENDUM}_no_update;",
    f"DROP TRIGGER IF EXISTS {ADDENDUM}_no_delete;",
]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FORWARD, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_FORWARD:
            schema_editor.execute(statement, params=None)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_BACKWARD, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_BACKWARD:
            schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("therapy_sessions", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
