"""Report requests, generation, downloads and retention, with tasks run in-process."""

import io
from datetime import date, timedelta

import pytest
import time_machine
from django.core.files.storage import default_storage
from django.utils import timezone
from pypdf import PdfReader

from clinic.models import AuditEvent
from reports import services
from reports.models import ClinicExport, ProgressReport, Status
from reports.tasks import generate_report
from tests.conftest import api_client_for
from tests.factories import CoupleFactory, MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def eager(settings):
    from clinic.celery import app

    settings.CELERY_TASK_ALWAYS_EAGER = True
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


def url(clinic, path):
    return f"/api/v1/clinics/{clinic.slug}/{path}"


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def request_report(api, clinic, couple, **extra):
    body = {
        "period_start": "2026-01-01",
        "period_end": "2026-11-30",
        "audiences": ["clinical"],
        **extra,
    }
    return api.post(url(clinic, f"couples/{couple.pk}/reports/"), body, format="json")


def test_request_answers_202_and_generates_a_downloadable_pdf(
    django_capture_on_commit_callbacks, therapist, clinic, couple
):
    api = api_client_for(therapist)
    with django_capture_on_commit_callbacks(execute=True):
        response = request_report(api, clinic, couple, summary="Steady <b>progress</b> & hope")
    assert response.status_code == 202
    report = ProgressReport.objects.get(pk=response.json()[0]["id"])
    assert report.status == Status.DONE and len(report.sha256) == 64
    download = api.get(url(clinic, f"reports/{report.pk}/download/"))
    assert download.status_code == 200
    data = b"".join(download.streaming_content)
    text = pdf_text(data)
    assert couple.partner_a.display_name in text
    assert "Steady <b>progress</b> & hope" in text
    assert download["X-Content-SHA256"] == report.sha256
    assert AuditEvent.objects.filter(action="download", object_id=str(report.pk)).exists()


def test_running_twice_yields_one_file(
    django_capture_on_commit_callbacks, therapist, clinic, couple, settings
):
    with django_capture_on_commit_callbacks(execute=True):
        report = services.report_request(
            clinic=clinic,
            by=therapist,
            couple=couple,
            period_start=date(2026, 1, 1),
            period_end=date(2026, 2, 1),
            audiences=["clinical"],
        )[0]
    first = ProgressReport.objects.get(pk=report.pk)
    generate_report.apply(args=[str(report.pk)])
    again = ProgressReport.objects.get(pk=report.pk)
    assert again.attempts == first.attempts == 1
    folder = f"reports/{clinic.pk}"
    assert default_storage.listdir(folder)[1].count(f"{report.pk}.pdf") == 1


def test_orphaned_running_report_is_taken_over(therapist, clinic, couple):
    report = ProgressReport.objects.create(
        clinic=clinic,
        couple=couple,
        audience="clinical",
        period_start=date(2026, 1, 1),
        period_end=date(2026, 1, 31),
        request_id=couple.pk,
        status=Status.RUNNING,
        started_at=timezone.now(),
        attempts=1,
    )
    generate_report.apply(args=[str(report.pk)])
    report.refresh_from_db()
    assert report.status == Status.DONE and report.attempts == 2


def test_stale_reports_are_requeued_by_the_sweeper(therapist, clinic, couple):
    report = ProgressReport.objects.create(
        clinic=clinic,
        couple=couple,
        audience="clinical",
        period_start=date(2026, 1, 1),
        period_end=date(2026, 1, 31),
        request_id=couple.pk,
        status=Status.RUNNING,
        started_at=timezone.now() - timedelta(hours=2),
    )
    assert services.reports_requeue_stale(older_than=timedelta(minutes=11)) == [str(report.pk)]
    report.refresh_from_db()
    assert report.status == Status.QUEUED


