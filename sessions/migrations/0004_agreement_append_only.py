"""The database keeps time-out agreement versions and the partners' answers to them as written:
what a partner accepted can never be rewritten by a bulk query, raw SQL or a future bug."""

from django.db import migrations

TABLES = ("therapy_sessions_agreementversion", "therapy_sessions_agreementresponse")

PG_FORWARD = """
CREATE OR REPLACE FUNCTION attune_agreement_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'time-out agreement versions and answers are append-only (% refused)', TG_OP
        USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;
""" + "".join(
    f"""
CREATE TRIGGER {table}_append_only
    BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION attune_agreement_append_only();
"""
    for table in TABLES
)

PG_BACKWARD = "".join(
    f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};\n" for table in TABLES
) + ("DROP FUNCTION IF EXISTS attune_agreement_append_only();\n")

SQLITE_FORWARD = [
    f"""CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} ON {table}
    BEGIN SELECT RAISE(ABORT, 'time-out agreement versions and answers are append-only'); END;"""
    for table in TABLES
    for op in ("UPDATE", "DELETE")
]

SQLITE_BACKWARD = [
    f"DROP TRIGGER IF EXISTS {table}_no_{op.lower()};"
    for table in TABLES
    for op in ("UPDATE", "DELETE")
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
    dependencies = [("therapy_sessions", "0003_homework_and_measurements")]
    operations = [migrations.RunPython(forward, backward)]
