"""Endpoints for the operator: /healthz (the process answers), /readyz (what it needs is
reachable: database, cache, broker, file storage; django-health-check) and /metrics
(Prometheus: django-prometheus's request metrics and the broker's queue length)."""

import os

from django.conf import settings
from django.http import HttpResponse
from health_check.views import HealthCheckView
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    generate_latest,
    multiprocess,
)
from redis.asyncio import Redis as AsyncRedis

from clinic.task_metrics import QueueLengthCollector


def healthz(request):
    """Alive: answers without touching any other service (a restart would not help them)."""
    return HttpResponse("ok\n", content_type="text/plain")


def metrics(request):
    """Prometheus metrics of this web server. Under gunicorn (clinic.gunicorn_conf) every
    worker process counts into PROMETHEUS_MULTIPROC_DIR and a scrape reads them all, whichever
    process answers; otherwise this process's own. The broker's queue length either way."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        registry.register(QueueLengthCollector())
    else:
        registry = REGISTRY  # the queue length is registered in it (clinic.apps)
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)


def _broker_client():
    # Read at each probe, so the check follows the configured broker.
    return AsyncRedis.from_url(settings.CELERY_BROKER_URL, socket_connect_timeout=2)


class ReadyView(HealthCheckView):
    """Ready for traffic: 200 when every dependency answers, 503 naming the one that does not."""

    def get_checks(self):
        yield from super().get_checks()
        if settings.CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
            from health_check.contrib.redis import Redis

            yield Redis(client_factory=_broker_client)

    async def get(self, request, *args, **kwargs):
        response = await super().get(request, *args, **kwargs)
        if response.status_code == 500:
            response.status_code = 503  # a dependency is down: take this process out of rotation
        return response


readyz = ReadyView.as_view(
    checks=(
        "health_check.checks.Database",
        "health_check.checks.Cache",
        "health_check.checks.Storage",
    )
)
