"""End to end with a real Celery worker process and Redis (not eager mode)."""

import io
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection
from pypdf import PdfReader

from clinic.models import Role
from reports.models import ProgressReport, Status
from tests.conftest import api_client_for
from tests.factories import CoupleFactory, MembershipFactory

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]


def _database_url() -> str:
    db = connection.settings_dict
    user = db.get("USER") or "postgres"
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{user}@{host}:{port}/{db['NAME']}"


@pytest.fixture
def worker_factory(settings):
    """Start real `celery worker` processes against this test's database and Redis."""
    from clinic.celery import app

    assert settings.REDIS_URL, "the worker tests need REDIS_URL (make test sets it)"
    assert settings.CELERY_BROKER_URL != settings.REDIS_URL
    # Tasks left over from an earlier test would run against this test's database.
    redis.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()
    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.task_always_eager = False
    procs = []

    def start(app_module="clinic", **extra_env):
        env = {
            **os.environ,
            "DATABASE_URL": _database_url(),
            "PRIVATE_MEDIA_ROOT": str(settings.STORAGES["default"]["OPTIONS"]["location"]),
            **extra_env,
        }
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                app_module,
                "worker",
                "--pool=prefork",
                "--concurrency=1",
                "--without-gossip",
                "--without-mingle",
                "--loglevel=INFO",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        procs.append(proc)
        return proc

    yield start
    for proc in procs:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def wait_for(predicate, timeout=60.0, interval=0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)  # polling a separate process; there is no clock to freeze here
    raise AssertionError("condition not met within timeout")


def _status(report_id):
    return ProgressReport.objects.filter(pk=report_id).values_list("status", flat=True).first()


def test_worker_generates_report_and_access_rules_hold(worker_factory, clinic, other_clinic):
    worker_factory()
    therapist = MembershipFactory(clinic=clinic, role=Role.THERAPIST).user
    unassigned = MembershipFactory(clinic=clinic, role=Role.THERAPIST).user
    outsider = MembershipFactory(clinic=other_clinic, role=Role.ADMIN).user
    couple = CoupleFactory(
        clinic=clinic,
        therapists=[therapist],
        partner_a__legal_name="Zoë Ångström",
        partner_b__legal_name="Дмитрий Ελένη",
    )
    api = api_client_for(therapist)
    response = api.post(
        f"/api/v1/clinics/{clinic.slug}/couples/{couple.pk}/reports/",
        {
            "period_start": "2026-01-01",
            "period_end": "2026-11-30",
            "audiences": ["clinical", "partner"],
            "partner": str(couple.partner_a.pk),
            "summary": "Plan: <b>slow</b> down & breathe",
        },
        format="json",
    )
    assert response.status_code == 202
    ids = [r["id"] for r in response.json()]
    assert {r["status"] for r in response.json()} == {"queued"}
    wait_for(lambda: all(_status(i) == Status.DONE for i in ids))

    clinical = ProgressReport.objects.get(pk=ids[0])
    download = api.get(f"/api/v1/clinics/{clinic.slug}/reports/{clinical.pk}/download/")
    assert download.status_code == 200
    text = "\n".join(
        p.extract_text() for p in PdfReader(io.BytesIO(b"".join(download.streaming_content))).pages
    )
    assert "Zoë Ångström" in text and "Дмитрий Ελένη" in text
    assert "Plan: <b>slow</b> down & breathe" in text

    partner_report = ProgressReport.objects.get(pk=ids[1])
    path = f"/api/v1/clinics/{clinic.slug}/reports/{partner_report.pk}/download/"
    assert api_client_for(outsider).get(path).status_code == 404
    assert api_client_for(unassigned).get(path).status_code == 404
    other_partner = api_client_for(couple.partner_b.portal_user)
    assert (
        other_partner.get(f"/api/v1/portal/reports/{partner_report.pk}/download/").status_code
        == 404
    )


def _pool_children(pid: int) -> list[int]:
    out = subprocess.run(
        ["pgrep", "-P", str(pid)], capture_output=True, text=True, check=False
    ).stdout
    return [int(x) for x in out.split()]


def _request_report(clinic):
    therapist = MembershipFactory(clinic=clinic, role=Role.THERAPIST).user
    couple = CoupleFactory(clinic=clinic, therapists=[therapist])
    response = api_client_for(therapist).post(
        f"/api/v1/clinics/{clinic.slug}/couples/{couple.pk}/reports/",
        {"period_start": "2026-01-01", "period_end": "2026-03-31", "audiences": ["clinical"]},
        format="json",
    )
    return couple, response.json()[0]["id"]


