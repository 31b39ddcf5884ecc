"""Report requests, generation, downloads and retention, with tasks run in-process."""

import io
import uuid
from datetime import date, timedelta

import pytest
import time_machine
from django.core.files.storage import default_storage
from django.utils import timezone
from pypdf import PdfReader

from clinic.models import AuditEvent
from clinic.permissions import ADMIN_ONLY
from reports import services
from reports.models import ClinicExport, ProgressReport, Status
from reports.tasks import generate_report, sweep_stale_reports
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


def _running_report(clinic, couple, *, lease_left: timedelta, **extra):
    now = timezone.now()
    return ProgressReport.objects.create(
        clinic=clinic,
        couple=couple,
        audience="clinical",
        period_start=date(2026, 1, 1),
        period_end=date(2026, 1, 31),
        request_id=couple.pk,
        status=Status.RUNNING,
        started_at=now - timedelta(minutes=1),
        attempts=1,
        claim_token=uuid.uuid4(),
        lease_expires_at=now + lease_left,
        **extra,
    )


def test_running_report_whose_lease_lapsed_is_taken_over(clinic, couple):
    report = _running_report(clinic, couple, lease_left=timedelta(seconds=-1))
    generate_report.apply(args=[str(report.pk)])
    report.refresh_from_db()
    assert report.status == Status.DONE and report.attempts == 2
    assert report.lease_expires_at is None


def test_running_report_with_a_live_lease_is_left_to_its_runner(clinic, couple):
    report = _running_report(clinic, couple, lease_left=timedelta(seconds=20))
    generate_report.apply(args=[str(report.pk)])
    fresh = ProgressReport.objects.get(pk=report.pk)
    assert fresh.status == Status.RUNNING and fresh.attempts == 1
    assert fresh.claim_token == report.claim_token and not fresh.file_key


def test_two_claims_on_one_report_give_it_to_one_runner(clinic, couple):
    report = _report_row(clinic, couple)
    first = services.report_claim(report_id=report.pk)
    assert first is not None
    assert services.report_claim(report_id=report.pk) is None
    report.refresh_from_db()
    assert report.claim_token == first[1] and report.attempts == 1


def test_a_runner_that_lost_its_claim_does_not_finish_the_report(clinic, couple):
    report = _report_row(clinic, couple)
    loser, old_token = services.report_claim(report_id=report.pk)
    ProgressReport.objects.filter(pk=report.pk).update(lease_expires_at=timezone.now())
    winner, new_token = services.report_claim(report_id=report.pk)
    assert services.report_finish(report=loser, pdf=b"%PDF-stale", token=old_token) is False
    assert not default_storage.exists(services.storage.report_key(report))
    assert not services.report_renew_lease(report_id=report.pk, token=old_token)
    assert services.report_finish(report=winner, pdf=b"%PDF-fresh", token=new_token) is True
    assert services.report_finish(report=winner, pdf=b"%PDF-again", token=new_token) is False
    report.refresh_from_db()
    assert report.status == Status.DONE and report.attempts == 2
    with default_storage.open(report.file_key) as fh:
        assert fh.read() == b"%PDF-fresh"


def test_renewing_a_lease_extends_it_for_its_holder_only(clinic, couple, settings):
    settings.REPORT_LEASE_SECONDS = 30
    report = _report_row(clinic, couple)
    _, token = services.report_claim(report_id=report.pk)
    with time_machine.travel(timezone.now() + timedelta(seconds=20)):
        assert services.report_renew_lease(report_id=report.pk, token=token)
        assert not services.report_renew_lease(report_id=report.pk, token=uuid.uuid4())
        renewed_until = timezone.now() + timedelta(seconds=30)
    report.refresh_from_db()
    assert abs((report.lease_expires_at - renewed_until).total_seconds()) < 2


def test_sweeper_requeues_running_reports_whose_lease_lapsed(clinic, couple):
    lapsed = _running_report(clinic, couple, lease_left=timedelta(seconds=-5))
    live = _running_report(clinic, couple, lease_left=timedelta(seconds=20))
    assert services.reports_requeue_stale(queued_for=timedelta(minutes=11)) == [str(lapsed.pk)]
    lapsed.refresh_from_db()
    live.refresh_from_db()
    assert lapsed.status == Status.QUEUED and lapsed.claim_token is None
    assert live.status == Status.RUNNING


