"""Prometheus metrics for Celery, with a real worker: the web's /metrics reports the broker's
queue length, the worker's own endpoint its tasks' counts and durations by name and state."""

import socket
import urllib.request

import pytest
from prometheus_client.parser import text_string_to_metric_families

from clinic.models import Role
from reports.models import ProgressReport, Status
from tests.conftest import api_client_for
from tests.factories import CoupleFactory, MembershipFactory
from tests.reports.test_worker_e2e import wait_for, worker_factory  # noqa: F401 (fixture)

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

GENERATE = "reports.tasks.generate_report"


def _samples(text: str) -> dict[tuple[str, tuple], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _worker_metrics(port: int) -> dict:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as answer:
            return _samples(answer.read().decode())
    except OSError:
        return {}  # not listening yet


def test_queue_length_on_metrics_and_task_counts_and_durations_from_the_worker(
    worker_factory,  # noqa: F811
    clinic,
    client,
    tmp_path,
):
    therapist = MembershipFactory(clinic=clinic, role=Role.THERAPIST).user
    couple = CoupleFactory(clinic=clinic, therapists=[therapist])
    queued = api_client_for(therapist).post(
        f"/api/v1/clinics/{clinic.slug}/couples/{couple.pk}/reports/",
        {"period_start": "2026-01-01", "period_end": "2026-03-31", "audiences": ["clinical"]},
        format="json",
    )
    assert queued.status_code == 202
    report_id = queued.json()[0]["id"]

    # No worker yet: the task waits in the broker, and the web's /metrics says so.
    waiting = _samples(client.get("/metrics").content.decode())
    assert waiting[("attune_celery_queue_length", (("queue", "celery"),))] == 1

    port = _free_port()
    worker_factory(
        PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "metrics"), CELERY_METRICS_PORT=str(port)
    )
    wait_for(
        lambda: ProgressReport.objects.filter(pk=report_id, status=Status.DONE).exists(),
        timeout=90,
    )
    succeeded = (("state", "succeeded"), ("task", GENERATE))
    metrics = wait_for(
        lambda: (m := _worker_metrics(port)).get(("attune_celery_tasks_total", succeeded)) and m,
        timeout=30,
    )
    assert metrics[("attune_celery_tasks_total", succeeded)] == 1
    assert metrics[("attune_celery_task_duration_seconds_count", succeeded)] == 1
    assert 0 < metrics[("attune_celery_task_duration_seconds_sum", succeeded)] < 90
    assert ("attune_celery_tasks_total", (("state", "failed"), ("task", GENERATE))) not in metrics

    drained = _samples(client.get("/metrics").content.decode())
    assert drained[("attune_celery_queue_length", (("queue", "celery"),))] == 0