def test_whole_worker_killed_mid_report_is_taken_over_and_finished_once(worker_factory, clinic):
    from reports import services

    # Renders take 4 s (tests.reports.slow_worker); leases of 2 s keep the test short.
    doomed = worker_factory(app_module="tests.reports.slow_worker", REPORT_LEASE_SECONDS="2")
    couple, report_id = _request_report(clinic)
    wait_for(lambda: _status(report_id) == Status.RUNNING)
    # The whole worker dies (main process and pool), as when its host is lost: its message
    # stays unacknowledged in Redis until the visibility timeout, far beyond our 2 minutes.
    for pid in [*_pool_children(doomed.pid), doomed.pid]:
        os.kill(pid, signal.SIGKILL)
    died_at = time.monotonic()
    worker_factory(REPORT_LEASE_SECONDS="2")

    def swept_and_done():  # this test stands in for beat, running the sweep every second
        services.stale_work_requeue()
        return _status(report_id) == Status.DONE

    wait_for(swept_and_done, timeout=60, interval=1.0)
    assert time.monotonic() - died_at < 120
    report = ProgressReport.objects.get(pk=report_id)
    assert report.attempts == 2 and report.claim_token is not None
    assert ProgressReport.objects.filter(couple=couple).count() == 1
    folder = Path(settings.STORAGES["default"]["OPTIONS"]["location"]) / "reports" / str(clinic.pk)
    assert sorted(p.name for p in folder.iterdir()) == [f"{report_id}.pdf"]


def test_a_live_runner_keeps_its_report_by_heartbeat(worker_factory, clinic):
    from reports import services

    worker_factory(app_module="tests.reports.slow_worker", REPORT_LEASE_SECONDS="1")
    _, report_id = _request_report(clinic)
    wait_for(lambda: _status(report_id) == Status.RUNNING)
    first = ProgressReport.objects.get(pk=report_id).lease_expires_at
    # Three lease lengths into a 4 s render the lease has been renewed, so neither a claim
    # nor the sweep takes the report from its runner.
    time.sleep(3)  # a real process renders meanwhile; there is no clock to move
    assert services.report_claim(report_id=report_id) is None
    assert services.reports_requeue_stale(queued_for=timedelta(minutes=11)) == []
    assert ProgressReport.objects.get(pk=report_id).lease_expires_at > first
    wait_for(lambda: _status(report_id) == Status.DONE)
    assert ProgressReport.objects.get(pk=report_id).attempts == 1


def test_worker_builds_a_clinic_export_zip(worker_factory, clinic):
    import zipfile

    from reports.models import ClinicExport

    worker_factory()
    admin = MembershipFactory(clinic=clinic, role=Role.ADMIN).user
    couples = [CoupleFactory(clinic=clinic, therapists=[admin]) for _ in range(3)]
    api = api_client_for(admin)
    response = api.post(
        f"/api/v1/clinics/{clinic.slug}/exports/",
        {"period_start": "2026-01-01", "period_end": "2026-06-30", "audiences": ["clinical"]},
        format="json",
    )
    assert response.status_code == 202
    export_id = response.json()["id"]
    wait_for(lambda: ClinicExport.objects.filter(pk=export_id, status=Status.DONE).exists())
    progress = api.get(f"/api/v1/clinics/{clinic.slug}/exports/{export_id}/").json()["progress"]
    assert progress == "3 of 3"
    data = b"".join(
        api.get(f"/api/v1/clinics/{clinic.slug}/exports/{export_id}/download/").streaming_content
    )
    names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    assert "headline_scores.csv" in names
    # One folder a couple, named by its label and opening date, each holding its clinical report.
    for c in couples:
        assert sum(n.startswith(f"{c.label} ") and "/Clinical report " in n for n in names) == 1


def test_request_id_travels_from_the_request_into_the_worker_logs(worker_factory, clinic):
    import json
    import uuid

    worker = worker_factory(LOG_FORMAT="json")
    therapist = MembershipFactory(clinic=clinic, role=Role.THERAPIST).user
    couple = CoupleFactory(clinic=clinic, therapists=[therapist])
    request_id = uuid.uuid4().hex
    response = api_client_for(therapist).post(
        f"/api/v1/clinics/{clinic.slug}/couples/{couple.pk}/reports/",
        {"period_start": "2026-01-01", "period_end": "2026-03-31", "audiences": ["clinical"]},
        format="json",
        HTTP_X_REQUEST_ID=request_id,
    )
    assert response["X-Request-ID"] == request_id
    report_id = response.json()[0]["id"]
    wait_for(lambda: _status(report_id) == Status.DONE)
    worker.terminate()
    output, _ = worker.communicate(timeout=30)
    records = []
    for line in output.splitlines():
        try:
            records.append(json.loads(line))
        except ValueError:
            continue  # Celery's start-up banner is not a log record
    done = [r for r in records if r.get("message") == f"report {report_id} done (attempt 1)"]
    assert len(done) == 1, output[-3000:]
    assert done[0]["request_id"] == request_id and done[0]["level"] == "INFO"
