import django.core.validators
import django.db.models.deletion
import django.utils.timezone
import uuid

from django.conf import settings
from django.core.management import call_command
from django.db import migrations, models

FALLBACK_CACHE_TABLE = "attune_cache_fallback"


def create_cache_table(apps, schema_editor):
    # The table the cache falls back to while Redis is unreachable (see clinic/cache.py).
    call_command("createcachetable", FALLBACK_CACHE_TABLE, database=schema_editor.connection.alias)


def drop_cache_table(apps, schema_editor):
    schema_editor.execute(f"DROP TABLE IF EXISTS {FALLBACK_CACHE_TABLE}")


class Migration(migrations.Migration):
    dependencies = [
        ("clinic", "0007_audit_chain"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="access_revoked_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="clinic",
            name="staff_idle_minutes",
            field=models.PositiveSmallIntegerField(
                default=30,
                db_default=30,
                validators=[
                    django.core.validators.MinValueValidator(5),
                    django.core.validators.MaxValueValidator(60),
                ],
            ),
        ),
        migrations.AddField(
            model_name="clinic",
            name="require_client_mfa",
            field=models.BooleanField(db_default=False, default=False),
        ),
        migrations.AddField(
            model_name="clinic",
            name="leave_url",
            field=models.URLField(
                db_default="https://www.bbc.co.uk/weather",
                default="https://www.bbc.co.uk/weather",
                max_length=300,
            ),
        ),
        migrations.AddField(
            model_name="client",
            name="portal_revoked_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.CreateModel(
            name="Invitation",
            fields=[
                ("id", models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ("kind", models.CharField(choices=[("staff", "Staff"), ("portal", "Portal")], max_length=10)),
                ("email", models.EmailField(max_length=254)),
                ("full_name", models.CharField(blank=True, max_length=150)),
                ("role", models.CharField(blank=True, choices=[("admin", "Clinic admin"), ("therapist", "Therapist")], max_length=20)),
                ("is_supervised", models.BooleanField(default=False)),
                ("token_digest", models.CharField(max_length=64, unique=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("sent_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("expires_at", models.DateTimeField()),
                ("accepted_at", models.DateTimeField(blank=True, null=True)),
                ("revoked_at", models.DateTimeField(blank=True, null=True)),
                ("accepted_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL)),
                ("client", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="invitations", to="clinic.client")),
                ("clinic", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to="clinic.clinic")),
                ("invited_by", models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL)),
                ("supervisor", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL)),
            ],
            options={
                "ordering": ["-created_at"],
                "indexes": [models.Index(fields=["clinic", "email"], name="clinic_invi_clinic__2c2557_idx")],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("kind", "staff"), models.Q(("role", ""), _negated=True)),
                            models.Q(("kind", "portal"), ("client__isnull", False)),
                            _connector="OR",
                        ),
                        name="invitation_names_role_or_client",
                    )
                ],
            },
        ),
        migrations.RunPython(create_cache_table, drop_cache_table),
    ]
