"""Prometheus metrics for Celery: task counts and durations, and the broker's queue length.

Each process reports what it knows, and Prometheus adds the figures up across the fleet
(`sum by (task, state) (rate(attune_celery_tasks_total[5m]))`), the way Prometheus expects
to be fed; nothing is shared through a disk or written to Redis on every task.

- Tasks run in a worker's prefork pool processes. They count into prometheus_client's
  multiprocess files (PROMETHEUS_MULTIPROC_DIR, a directory of the worker's own, emptied
  when the worker starts), and the worker's main process serves them all at
  http://<worker>:CELERY_METRICS_PORT/metrics. Both variables are set for worker processes
  only (bin/run, docker-compose.yml).
- The queue length is the broker's, the same whichever process asks: each web server's
  /metrics (clinic.health.metrics) reads it from Redis when scraped.
"""

import functools
import logging
import os
import time
from pathlib import Path

from celery.signals import (
    task_postrun,
    task_prerun,
    worker_init,
    worker_process_shutdown,
    worker_ready,
)
from prometheus_client import Counter, Histogram
from prometheus_client.core import GaugeMetricFamily

log = logging.getLogger(__name__)

TASKS = Counter(
    "attune_celery_tasks",
    "Celery tasks finished, by task name and final state (succeeded, failed, retried).",
    ["task", "state"],
)
DURATION = Histogram(
    "attune_celery_task_duration_seconds",
    "Time a Celery task ran, by task name and final state.",
    ["task", "state"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600),
)

_STATES = {"SUCCESS": "succeeded", "FAILURE": "failed", "RETRY": "retried"}
_started: dict[str, float] = {}


@task_prerun.connect
def _task_started(task_id=None, **kwargs):
    _started[task_id] = time.perf_counter()


@task_postrun.connect
def _task_finished(task_id=None, task=None, state=None, **kwargs):
    began = _started.pop(task_id, None)
    name = getattr(task, "name", "unknown")
    outcome = _STATES.get(state or "", (state or "unknown").lower())
    TASKS.labels(task=name, state=outcome).inc()
    if began is not None:
        DURATION.labels(task=name, state=outcome).observe(time.perf_counter() - began)


def _multiprocess_dir() -> Path | None:
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    return Path(folder) if folder else None


def forget_previous_run(folder: Path) -> None:
    """A restarted server or worker starts counting afresh: prometheus_client's multiprocess
    directory is emptied between runs, before any process that counts starts."""
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.db"):
        stale.unlink(missing_ok=True)


@worker_init.connect
def _worker_starting(**kwargs):
    folder = _multiprocess_dir()
    if folder is not None:
        forget_previous_run(folder)


@worker_ready.connect
def _serve_metrics(**kwargs):
    port = os.environ.get("CELERY_METRICS_PORT")
    if not port:
        return
    if _multiprocess_dir() is None:
        log.warning("CELERY_METRICS_PORT is set without PROMETHEUS_MULTIPROC_DIR: not serving")
        return
    from prometheus_client import CollectorRegistry, multiprocess, start_http_server

    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    # Scraped by Prometheus inside the deployment's network, like the web's /metrics.
    address = os.environ.get("CELERY_METRICS_ADDRESS", "0.0.0.0")  # noqa: S104  # nosec B104
    start_http_server(int(port), addr=address, registry=registry)
    log.info("task metrics served on %s:%s/metrics", address, port)


@worker_process_shutdown.connect
def _pool_process_gone(pid=None, **kwargs):
    if _multiprocess_dir() is not None:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid or os.getpid())


def _queue_keys(queue: str, priority_steps) -> list[str]:
    """The Redis lists kombu keeps a queue in: one per priority step (kombu's naming)."""
    return [queue if step == 0 else f"{queue}\x06\x16{step}" for step in priority_steps]


class QueueLengthCollector:
    """attune_celery_queue_length{queue}: tasks waiting in the broker, read when scraped."""

    def collect(self):
        from django.conf import settings

        from clinic.celery import app

        if settings.CELERY_TASK_ALWAYS_EAGER or not settings.CELERY_BROKER_URL.startswith(
            ("redis://", "rediss://")
        ):
            return
        import redis

        family = GaugeMetricFamily(
            "attune_celery_queue_length", "Tasks waiting in the broker, by queue.", labels=["queue"]
        )
        steps = app.conf.broker_transport_options.get("priority_steps", [0, 3, 6, 9])
        queues = {app.conf.task_default_queue, *(q.name for q in app.conf.task_queues or ())}
        try:
            client = redis.Redis.from_url(
                settings.CELERY_BROKER_URL, socket_connect_timeout=1, socket_timeout=1
            )
            with client.pipeline(transaction=False) as pipe:
                for queue in sorted(queues):
                    for key in _queue_keys(queue, steps):
                        pipe.llen(key)
                lengths = iter(pipe.execute())
            for queue in sorted(queues):
                family.add_metric([queue], sum(next(lengths) for _ in steps))
        except redis.RedisError:
            log.warning("queue length: the broker did not answer")
            return
        yield family


@functools.cache
def register_queue_length() -> None:
    """Add the queue length to this process's default registry (once per process)."""
    from prometheus_client import REGISTRY

    REGISTRY.register(QueueLengthCollector())