def test_failure_is_recorded_with_a_readable_reason(therapist, clinic, couple, monkeypatch):
    report = ProgressReport.objects.create(
        clinic=clinic,
        couple=couple,
        audience="clinical",
        period_start=date(2026, 1, 1),
        period_end=date(2026, 1, 31),
        request_id=couple.pk,
    )

    def broken(contents):
        raise ValueError("chart has no data")

    monkeypatch.setattr("reports.pdf.render_pdf", broken)
    generate_report.apply(args=[str(report.pk)])
    report.refresh_from_db()
    assert report.status == Status.FAILED
    assert "chart has no data" in report.failure_reason and "Try again" in report.failure_reason


def test_bad_requests_are_field_errors(therapist, clinic, couple):
    api = api_client_for(therapist)
    response = request_report(
        api, clinic, couple, period_start="2026-05-01", period_end="2026-04-01"
    )
    assert response.status_code == 400 and "period_end" in response.json()["errors"]
    response = request_report(api, clinic, couple, audiences=["partner"])
    assert response.status_code == 400 and "partner" in response.json()["errors"]
    response = request_report(api, clinic, couple, audiences=["everyone"])
    assert response.status_code == 400 and "audiences" in response.json()["errors"]
    assert not ProgressReport.objects.exists()


def test_broker_down_is_503_and_creates_nothing(therapist, clinic, couple, settings, monkeypatch):
    from clinic.celery import app

    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.task_always_eager = False
    previous = app.conf.broker_url
    # Celery reads CELERY_BROKER_URL from the environment before its configuration.
    monkeypatch.setenv("CELERY_BROKER_URL", "redis://127.0.0.1:1/0")
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    try:
        response = request_report(api_client_for(therapist), clinic, couple)
    finally:
        app.conf.broker_url = previous
    assert response.status_code == 503
    assert "Nothing was created" in response.json()["detail"]
    assert not ProgressReport.objects.exists()


def test_downloads_are_refused_to_other_clinics_therapists_and_partners(
    django_capture_on_commit_callbacks, therapist, other_therapist, outsider, clinic, couple
):
    with django_capture_on_commit_callbacks(execute=True):
        reports = services.report_request(
            clinic=clinic,
            by=therapist,
            couple=couple,
            period_start=date(2026, 1, 1),
            period_end=date(2026, 2, 1),
            audiences=["partner", "couple", "clinical"],
            partner=couple.partner_a,
        )
    by_audience = {r.audience: r for r in reports}
    partner_report = by_audience["partner"]
    path = url(clinic, f"reports/{partner_report.pk}/download/")
    assert api_client_for(outsider).get(path).status_code == 404
    assert api_client_for(other_therapist).get(path).status_code == 404
    b = api_client_for(couple.partner_b.portal_user)
    assert b.get(f"/api/v1/portal/reports/{partner_report.pk}/download/").status_code == 404
    assert (
        b.get(f"/api/v1/portal/reports/{by_audience['clinical'].pk}/download/").status_code == 404
    )
    assert b.get(f"/api/v1/portal/reports/{by_audience['couple'].pk}/download/").status_code == 200
    a = api_client_for(couple.partner_a.portal_user)
    assert a.get(f"/api/v1/portal/reports/{partner_report.pk}/download/").status_code == 200
    listed = {r["id"] for r in b.get("/api/v1/portal/reports/").json()["results"]}
    assert listed == {str(by_audience["couple"].pk)}


def test_expired_files_are_removed_and_records_stay(
    django_capture_on_commit_callbacks, therapist, clinic, couple
):
    clinic.report_retention_days = 7
    clinic.save()
    with django_capture_on_commit_callbacks(execute=True):
        report = services.report_request(
            clinic=clinic,
            by=therapist,
            couple=couple,
            period_start=date(2026, 1, 1),
            period_end=date(2026, 2, 1),
            audiences=["couple"],
        )[0]
    report.refresh_from_db()
    assert default_storage.exists(report.file_key)
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        assert services.files_expire() == 1
    report.refresh_from_db()
    assert report.file_removed_at is not None and not default_storage.exists(report.file_key)
    response = api_client_for(therapist).get(url(clinic, f"reports/{report.pk}/download/"))
    assert response.status_code == 404


