"""A couple or partner report reaches the portal only once the therapist shares it. Reports
made before this had no such step: they start unshared, and the therapist shares the ones the
partners should have (nothing reaches a client unreviewed)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("clinic", "0002_auditevent_append_only_trigger"),
        ("reports", "0002_report_claim_lease"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="progressreport",
            name="shared_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="progressreport",
            name="shared_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddConstraint(
            model_name="progressreport",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("shared_at__isnull", True),
                    models.Q(
                        ("audience__in", ["couple", "partner"]),
                        ("export__isnull", True),
                        ("shared_at__isnull", False),
                    ),
                    _connector="OR",
                ),
                name="report_shared_only_client_audience",
            ),
        ),
    ]