def test_sweeper_resends_a_long_queued_report_once_per_period(clinic, couple):
    report = _report_row(clinic, couple)
    with time_machine.travel(timezone.now() + timedelta(minutes=12)):
        assert services.reports_requeue_stale(queued_for=timedelta(minutes=11)) == [str(report.pk)]
        assert services.reports_requeue_stale(queued_for=timedelta(minutes=11)) == []
    with time_machine.travel(timezone.now() + timedelta(minutes=24)):
        assert services.reports_requeue_stale(queued_for=timedelta(minutes=11)) == [str(report.pk)]


def test_beat_sweep_finishes_a_report_whose_worker_died(clinic, couple):
    report = _running_report(clinic, couple, lease_left=timedelta(seconds=-1))
    assert sweep_stale_reports.apply().get() == 1
    report.refresh_from_db()
    assert report.status == Status.DONE and report.attempts == 2


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
    for audience in ("partner", "couple"):
        services.report_share(report=by_audience[audience], by=therapist)
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
    archive = zipfile.ZipFile(io.BytesIO(data))
    names = archive.namelist()
    assert "headline_scores.csv" in names
    # Each file is dated when it was made, in the clinic's time, not 1 January 1980.
    today = timezone.localtime(timezone.now(), clinic.tz).date()
    assert {info.date_time[:3] for info in archive.infolist()} == {
        (today.year, today.month, today.day)
    }
    assert all(info.compress_type == zipfile.ZIP_DEFLATED for info in archive.infolist())
    # Folders by couple label and opening date, as staff know the case; never a bare id.
    opened = timezone.localdate()
    assert {
        f"{c.label} {opened.isoformat()}/Clinical report 2026-01-01 to 2026-06-30.pdf"
        for c in couples
    } <= set(names)
    assert not any(str(c.pk) in name for c in couples for name in names)


def test_therapist_cannot_export(therapist, clinic):
    response = api_client_for(therapist).post(url(clinic, "exports/"), {}, format="json")
    assert response.status_code == 403
    assert response.json()["detail"] == ADMIN_ONLY


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
    # Handed back for the retry, which claims it again at once (no lease to wait out).
    assert report.status == Status.QUEUED and not report.failure_reason
    assert report.claim_token is None
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


def _export_whose_parts_finished_unannounced(clinic, admin, couples=2):
    """An export whose every part is done, as after a worker died between storing the last
    part and counting it: nothing has advanced the export."""
    for _ in range(couples):
        CoupleFactory(clinic=clinic, therapists=[admin])
    export = services.export_request(
        clinic=clinic,
        by=admin,
        period_start=date(2026, 1, 1),
        period_end=date(2026, 3, 31),
        audiences=["clinical"],
    )  # on-commit callbacks are not run: no task was sent
    ClinicExport.objects.filter(pk=export.pk).update(status=Status.RUNNING)
    for part in export.reports.all():
        claimed, token = services.report_claim(report_id=part.pk)
        assert services.report_finish(report=claimed, pdf=b"%PDF-1.4 part", token=token)
    return export


def _zip_names(export) -> set[str]:
    import zipfile

    with default_storage.open(export.file_key) as fh:
        return set(zipfile.ZipFile(io.BytesIO(fh.read())).namelist())


def test_redelivered_part_of_a_finished_report_still_advances_its_export(clinic, admin):
    export = _export_whose_parts_finished_unannounced(clinic, admin)
    part = export.reports.first()
    generate_report.apply(args=[str(part.pk)])
    export.refresh_from_db()
    assert export.status == Status.DONE and export.completed == export.total == 2
    assert any(
        name.startswith(f"{part.couple.label} ") and "/Clinical report " in name
        for name in _zip_names(export)
    )
    assert ProgressReport.objects.get(pk=part.pk).attempts == 1  # not generated again


def test_sweep_finishes_an_export_nobody_advanced(clinic, admin):
    export = _export_whose_parts_finished_unannounced(clinic, admin)
    assert sweep_stale_reports.apply().get() == 1
    export.refresh_from_db()
    assert export.status == Status.DONE and export.completed == 2
    assert "headline_scores.csv" in _zip_names(export)


