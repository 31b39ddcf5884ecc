from django.db import migrations, models


def count_existing(apps, schema_editor):
    """Store the counts of every import made before they were stored: loaded a few at a
    time (an import may hold 20,000 rows), written back in bulk."""
    MeasurementImport = apps.get_model("therapy_sessions", "MeasurementImport")
    batch = []
    for pending in MeasurementImport.objects.only("id", "rows", "errors").iterator(chunk_size=50):
        pending.row_count = len(pending.rows or [])
        pending.error_count = len(pending.errors or [])
        batch.append(pending)
        if len(batch) == 50:
            MeasurementImport.objects.bulk_update(batch, ["row_count", "error_count"])
            batch = []
    if batch:
        MeasurementImport.objects.bulk_update(batch, ["row_count", "error_count"])


class Migration(migrations.Migration):

    dependencies = [
        ("therapy_sessions", "0008_caseload_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="measurementimport",
            name="error_count",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="measurementimport",
            name="row_count",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.RunPython(count_existing, migrations.RunPython.noop),
    ]