def test_clinic_export_builds_a_zip_with_every_couple_and_a_csv(
    django_capture_on_commit_callbacks, admin, clinic, therapist
):
    import zipfile

    couples = [CoupleFactory(clinic=clinic, therapists=[therapist]) for _ in range(3)]
    api = api_client_for(admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            url(clinic, "exports/"),
            {
                "period_start": "2026-01-01",
                "period_end": "2026-06-30",
                "audiences": ["clinical", "couple"],
            },
            format="json",
        )
    assert response.status_code == 202
    export = ClinicExport.objects.get(pk=response.json()["id"])
    assert export.status == Status.DONE and export.completed == export.total == 6
    detail = api.get(url(clinic, f"exports/{export.pk}/")).json()
    assert detail["progress"] == "6 of 6"
    data = b"".join(api.get(url(clinic, f"exports/{export.pk}/download/")).streaming_content)
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert "headline_scores.csv" in names
    assert {f"{c.pk}/clinical.pdf" for c in couples} <= set(names)


def test_therapist_cannot_export(therapist, clinic):
    response = api_client_for(therapist).post(url(clinic, "exports/"), {}, format="json")
    assert response.status_code == 403


def test_report_list_query_count_does_not_grow(therapist, clinic, couple):
    from tests.clinic.test_api_people import count_queries

    api = api_client_for(therapist)

    def make(n):
        for _ in range(n):
            ProgressReport.objects.create(
                clinic=clinic,
                couple=couple,
                audience="clinical",
                period_start=date(2026, 1, 1),
                period_end=date(2026, 1, 2),
                request_id=couple.pk,
            )

    make(2)
    small, _ = count_queries(lambda: api.get(url(clinic, f"couples/{couple.pk}/reports/")))
    make(20)
    large, r2 = count_queries(lambda: api.get(url(clinic, f"couples/{couple.pk}/reports/")))
    assert r2.json()["count"] == 22 and small == large


def test_unassigned_therapist_cannot_request(other_therapist, clinic, couple):
    assert request_report(api_client_for(other_therapist), clinic, couple).status_code == 404
    MembershipFactory(clinic=clinic)
    assert not ProgressReport.objects.exists()


def _report_row(clinic, couple):
    return ProgressReport.objects.create(
        clinic=clinic,
        couple=couple,
        audience="clinical",
        period_start=date(2026, 1, 1),
        period_end=date(2026, 1, 31),
        request_id=couple.pk,
    )


def test_a_transient_database_error_is_retried(clinic, couple, monkeypatch):
    from celery.exceptions import Retry
    from django.db import OperationalError

    import reports.data

    real_gather, calls = reports.data.gather, []

    def flaky(report):
        calls.append(report.pk)
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return real_gather(report)

    monkeypatch.setattr(reports.data, "gather", flaky)
    report = _report_row(clinic, couple)
    with pytest.raises(Retry):  # autoretry schedules another delivery, with backoff
        generate_report.apply(args=[str(report.pk)])
    report.refresh_from_db()
    assert report.status == Status.RUNNING and not report.failure_reason
    generate_report.apply(args=[str(report.pk)])  # the retry's delivery
    report.refresh_from_db()
    assert len(calls) == 2
    assert report.status == Status.DONE and report.attempts == 2


def test_retries_are_bounded_with_backoff():
    from django.db import OperationalError

    assert OperationalError in generate_report.autoretry_for
    assert generate_report.max_retries == 5
    assert (
        generate_report.retry_backoff
        and generate_report.acks_late
        and generate_report.reject_on_worker_lost
    )


def test_a_lasting_failure_is_recorded_with_a_reason(clinic, couple):
    from django.db import OperationalError

    report = _report_row(clinic, couple)
    generate_report.on_failure(
        OperationalError("could not connect to server"), "task-id", (str(report.pk),), {}, None
    )
    report.refresh_from_db()
    assert report.status == Status.FAILED
    assert "kept failing after 5 retries" in report.failure_reason
    assert "could not connect to server" in report.failure_reason