def test_sweep_assembles_again_an_export_whose_assembly_died(clinic, admin):
    export = _export_whose_parts_finished_unannounced(clinic, admin)
    ClinicExport.objects.filter(pk=export.pk).update(
        completed=2, assembling_at=timezone.now() - timedelta(minutes=5)
    )
    assert sweep_stale_reports.apply().get() == 0  # an assembly may still be running
    export.refresh_from_db()
    assert export.status == Status.RUNNING
    with time_machine.travel(timezone.now() + timedelta(minutes=10)):
        assert sweep_stale_reports.apply().get() == 1
    export.refresh_from_db()
    assert export.status == Status.DONE


def test_sweep_starts_an_export_whose_start_was_lost(clinic, admin):
    CoupleFactory(clinic=clinic, therapists=[admin])
    export = services.export_request(
        clinic=clinic,
        by=admin,
        period_start=date(2026, 1, 1),
        period_end=date(2026, 3, 31),
        audiences=["couple"],
    )  # the start task was never sent
    assert sweep_stale_reports.apply().get() == 0
    with time_machine.travel(timezone.now() + timedelta(minutes=12)):
        sweep_stale_reports.apply()
    export.refresh_from_db()
    assert export.status == Status.DONE and export.completed == export.total == 1


def test_export_zip_is_streamed_to_storage_not_built_in_memory(clinic, admin):
    import hashlib
    import os
    import tracemalloc

    export = _export_whose_parts_finished_unannounced(clinic, admin, couples=12)
    for part in export.reports.all():  # 12 MiB of incompressible parts
        services.storage.store_bytes(part.file_key, os.urandom(1 << 20))
    ClinicExport.objects.filter(pk=export.pk).update(completed=12, assembling_at=timezone.now())
    tracemalloc.start()
    try:
        services.export_build(export_id=export.pk)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 6 * (1 << 20), f"peak {peak / (1 << 20):.1f} MiB while zipping 12 MiB"
    export.refresh_from_db()
    with default_storage.open(export.file_key) as fh:
        data = fh.read()
    assert export.status == Status.DONE and export.size_bytes == len(data) > 12 * (1 << 20)
    assert export.sha256 == hashlib.sha256(data).hexdigest()
    assert len(_zip_names(export)) == 13


def test_export_folders_of_couples_with_the_same_names_stay_apart(
    django_capture_on_commit_callbacks, admin, clinic, therapist
):
    import zipfile

    first = CoupleFactory(clinic=clinic, therapists=[therapist], intake_date=date(2026, 1, 5))
    second = CoupleFactory(clinic=clinic, therapists=[therapist], intake_date=date(2026, 1, 5))
    for couple in (first, second):
        couple.partner_a.preferred_name, couple.partner_b.preferred_name = "Sam/Lee", 'Kim "K"'
        couple.partner_a.save()
        couple.partner_b.save()
    with django_capture_on_commit_callbacks(execute=True):
        api_client_for(admin).post(
            url(clinic, "exports/"),
            {"period_start": "2026-01-01", "period_end": "2026-03-31", "audiences": ["couple"]},
            format="json",
        )
    export = ClinicExport.objects.get()
    with default_storage.open(export.file_key) as fh:
        names = zipfile.ZipFile(io.BytesIO(fh.read())).namelist()
    couple_report = "Couple report 2026-01-01 to 2026-03-31.pdf"
    assert f"Sam Lee & Kim K 2026-01-05/{couple_report}" in names
    assert f"Sam Lee & Kim K 2026-01-05 (2)/{couple_report}" in names


def test_headline_csv_leaves_cells_without_a_value_empty():
    from reports.services import _headline_csv

    text = _headline_csv(
        [
            {
                "couple_id": "c1",
                "couple": "A & B",
                "partner": "A",
                "instrument": "ecr_r:anxiety",
                "date": "2026-01-05",
                "total": "",
                "band": None,
            }
        ]
    )
    row = text.splitlines()[1]
    assert row == "c1,A & B,A,ecr_r:anxiety,2026-01-05,,"
    assert "None" not in text and ",-," not in text
