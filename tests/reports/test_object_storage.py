"""Reports and exports in S3-compatible object storage (a real S3 API server, moto's), as a
deployment with S3_BUCKET set stores them: private objects, audited downloads, retention."""

import io
import zipfile
from datetime import date, timedelta

import pytest
from botocore.exceptions import ClientError
from django.core.files.storage import default_storage
from django.utils import timezone
from pypdf import PdfReader

from clinic.models import AuditEvent
from reports import services
from reports.models import ClinicExport, ProgressReport, Status
from tests.conftest import api_client_for
from tests.factories import CoupleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def eager(settings):
    from clinic.celery import app

    settings.CELERY_TASK_ALWAYS_EAGER = True
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


def _request(therapist, couple, audiences=("couple",)):
    return services.report_request(
        clinic=couple.clinic,
        by=therapist,
        couple=couple,
        period_start=date(2026, 1, 1),
        period_end=date(2026, 2, 1),
        audiences=list(audiences),
    )


def _object_exists(client, bucket, key) -> bool:
    try:
        client.head_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        code = exc.response["Error"]["Code"]
    else:
        return True
    assert code in ("404", "NoSuchKey"), code
    return False


def test_settings_put_report_files_in_the_bucket_privately(s3_configured_storage):
    assert s3_configured_storage["BACKEND"] == "storages.backends.s3.S3Storage"
    options = s3_configured_storage["OPTIONS"]
    assert options["default_acl"] is None and options["querystring_auth"] is True
    assert options["querystring_expire"] <= 60


def test_report_is_stored_in_the_bucket_and_downloaded_through_the_audited_view(
    s3_storage, django_capture_on_commit_callbacks, therapist, clinic, couple
):
    client, bucket = s3_storage
    with django_capture_on_commit_callbacks(execute=True):
        report = _request(therapist, couple)[0]
    report.refresh_from_db()
    assert report.status == Status.DONE
    assert report.file_key == f"reports/{clinic.pk}/{report.pk}.pdf"
    stored = client.get_object(Bucket=bucket, Key=report.file_key)["Body"].read()
    assert stored.startswith(b"%PDF") and len(stored) == report.size_bytes
    grants = client.get_object_acl(Bucket=bucket, Key=report.file_key)["Grants"]
    assert not [g for g in grants if "AllUsers" in str(g.get("Grantee", {}))]

    response = api_client_for(therapist).get(
        f"/api/v1/clinics/{clinic.slug}/reports/{report.pk}/download/"
    )
    assert response.status_code == 200
    data = b"".join(response.streaming_content)
    assert data == stored and response["X-Content-SHA256"] == report.sha256
    assert couple.partner_a.display_name in PdfReader(io.BytesIO(data)).pages[0].extract_text()
    assert AuditEvent.objects.filter(action="download", object_id=str(report.pk)).exists()


def test_a_rerun_replaces_the_object_instead_of_adding_one(
    s3_storage, django_capture_on_commit_callbacks, therapist, clinic, couple
):
    client, bucket = s3_storage
    with django_capture_on_commit_callbacks(execute=True):
        report = _request(therapist, couple)[0]
    ProgressReport.objects.filter(pk=report.pk).update(status=Status.QUEUED)
    services.report_generate(report_id=report.pk)
    listed = client.list_objects_v2(Bucket=bucket, Prefix=f"reports/{clinic.pk}/")
    assert [o["Key"] for o in listed["Contents"]] == [f"reports/{clinic.pk}/{report.pk}.pdf"]


def test_retention_expiry_deletes_the_object_and_keeps_the_record(
    s3_storage, django_capture_on_commit_callbacks, therapist, clinic, couple
):
    client, bucket = s3_storage
    with django_capture_on_commit_callbacks(execute=True):
        report = _request(therapist, couple)[0]
    report.refresh_from_db()
    assert _object_exists(client, bucket, report.file_key)
    # Past its retention (moving the row's expiry, not the clock: S3 requests are signed
    # with the real time).
    ProgressReport.objects.filter(pk=report.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    assert services.files_expire() == 1
    assert not _object_exists(client, bucket, report.file_key)
    report.refresh_from_db()
    assert report.file_removed_at is not None and report.sha256
    response = api_client_for(therapist).get(
        f"/api/v1/clinics/{clinic.slug}/reports/{report.pk}/download/"
    )
    assert response.status_code == 404


def test_export_zip_is_streamed_into_the_bucket(
    s3_storage, django_capture_on_commit_callbacks, admin, clinic, therapist
):
    client, bucket = s3_storage
    couples = [CoupleFactory(clinic=clinic, therapists=[therapist]) for _ in range(2)]
    with django_capture_on_commit_callbacks(execute=True):
        export = services.export_request(
            clinic=clinic,
            by=admin,
            period_start=date(2026, 1, 1),
            period_end=date(2026, 3, 31),
            audiences=["clinical"],
        )
    export = ClinicExport.objects.get(pk=export.pk)
    assert export.status == Status.DONE
    body = client.get_object(Bucket=bucket, Key=export.file_key)["Body"].read()
    assert len(body) == export.size_bytes
    names = set(zipfile.ZipFile(io.BytesIO(body)).namelist())
    assert "headline_scores.csv" in names
    for c in couples:
        assert any(n.startswith(f"{c.label} ") and "/Clinical report " in n for n in names)
    download = api_client_for(admin).get(
        f"/api/v1/clinics/{clinic.slug}/exports/{export.pk}/download/"
    )
    assert download.status_code == 200 and b"".join(download.streaming_content) == body
    assert default_storage.exists(export.file_key)
