"""Device-file imports at size: a file over the byte or reading limit is refused at upload
with a clear error (parsing stops at the limit); the preview comes 100 readings and 100 bad
rows a page; counts are stored, so the imports list never loads the rows; existing imports
get their counts by migration."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext

from sessions.measurements import services as measurement_services
from sessions.measurements.device_import import TooManyReadings, parse_generic_csv
from sessions.models import MeasurementImport
from tests.conftest import api_client_for

pytestmark = pytest.mark.django_db

HEADER = "kind,value,unit,measured_at\n"


def readings_csv(n: int, *, bad_every: int = 0) -> str:
    start = datetime(2025, 3, 1, 7, tzinfo=UTC)
    lines = []
    for i in range(n):
        value = "9999" if bad_every and i % bad_every == 0 else f"{30 + i % 40}"
        lines.append(f"hrv_rmssd,{value},ms,{(start + timedelta(hours=i)).isoformat()}")
    return HEADER + "\n".join(lines) + "\n"


def imports_url(couple, rest=""):
    return f"/api/v1/clinics/{couple.clinic.slug}/couples/{couple.pk}/measurement-imports/{rest}"


def upload(therapist, couple, content: bytes, name="readings.csv"):
    return api_client_for(therapist).post(
        imports_url(couple),
        {
            "partner": str(couple.partner_a.pk),
            "file": SimpleUploadedFile(name, content, content_type="text/csv"),
        },
        format="multipart",
    )


def test_parsing_stops_at_the_first_reading_past_the_limit():
    with pytest.raises(TooManyReadings) as refused:
        parse_generic_csv(readings_csv(12), max_readings=10)
    assert refused.value.limit == 10
    assert len(parse_generic_csv(readings_csv(10), max_readings=10).rows) == 10


def test_bad_rows_count_toward_the_limit_too():
    with pytest.raises(TooManyReadings):
        parse_generic_csv(readings_csv(12, bad_every=2), max_readings=10)


def test_a_file_with_too_many_readings_is_refused_and_nothing_is_stored(
    couple, therapist, monkeypatch
):
    monkeypatch.setattr(measurement_services, "MAX_IMPORT_ROWS", 50)
    response = upload(therapist, couple, readings_csv(51).encode())
    assert response.status_code == 400
    assert "more than 50 readings; split it" in response.json()["errors"]["file"][0]
    assert not MeasurementImport.objects.exists()


def test_a_file_over_the_byte_limit_is_refused_by_its_size(couple, therapist):
    big = HEADER.encode() + b"x" * measurement_services.MAX_IMPORT_BYTES
    response = upload(therapist, couple, big)
    assert response.status_code == 400
    assert "larger than 5 MB" in response.json()["errors"]["file"][0]
    assert not MeasurementImport.objects.exists()


def test_the_preview_comes_100_readings_a_page(couple, therapist):
    created = upload(therapist, couple, readings_csv(250).encode())
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["row_count"], body["error_count"]) == (250, 0)
    assert (body["page"], body["page_count"], len(body["rows"])) == (1, 3, 100)
    assert body["can_confirm"] is True
    api = api_client_for(therapist)
    last = api.get(imports_url(couple, f"{body['id']}/?page=3")).json()
    assert (last["page"], len(last["rows"]), last["rows"][0]["row_number"]) == (3, 50, 202)
    assert api.get(imports_url(couple, f"{body['id']}/?page=99")).json()["page"] == 3
    nonsense = api.get(imports_url(couple, f"{body['id']}/?page=nonsense"))
    assert nonsense.status_code == 400
    assert nonsense.json()["errors"]["page"] == ["Give a whole number of at least 1."]


def test_bad_rows_come_a_page_at_a_time_and_confirm_names_the_first_hundred(couple, therapist):
    body = upload(therapist, couple, readings_csv(300, bad_every=2).encode()).json()
    assert (body["row_count"], body["error_count"], len(body["errors"])) == (150, 150, 100)
    refused = api_client_for(therapist).post(imports_url(couple, f"{body['id']}/confirm/"))
    assert refused.status_code == 400
    lines = refused.json()["errors"]["rows"]
    assert len(lines) == 101
    assert lines[-1] == "... and 50 more rows (see the preview)."


def test_the_preview_page_shows_one_page_of_readings(client, couple, therapist):
    pending = upload(therapist, couple, readings_csv(150).encode()).json()
    client.force_login(therapist)
    page_url = f"/c/{couple.clinic.slug}/couples/{couple.pk}/measurements/import/{pending['id']}/"
    html = client.get(page_url).content.decode()
    assert "150 readings can be imported" in html
    assert "Page 1 of 2" in html
    assert html.count("<td>HRV (RMSSD)</td>") == 100
    second = client.get(page_url + "?page=2").content.decode()
    assert second.count("<td>HRV (RMSSD)</td>") == 50
    assert "Import all 150 readings" in second


def test_the_imports_list_shows_stored_counts_without_loading_rows(couple, therapist):
    upload(therapist, couple, readings_csv(120, bad_every=4).encode())
    with CaptureQueriesContext(connection) as ctx:
        listed = api_client_for(therapist).get(imports_url(couple)).json()["results"]
    assert [(i["row_count"], i["error_count"]) for i in listed] == [(90, 30)]
    selects = [q["sql"] for q in ctx.captured_queries if "measurementimport" in q["sql"]]
    assert selects and not any('"rows"' in sql or '"errors"' in sql for sql in selects)


@pytest.mark.django_db(transaction=True)
def test_imports_made_before_counts_were_stored_get_them_by_migration(couple, therapist):
    before = [("therapy_sessions", "0008_caseload_indexes")]
    executor = MigrationExecutor(connection)
    latest = [k for k in executor.loader.graph.leaf_nodes() if k[0] == "therapy_sessions"]
    executor.migrate(before)
    try:
        old = executor.loader.project_state(before).apps
        pending = old.get_model("therapy_sessions", "MeasurementImport").objects.create(
            clinic_id=couple.clinic_id,
            couple_id=couple.pk,
            partner_id=couple.partner_a_id,
            format="generic_csv",
            rows=[{"row_number": n} for n in range(1, 8)],
            errors=[{"row_number": 9, "field": "value", "message": "out of range"}],
        )
        MigrationExecutor(connection).migrate(latest)
        stored = MeasurementImport.objects.get(pk=pending.pk)
        assert (stored.row_count, stored.error_count, stored.can_confirm) == (7, 1, False)
    finally:
        MigrationExecutor(connection).migrate(latest)
