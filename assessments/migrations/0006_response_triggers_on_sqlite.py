"""Put back the quick-start (SQLite) guards on questionnaire responses. 0004 added a check
constraint, for which SQLite rebuilds the table and drops its triggers, so a SQLite database
lost "responses are never deleted" and "submitted or declined responses are final".
PostgreSQL changes the table in place and kept them: nothing to do there."""

from django.db import migrations

RESPONSE = "assessments_response"

SQLITE_FORWARD = [
    f"DROP TRIGGER IF EXISTS {RESPONSE}_no_delete;",
    f"""CREATE TRIGGER {RESPONSE}_no_delete BEFORE DELETE ON {RESPONSE}
    BEGIN SELECT RAISE(ABORT, 'questionnaire responses are never deleted'); END;""",
    f"DROP TRIGGER IF EXISTS {RESPONSE}_submitted_lock;",
    f"""CREATE TRIGGER {RESPONSE}_submitted_lock BEFORE UPDATE ON {RESPONSE}
    WHEN OLD.status IN ('submitted', 'declined')
    BEGIN SELECT RAISE(ABORT, 'response was submitted or declined and is final'); END;""",
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_FORWARD:
            schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("assessments", "0005_caseload_indexes")]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
