"""The measurement import a therapist uses: a format to choose, a template per format to
download, and a preview in words (measure names, the clinic's local times), never codes."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from sessions.measurements.device_import.examples import EXAMPLES
from sessions.measurements.device_import.formats import FORMATS, parse_import
from sessions.models import MeasurementImport

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client, therapist):
    client.force_login(therapist)
    return client


def import_url(couple):
    return reverse("measurement-import", args=[couple.clinic.slug, couple.pk])


@pytest.mark.parametrize("code", sorted(EXAMPLES))
def test_every_template_imports_cleanly_with_its_own_format(code):
    _, text = EXAMPLES[code]
    preview = parse_import(code, text, tz="Europe/London")
    assert preview.rows and not preview.errors


def test_import_page_offers_a_format_choice_and_a_template_per_format(staff, couple):
    html = staff.get(import_url(couple)).content.decode()
    assert 'for="id_format"' in html and "Recognise it from the file" in html
    for code in EXAMPLES:
        assert f'href="?template={code}"' in html and FORMATS[code] in html
    response = staff.get(import_url(couple), {"template": "generic_csv"})
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == 'attachment; filename="attune-readings-template.csv"'
    header = next(csv.reader(io.StringIO(response.content.decode())))
    assert {"kind", "value", "unit", "measured_at"} <= set(header)


def test_a_chosen_format_reads_a_file_it_would_not_recognise(staff, couple):
    # HRV4Training's columns, in a file whose name and header say nothing of the app.
    _, text = EXAMPLES["hrv4training"]
    response = staff.post(
        import_url(couple),
        {
            "partner": str(couple.partner_a.pk),
            "format": "hrv4training",
            "file": SimpleUploadedFile("morning.csv", text.encode()),
        },
    )
    assert response.status_code == 302
    assert MeasurementImport.objects.get().format == "hrv4training"


def test_preview_names_measures_and_formats_in_words_and_times_in_clinic_time(
    staff, couple, clinic
):
    clinic.time_zone, clinic.locale = "America/New_York", "en-us"
    clinic.save()
    content = "kind,value,unit,measured_at\nhrv_rmssd,42,ms,2026-01-12T12:05:00+00:00\n"
    response = staff.post(
        import_url(couple),
        {
            "partner": str(couple.partner_a.pk),
            "file": SimpleUploadedFile("hrv.csv", content.encode()),
        },
    )
    html = staff.get(response.url).content.decode()
    assert "HRV (RMSSD)" in html and "Attune CSV" in html
    assert "hrv_rmssd" not in html and "generic_csv" not in html
    assert "Jan 12, 2026, 7:05 AM" in html and "America/New_York" in html


def test_an_unrecognised_file_names_the_formats_in_words(staff, couple):
    response = staff.post(
        import_url(couple),
        {
            "partner": str(couple.partner_a.pk),
            "file": SimpleUploadedFile("readings.csv", b"when,what\n2026-01-01,7\n"),
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert (
        "The file&#x27;s format was not recognised; choose its format: Attune CSV (generic_csv),"
        in html
    )
    assert "HRV4Training export (hrv4training)" in html
    assert "or Apple Health export.xml (apple_health)." in html
    assert not MeasurementImport.objects.exists()
