"""A note's risk section has no default answer any more: a new draft starts "not recorded yet"
and cannot be signed until the therapist chooses "no risk concerns" or describes concerns with a
plan. Drafts still holding the old default ("none" with nothing written) are reset so the
choice is made actively; signed notes are final and keep what was signed."""

from django.db import migrations, models


def reset_unchosen_drafts(apps, schema_editor):
    SessionNote = apps.get_model("therapy_sessions", "SessionNote")
    SessionNote.objects.filter(
        signed_at__isnull=True, risk_level="none", risk_concerns="", risk_plan=""
    ).update(risk_level="")


def restore_default(apps, schema_editor):
    SessionNote = apps.get_model("therapy_sessions", "SessionNote")
    SessionNote.objects.filter(signed_at__isnull=True, risk_level="").update(risk_level="none")


class Migration(migrations.Migration):
    dependencies = [("therapy_sessions", "0012_breathing_together")]

    operations = [
        # The default and choices live in Python only (Django sets no column default), so the
        # table is left alone: on SQLite an AlterField would rebuild it and trip the triggers.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="sessionnote",
                    name="risk_level",
                    field=models.CharField(
                        blank=True,
                        choices=[
                            ("", "Not recorded yet"),
                            ("none", "No risk concerns"),
                            ("concerns", "Risk concerns (plan required)"),
                        ],
                        default="",
                        max_length=10,
                    ),
                ),
            ]
        ),
        migrations.RunPython(reset_unchosen_drafts, restore_default),
    ]
