from django.db import migrations, models

# Clinics that existed before the setting: those in American zones were reading US dates and
# keep them; everyone else gets the UK style (day before month, 24-hour clock).
US_ZONE_PREFIXES = ("America/", "US/", "Pacific/Honolulu")


def us_zones_read_us_dates(apps, schema_editor):
    Clinic = apps.get_model("clinic", "Clinic")
    for prefix in US_ZONE_PREFIXES:
        Clinic.objects.filter(time_zone__startswith=prefix).update(locale="en-us")


class Migration(migrations.Migration):
    dependencies = [
        ("clinic", "0009_audit_chain_head_by_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="clinic",
            name="locale",
            field=models.CharField(
                choices=[("en-gb", "UK: 6 Sep 2026, 14:05"), ("en-us", "US: Sep 6, 2026, 2:05 PM")],
                db_default="en-gb",
                default="en-gb",
                max_length=10,
            ),
        ),
        migrations.RunPython(us_zones_read_us_dates, migrations.RunPython.noop),
    ]
