"""Homework, the partners' logs and check-ins, measurements and import previews are never
deleted: homework is ended or archived, a log or reading is voided with who, when and why. The
database refuses DELETE too, so no bulk query or future bug can remove them silently."""

from django.db import migrations

TABLES = (
    "therapy_sessions_homework",
    "therapy_sessions_practicelog",
    "therapy_sessions_timeoutlog",
    "therapy_sessions_checkin",
    "therapy_sessions_measurement",
    "therapy_sessions_measurementimport",
)

PG_FORWARD = """
CREATE OR REPLACE FUNCTION attune_homework_never_deleted() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% rows are never deleted; end, archive or void them instead', TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;
""" + "".join(
    f"""
CREATE TRIGGER {table}_never_deleted
    BEFORE DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION attune_homework_never_deleted();
"""
    for table in TABLES
)

PG_BACKWARD = "".join(
    f"DROP TRIGGER IF EXISTS {table}_never_deleted ON {table};\n" for table in TABLES
) + "DROP FUNCTION IF EXISTS attune_homework_never_deleted();\n"

SQLITE_FORWARD = [
    f"""CREATE TRIGGER {table}_never_deleted BEFORE DELETE ON {table}
    BEGIN SELECT RAISE(ABORT, 'these rows are never deleted; end, archive or void them'); END;"""
    for table in TABLES
]

SQLITE_BACKWARD = [f"DROP TRIGGER IF EXISTS {table}_never_deleted;" for table in TABLES]


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
    dependencies = [("therapy_sessions", "0004_agreement_append_only")]
    operations = [migrations.RunPython(forward, backward)]
