"""Couple.therapists gets an explicit through model, CoupleTherapist, that carries the clinic
like every tenant row (so row-level security covers who treats whom). Existing assignments are
copied from the auto-created table, which is then dropped; backwards, they are copied back."""

import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models



def _auto_through(apps):
    """The auto-created table's model as the state before the change knows it."""
    return apps.get_model("clinic", "Couple")._meta.get_field("therapists").remote_field.through


def copy_forward(apps, schema_editor):
    db = schema_editor.connection.alias
    old, new = _auto_through(apps), apps.get_model("clinic", "CoupleTherapist")
    new.objects.using(db).bulk_create(
        [
            new(
                id=uuid.uuid4(),
                clinic_id=row.couple.clinic_id,
                couple_id=row.couple_id,
                therapist_id=row.user_id,
            )
            for row in old.objects.using(db).select_related("couple")
        ]
    )


def copy_backward(apps, schema_editor):
    db = schema_editor.connection.alias
    old, new = _auto_through(apps), apps.get_model("clinic", "CoupleTherapist")
    old.objects.using(db).bulk_create(
        [old(couple_id=row.couple_id, user_id=row.therapist_id) for row in new.objects.using(db)]
    )


def drop_auto_table(apps, schema_editor):
    schema_editor.delete_model(_auto_through(apps))


def create_auto_table(apps, schema_editor):
    schema_editor.create_model(_auto_through(apps))


class Migration(migrations.Migration):
    dependencies = [
        ("clinic", "0005_declared_record_locks"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="CoupleTherapist",
            fields=[
                ("id", models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ("clinic", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to="clinic.clinic")),
                ("couple", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="clinic.couple")),
                ("therapist", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to=settings.AUTH_USER_MODEL)),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("couple", "therapist"), name="coupletherapist_once_per_couple"
                    )
                ],
            },
        ),
        migrations.RunPython(copy_forward, copy_backward),
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(drop_auto_table, create_auto_table)],
            state_operations=[
                migrations.AlterField(
                    model_name="couple",
                    name="therapists",
                    field=models.ManyToManyField(
                        blank=True,
                        related_name="assigned_couples",
                        through="clinic.CoupleTherapist",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
        ),
    ]
