import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


def _manage(*args, env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


# The test run's own configuration, plus the browser tests' async flag, which a deployment
# check rightly refuses.
CONFIG_VARIABLES = {
    "DEBUG",
    "SECRET_KEY",
    "DATABASE_URL",
    "REDIS_URL",
    "CELERY_BROKER_URL",
    "SECURE_SSL_REDIRECT",
    "ALLOWED_HOSTS",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
}


def _clean_env(**extra):
    env = {k: v for k, v in os.environ.items() if k not in CONFIG_VARIABLES}
    env.update(extra)
    return env


def test_refuses_to_start_without_secret_key_when_debug_is_off():
    result = _manage("check", env=_clean_env(DEBUG="false"))
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_refuses_to_start_with_broker_and_cache_in_one_redis_database():
    env = _clean_env(
        DEBUG="false",
        SECRET_KEY="k" * 20 + "Zq8-Hx_31vNaPw0-sTlYbRmCdE4fGj7u",
        REDIS_URL="redis://127.0.0.1:6379/0",
    )
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert "CELERY_BROKER_URL must name a different Redis database" in result.stderr


def test_check_deploy_is_clean_in_production_configuration():
    env = _clean_env(
        DEBUG="false",
        SECRET_KEY="k" * 20 + "Zq8-Hx_31vNaPw0-sTlYbRmCdE4fGj7u",
        ALLOWED_HOSTS="attune.example",
    )
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stderr + result.stdout


def test_embedded_default_uses_sqlite_and_in_process_tasks():
    code = (
        "import django,os;os.environ['DJANGO_SETTINGS_MODULE']='clinic.settings';django.setup();"
        "from django.conf import settings as s;"
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=_clean_env(DEBUG="true"),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.stdout.split() == ["django.db.backends.sqlite3", "True"], result.stderr


SQLITE_CONCURRENT_WRITERS = """
import os, threading, time, django
os.environ["DJANGO_SETTINGS_MODULE"] = "clinic.settings"
django.setup()
from django.db import connection, transaction
with connection.cursor() as c:
    c.execute("CREATE TABLE t (n integer)")
connection.close()
failures = []
def request_like():
    try:
        with transaction.atomic():  # read first, then write: what an audited request does
            with connection.cursor() as c:
                c.execute("SELECT count(*) FROM t")
                time.sleep(0.3)
                c.execute("INSERT INTO t VALUES (1)")
    except Exception as exc:
        failures.append(repr(exc))
    finally:
        connection.close()
threads = [threading.Thread(target=request_like) for _ in range(3)]
[t.start() for t in threads]
[t.join() for t in threads]
with connection.cursor() as c:
    c.execute("SELECT count(*) FROM t")
    print(c.fetchone()[0], failures)
"""


def test_sqlite_requests_that_read_then_write_wait_for_each_other(tmp_path):
    # `make run` serves several people at once from SQLite; overlapping requests must queue,
    # not fail with "database is locked".
    env = _clean_env(DEBUG="true", DATABASE_URL=f"sqlite:///{tmp_path / 'walk.sqlite3'}")
    result = subprocess.run(
        [sys.executable, "-c", SQLITE_CONCURRENT_WRITERS],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.stdout.strip() == "3 []", result.stdout + result.stderr[-2000:]


@pytest.mark.django_db
def test_openapi_schema_builds_without_warnings():
    result = _manage("spectacular", "--fail-on-warn", "--validate", env=os.environ.copy())
    assert result.returncode == 0, result.stderr[-3000:]
    schema = yaml.safe_load(result.stdout)
    assert "/api/v1/clinics/{clinic_slug}/couples/" in schema["paths"]


@pytest.mark.django_db
def test_schema_and_docs_are_served(client):
    assert client.get("/api/schema/").status_code == 200
    assert client.get("/api/docs/").status_code == 200
