"""Time-outs logged through the portal API were stored without their time-out agreement, while
the portal page linked them: the same action stored different data by channel. Link each such
log to the agreement that was running when it was logged (none if there was none)."""

from django.db import migrations
from django.db.models import Q


def link_time_outs(apps, schema_editor):
    TimeOutLog = apps.get_model("therapy_sessions", "TimeOutLog")
    Homework = apps.get_model("therapy_sessions", "Homework")
    for log in TimeOutLog.objects.filter(homework__isnull=True).iterator():
        agreement = (
            Homework.objects.filter(
                clinic_id=log.clinic_id,
                couple_id=log.couple_id,
                kind="time_out",
                archived_at__isnull=True,
                created_at__lte=log.created_at,
            )
            .filter(Q(ended_at__isnull=True) | Q(ended_at__gt=log.created_at))
            .order_by("-created_at")
            .first()
        )
        if agreement is not None:
            TimeOutLog.objects.filter(pk=log.pk).update(homework=agreement)


class Migration(migrations.Migration):
    dependencies = [("therapy_sessions", "0006_note_cosigner_reassign")]

    operations = [migrations.RunPython(link_time_outs, migrations.RunPython.noop)]
