"""gunicorn settings for Attune's web servers: `gunicorn -c python:clinic.gunicorn_conf
clinic.wsgi:application` (the Dockerfile, docker-compose).

A server runs several worker processes and Prometheus scrapes whichever one answers. With
PROMETHEUS_MULTIPROC_DIR set in the server's environment (the Dockerfile sets it; it must be
there before any process imports prometheus_client) each worker counts into its own files there
and /metrics reports them together (clinic.health.metrics): a scrape sees the server's totals,
not one process's share.
"""

import os
from pathlib import Path


def on_starting(server):
    """Before any worker process starts: this server's metrics directory, emptied."""
    from clinic.task_metrics import forget_previous_run

    if folder := os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        forget_previous_run(Path(folder))


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
