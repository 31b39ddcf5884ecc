"""/healthz, /readyz and /metrics: what an operator's probes and Prometheus read."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_healthz_answers_without_any_service():
    response = Client().get("/healthz")
    assert response.status_code == 200 and response.content == b"ok\n"


def test_readyz_checks_database_cache_storage_and_broker():
    response = Client().get("/readyz", HTTP_ACCEPT="application/json")
    assert response.status_code == 200, response.content
    checks = response.json()
    assert {name.split("(")[0] for name in checks} == {"Database", "Cache", "Storage", "Redis"}
    assert set(checks.values()) == {"OK"}


def test_readyz_is_503_naming_the_broker_when_it_is_unreachable(settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    response = Client().get("/readyz", HTTP_ACCEPT="application/json")
    assert response.status_code == 503
    failing = {name: state for name, state in response.json().items() if state != "OK"}
    assert list(failing) == [n for n in response.json() if n.startswith("Redis")]
    assert "port=1" in next(iter(failing))


def test_metrics_report_request_latency_by_view():
    client = Client()
    client.get("/healthz")
    metrics = client.get("/metrics")
    assert metrics.status_code == 200
    text = metrics.content.decode()
    assert "django_http_requests_latency_seconds_by_view_method_bucket" in text
    assert 'view="healthz"' in text
