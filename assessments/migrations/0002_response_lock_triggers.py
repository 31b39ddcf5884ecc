"""The database itself keeps submitted responses and acknowledged risk alerts final, so no bulk
query, raw SQL or future bug can rewrite what a partner submitted or what a therapist signed off.

- responses: a submitted row is never updated or deleted; open rows may change (answers saved,
  submission, cancellation) and are never deleted either;
- risk alerts: never deleted; once acknowledged, never updated.
"""

from django.db import migrations

RESPONSE = "assessments_response"
ALERT = "assessments_riskalert"

PG_FORWARD = f"""
CREATE OR REPLACE FUNCTION attune_response_lock() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'questionnaire responses are never deleted (response %)', OLD.id
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF OLD.status = 'submitted' THEN
        RAISE EXCEPTION 'response % was submitted and is final', OLD.id
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER {RESPONSE}_lock
    BEFORE UPDATE OR DELETE ON {RESPONSE}
    FOR EACH ROW EXECUTE FUNCTION attune_response_lock();

CREATE OR REPLACE FUNCTION attune_riskalert_lock() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'risk alerts are never deleted (alert %)', OLD.id
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF OLD.acknowledged_at IS NOT NULL THEN
        RAISE EXCEPTION 'risk alert % was acknowledged and is final', OLD.id
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER {ALERT}_lock
    BEFORE UPDATE OR DELETE ON {ALERT}
    FOR EACH ROW EXECUTE FUNCTION attune_riskalert_lock();
"""

PG_BACKWARD = f"""
DROP TRIGGER IF EXISTS {RESPONSE}_lock ON {RESPONSE};
DROP FUNCTION IF EXISTS attune_response_lock();
DROP TRIGGER IF EXISTS {ALERT}_lock ON {ALERT};
DROP FUNCTION IF EXISTS attune_riskalert_lock();
"""

SQLITE_FORWARD = [
    f"""CREATE TRIGGER {RESPONSE}_no_delete BEFORE DELETE ON {RESPONSE}
    BEGIN SELECT RAISE(ABORT, 'questionnaire responses are never deleted'); END;""",
    f"""CREATE TRIGGER {RESPONSE}_submitted_lock BEFORE UPDATE ON {RESPONSE}
    WHEN OLD.status = 'submitted'
    BEGIN SELECT RAISE(ABORT, 'response was submitted and is final'); END;""",
    f"""CREATE TRIGGER {ALERT}_no_delete BEFORE DELETE ON {ALERT}
    BEGIN SELECT RAISE(ABORT, 'risk alerts are never deleted'); END;""",
    f"""CREATE TRIGGER {ALERT}_acknowledged_lock BEFORE UPDATE ON {ALERT}
    WHEN OLD.acknowledged_at IS NOT NULL
    BEGIN SELECT RAISE(ABORT, 'risk alert was acknowledged and is final'); END;""",
]

SQLITE_BACKWARD = [
    f"DROP TRIGGER IF EXISTS {RESPONSE}_no_delete;",
    f"DROP TRIGGER IF EXISTS {RESPONSE}_submitted_lock;",
    f"DROP TRIGGER IF EXISTS {ALERT}_no_delete;",
    f"DROP TRIGGER IF EXISTS {ALERT}_acknowledged_lock;",
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
    dependencies = [("assessments", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
