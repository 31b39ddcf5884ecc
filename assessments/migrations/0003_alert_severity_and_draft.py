"""Risk alerts get a severity the therapist triages by (urgent / to review) and remember
whether they were raised from a saved draft. Existing alerts are graded by the same rule as
new ones (assessments.risk.alert_severity): an endorsed alert item (PHQ-9 item 9) is urgent;
a soft flag (PCL-5 item 16) or an unanswered risk item is to review."""

from django.db import migrations, models

ALERT = "assessments_riskalert"

# SQLite rebuilds the table to add a NOT NULL column, which drops its triggers: put back the
# ones 0002 created (PostgreSQL adds the column in place and keeps them).
SQLITE_ALERT_TRIGGERS = [
    f"DROP TRIGGER IF EXISTS {ALERT}_no_delete;",
    f"""CREATE TRIGGER {ALERT}_no_delete BEFORE DELETE ON {ALERT}
    BEGIN SELECT RAISE(ABORT, 'risk alerts are never deleted'); END;""",
    f"DROP TRIGGER IF EXISTS {ALERT}_acknowledged_lock;",
    f"""CREATE TRIGGER {ALERT}_acknowledged_lock BEFORE UPDATE ON {ALERT}
    WHEN OLD.acknowledged_at IS NOT NULL
    BEGIN SELECT RAISE(ABORT, 'risk alert was acknowledged and is final'); END;""",
]


def restore_sqlite_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_ALERT_TRIGGERS:
            schema_editor.execute(statement, params=None)


def grade_existing(apps, schema_editor):
    # Acknowledged alerts are final (trigger of 0002): grade them with the trigger set aside
    # for this one statement's transaction only on PostgreSQL. The grade is derived from what
    # the row already says, so the acknowledged record keeps its meaning.
    RiskAlert = apps.get_model("assessments", "RiskAlert")
    pg = schema_editor.connection.vendor == "postgresql"
    if pg:
        schema_editor.execute(f"ALTER TABLE {ALERT} DISABLE TRIGGER {ALERT}_lock", params=None)
    else:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {ALERT}_acknowledged_lock;", params=None)
    RiskAlert.objects.filter(severity="alert", value__isnull=False).update(severity="urgent")
    RiskAlert.objects.exclude(severity="urgent").update(severity="review")
    if pg:
        schema_editor.execute(f"ALTER TABLE {ALERT} ENABLE TRIGGER {ALERT}_lock", params=None)


def ungrade(apps, schema_editor):
    # The definitions' own words: "alert" for an alert item, "soft" otherwise. An unanswered
    # alert item becomes "soft" (the old rows said "alert"): the difference is only its wording.
    RiskAlert = apps.get_model("assessments", "RiskAlert")
    pg = schema_editor.connection.vendor == "postgresql"
    if pg:
        schema_editor.execute(f"ALTER TABLE {ALERT} DISABLE TRIGGER {ALERT}_lock", params=None)
    RiskAlert.objects.filter(severity="urgent").update(severity="alert")
    RiskAlert.objects.filter(severity="review").update(severity="soft")
    if pg:
        schema_editor.execute(f"ALTER TABLE {ALERT} ENABLE TRIGGER {ALERT}_lock", params=None)


class Migration(migrations.Migration):
    dependencies = [("assessments", "0002_response_lock_triggers")]

    operations = [
        migrations.AddField(
            model_name="riskalert",
            name="from_draft",
            field=models.BooleanField(default=False),
        ),
        migrations.RunPython(grade_existing, ungrade),
        migrations.AlterField(
            model_name="riskalert",
            name="severity",
            field=models.CharField(
                choices=[("urgent", "Urgent"), ("review", "To review")], max_length=10
            ),
        ),
        migrations.RunPython(restore_sqlite_triggers, migrations.RunPython.noop),
    ]
