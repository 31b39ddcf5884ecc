"""Physiological measurements: typed values with units, plausible ranges and context; imports
that preview, name every bad row, and add all rows or none."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from clinic.models import AuditEvent, IndividualMaterialPolicy
from sessions.models import ImportStatus, Measurement, MeasurementImport
from tests.conftest import api_client_for
from tests.sessions.world import make_measurement, make_session

pytestmark = pytest.mark.django_db
SAMPLES = Path(__file__).parent / "samples"


def url(couple, rest=""):
    return f"/api/v1/clinics/{couple.clinic.slug}/couples/{couple.pk}/{rest}"


def reading(partner, **fields):
    return {
        "partner": str(partner.pk),
        "kind": "hrv_rmssd",
        "value": 38.5,
        "unit": "ms",
        "measured_at": (timezone.now() - timedelta(hours=1)).isoformat(),
        **fields,
    }


def test_cortisol_in_micrograms_per_decilitre_is_stored_in_nanomoles(couple, therapist):
    response = api_client_for(therapist).post(
        url(couple, "measurements/"),
        reading(
            couple.partner_a,
            kind="cortisol",
            value="0.5",
            unit="µg/dL",
            context={"sample_type": "saliva", "minutes_after_waking": 30},
        ),
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["unit"] == "nmol/L"
    assert body["value"] == pytest.approx(13.795)
    assert AuditEvent.objects.filter(action="create", object_id=body["id"]).exists()


def test_a_value_outside_the_plausible_range_is_refused_naming_the_range(couple, therapist):
    response = api_client_for(therapist).post(
        url(couple, "measurements/"), reading(couple.partner_a, value=400)
    )
    assert response.status_code == 400
    message = response.json()["errors"]["value"][0]
    assert "3\u2013250 ms" in message
    assert not Measurement.objects.exists()


def test_required_context_is_enforced(couple, therapist):
    response = api_client_for(therapist).post(
        url(couple, "measurements/"),
        reading(couple.partner_a, kind="skin_conductance", value=6.2, unit="µS"),
    )
    assert response.status_code == 400
    assert "site" in str(response.json()["errors"])


def test_blood_pressure_is_stored_as_systolic_and_diastolic(couple, therapist):
    response = api_client_for(therapist).post(
        url(couple, "measurements/"),
        reading(couple.partner_b, kind="blood_pressure", value="124/82", unit="mmHg"),
    )
    assert response.status_code == 201, response.json()
    assert (response.json()["value"], response.json()["secondary_value"]) == (124, 82)


def test_a_reading_is_tied_to_a_session_as_before_or_after(couple, therapist):
    session = make_session(couple, starts_at=timezone.now() - timedelta(hours=3))
    client = api_client_for(therapist)
    no_phase = client.post(
        url(couple, "measurements/"), reading(couple.partner_a, session=str(session.pk))
    )
    assert no_phase.status_code == 400
    assert "session_phase" in no_phase.json()["errors"]
    made = client.post(
        url(couple, "measurements/"),
        reading(couple.partner_a, session=str(session.pk), session_phase="pre"),
    )
    assert made.status_code == 201
    assert made.json()["session_phase"] == "pre"


def test_a_reading_cannot_be_tied_to_another_couples_session(couple, therapist, clinic):
    from tests.factories import CoupleFactory

    other = make_session(CoupleFactory(clinic=clinic, therapists=[therapist]))
    response = api_client_for(therapist).post(
        url(couple, "measurements/"),
        reading(couple.partner_a, session=str(other.pk), session_phase="post"),
    )
    assert response.status_code == 400
    assert "session" in response.json()["errors"]


def test_a_reading_in_the_future_is_refused(couple, therapist):
    response = api_client_for(therapist).post(
        url(couple, "measurements/"),
        reading(couple.partner_a, measured_at=(timezone.now() + timedelta(hours=2)).isoformat()),
    )
    assert response.status_code == 400
    assert "measured_at" in response.json()["errors"]


def test_a_reading_is_voided_never_deleted(couple, therapist):
    measurement = make_measurement(couple, couple.partner_a)
    client = api_client_for(therapist)
    assert client.delete(url(couple, f"measurements/{measurement.pk}/")).status_code == 405
    response = client.post(
        url(couple, f"measurements/{measurement.pk}/void/"), {"reason": "Wrong person"}
    )
    assert response.status_code == 200
    measurement.refresh_from_db()
    assert measurement.voided_by == therapist and measurement.void_reason == "Wrong person"


def test_the_kinds_describe_units_ranges_and_context(clinic, therapist):
    kinds = api_client_for(therapist).get(f"/api/v1/clinics/{clinic.slug}/measurement-kinds/")
    cortisol = next(k for k in kinds.json() if k["code"] == "cortisol")
    assert "µg/dL" in cortisol["variants"]["saliva"]["accepted_units"]


# --- imports ---------------------------------------------------------------------------------


def upload(therapist, couple, partner, name, content, **extra):
    return api_client_for(therapist).post(
        url(couple, "measurement-imports/"),
        {
            "partner": str(partner.pk),
            "file": SimpleUploadedFile(name, content.encode(), content_type="text/csv"),
            **extra,
        },
        format="multipart",
    )


def test_a_csv_with_bad_rows_imports_nothing_and_names_each_bad_row(couple, therapist):
    content = (SAMPLES / "generic.csv").read_text(encoding="utf-8")
    preview = upload(therapist, couple, couple.partner_a, "generic.csv", content)
    assert preview.status_code == 201, preview.json()
    body = preview.json()
    assert body["status"] == "pending" and body["can_confirm"] is False
    bad_rows = sorted({e["row_number"] for e in body["errors"]})
    # Row 5: cortisol 250 nmol/L out of range; row 8: no UTC offset; row 9: another client;
    # row 11: skin conductance without its site.
    assert bad_rows == [5, 8, 9, 11]
    assert any("0.1\u2013100 nmol/L" in e["message"] for e in body["errors"])

    confirm = api_client_for(therapist).post(
        url(couple, f"measurement-imports/{body['id']}/confirm/")
    )
    assert confirm.status_code == 400
    lines = confirm.json()["errors"]["rows"]
    assert [line.split(":")[0] for line in lines] == ["Row 5", "Row 8", "Row 9", "Row 11"]
    assert not Measurement.objects.exists()
    assert MeasurementImport.objects.get().status == ImportStatus.PENDING


def test_a_clean_csv_previews_then_imports_every_row_at_once(couple, therapist):
    content = (
        "kind,value,unit,measured_at,sample_type,minutes_after_waking\n"
        "hrv_rmssd,41.2,ms,2025-12-08T07:05:00+01:00,,\n"
        "cortisol,0.45,µg/dL,2025-12-08T07:30:00+01:00,saliva,30\n"
    )
    preview = upload(therapist, couple, couple.partner_b, "mine.csv", content).json()
    assert preview["can_confirm"] is True and preview["row_count"] == 2
    assert not Measurement.objects.exists()  # a preview adds nothing

    done = api_client_for(therapist).post(
        url(couple, f"measurement-imports/{preview['id']}/confirm/")
    )
    assert done.status_code == 200, done.json()
    assert done.json()["status"] == "imported"
    stored = Measurement.objects.order_by("measured_at")
    assert [(m.kind, m.unit, m.source) for m in stored] == [
        ("hrv_rmssd", "ms", "import"),
        ("cortisol", "nmol/L", "import"),
    ]
    assert {m.partner_id for m in stored} == {couple.partner_b.pk}
    again = api_client_for(therapist).post(
        url(couple, f"measurement-imports/{preview['id']}/confirm/")
    )
    assert again.status_code == 400
    assert again.json()["errors"]["status"] == ["This import is already imported."]
    assert Measurement.objects.count() == 2


def test_importing_the_same_readings_twice_is_refused_row_by_row(couple, therapist):
    content = "kind,value,unit,measured_at\nheart_rate,64,bpm,2025-12-08T07:05:00+01:00\n"
    first = upload(therapist, couple, couple.partner_a, "a.csv", content).json()
    api_client_for(therapist).post(url(couple, f"measurement-imports/{first['id']}/confirm/"))
    second = upload(therapist, couple, couple.partner_a, "a.csv", content).json()
    assert second["can_confirm"] is False
    assert "already recorded" in second["errors"][0]["message"]


def test_hrv4training_export_imports_rmssd_heart_rate_and_sdnn(couple, therapist):
    lines = (SAMPLES / "hrv4training.csv").read_text(encoding="utf-8").splitlines()
    content = "\n".join(lines[:4]) + "\n"  # header and three clean days
    preview = upload(therapist, couple, couple.partner_a, "export.csv", content).json()
    assert preview["format"] == "hrv4training"
    assert preview["errors"] == [] and preview["can_confirm"] is True
    api_client_for(therapist).post(url(couple, f"measurement-imports/{preview['id']}/confirm/"))
    kinds = sorted(Measurement.objects.values_list("kind", flat=True))
    # Three days of rMSSD and HR; SDNN only where the cell is not "-".
    assert kinds.count("hrv_rmssd") == 3 and kinds.count("heart_rate") == 3
    assert kinds.count("hrv_sdnn") == 2
    first = Measurement.objects.filter(kind="hrv_rmssd").order_by("measured_at").first()
    assert first.measured_at == datetime(2025, 12, 8, 5, 52, 10, tzinfo=UTC)
    assert first.value == 48.3


def test_hrv4training_sample_with_bad_rows_names_them(couple, therapist):
    content = (SAMPLES / "hrv4training.csv").read_text(encoding="utf-8")
    preview = upload(therapist, couple, couple.partner_a, "export.csv", content).json()
    assert preview["can_confirm"] is False
    assert {e["row_number"] for e in preview["errors"]} >= {5, 6}


def test_fitbit_summary_needs_a_time_zone_and_then_imports_nightly_rmssd(couple, therapist):
    name = "Daily Heart Rate Variability Summary - 2025-12-08.csv"
    content = "timestamp,rmssd,nremhr,entropy\n2025-12-08T00:00:00,34.512,55.331,2.914\n"
    refused = upload(therapist, couple, couple.partner_a, name, content)
    assert refused.status_code == 400
    assert "time_zone" in refused.json()["errors"]
    preview = upload(
        therapist, couple, couple.partner_a, name, content, time_zone="Europe/London"
    ).json()
    assert preview["format"] == "fitbit_hrv" and preview["can_confirm"] is True
    api_client_for(therapist).post(url(couple, f"measurement-imports/{preview['id']}/confirm/"))
    rmssd = Measurement.objects.get(kind="hrv_rmssd")
    assert rmssd.value == pytest.approx(34.512)
    assert rmssd.context["condition"] == "sleep"


def test_fitbit_sample_bad_rows_are_each_named(couple, therapist):
    name = "Daily Heart Rate Variability Summary - 2025-12-08.csv"
    content = (SAMPLES / name).read_text(encoding="utf-8")
    preview = upload(
        therapist, couple, couple.partner_a, name, content, time_zone="Europe/London"
    ).json()
    assert preview["can_confirm"] is False
    assert {e["row_number"] for e in preview["errors"]} >= {4, 6}


def test_a_pending_import_can_be_discarded(couple, therapist):
    content = "kind,value,unit,measured_at\nheart_rate,64,bpm,2025-12-08T07:05:00+01:00\n"
    preview = upload(therapist, couple, couple.partner_a, "a.csv", content).json()
    client = api_client_for(therapist)
    assert client.post(url(couple, f"measurement-imports/{preview['id']}/discard/")).json()[
        "status"
    ] == ("discarded")
    confirm = client.post(url(couple, f"measurement-imports/{preview['id']}/confirm/"))
    assert confirm.status_code == 400
    assert confirm.json()["errors"]["status"] == ["This import is already discarded."]
    assert not Measurement.objects.exists()


def test_an_unrecognised_file_is_refused(couple, therapist):
    response = upload(therapist, couple, couple.partner_a, "notes.txt", "hello,world\n1,2\n")
    assert response.status_code == 400
    assert "format" in response.json()["errors"]


# --- portal and query counts -------------------------------------------------------------------


def test_a_partner_records_their_own_reading_in_the_portal(couple):
    client = api_client_for(couple.partner_a.portal_user)
    response = client.post(
        "/api/v1/portal/measurements/",
        {
            "kind": "heart_rate",
            "value": 62,
            "unit": "bpm",
            "measured_at": (timezone.now() - timedelta(minutes=5)).isoformat(),
        },
    )
    assert response.status_code == 201, response.json()
    stored = Measurement.objects.get()
    assert (stored.partner, stored.source) == (couple.partner_a, "portal")


def test_portal_measurements_follow_the_confidentiality_policy(couple):
    mine = make_measurement(couple, couple.partner_a)
    theirs = make_measurement(couple, couple.partner_b)
    client = api_client_for(couple.partner_a.portal_user)
    ids = {m["id"] for m in client.get("/api/v1/portal/measurements/").json()["results"]}
    assert ids == {str(mine.pk)}
    couple.individual_material_policy = IndividualMaterialPolicy.SHARED
    couple.save()
    ids = {m["id"] for m in client.get("/api/v1/portal/measurements/").json()["results"]}
    assert ids == {str(mine.pk), str(theirs.pk)}


def _count(client, path):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200
    return len(ctx.captured_queries), response.json()


def test_measurement_list_costs_the_same_for_2_and_60_readings(couple, therapist):
    client = api_client_for(therapist)
    path = url(couple, "measurements/?page_size=100")
    for partner in couple.partners:
        make_measurement(couple, partner)
    small, body = _count(client, path)
    assert body["count"] == 2
    for i in range(29):
        for partner in couple.partners:
            make_measurement(couple, partner, measured_at=timezone.now() - timedelta(days=i + 1))
    large, body = _count(client, path)
    assert body["count"] == 60
    assert small == large


def test_import_list_costs_the_same_for_1_and_12_imports(couple, therapist):
    from tests.sessions.world import make_measurement_import

    client = api_client_for(therapist)
    path = url(couple, "measurement-imports/?page_size=100")
    make_measurement_import(couple, couple.partner_a)
    small, _ = _count(client, path)
    for _ in range(11):
        make_measurement_import(couple, couple.partner_b)
    large, body = _count(client, path)
    assert body["count"] == 12
    assert small == large
