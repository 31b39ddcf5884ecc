"""Attune started the production way answers: DEBUG off, a real SECRET_KEY, static files
collected into the manifest storage, gunicorn serving (as in the Dockerfile)."""

import http.client
import os
import re
import secrets
import socket
import subprocess
import sys
import time
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.db import connection
from django.utils.html import escape

from clinic.models import Role
from tests.factories import CoupleFactory, MembershipFactory, totp_code

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
HOST = "attune.example"


def _database_url() -> str:
    db = connection.settings_dict
    user = db.get("USER") or "postgres"
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{user}@{host}:{port}/{db['NAME']}"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def production_env(tmp_path):
    """Only what a deployment sets; nothing from the test run's own configuration."""
    keep = {"PATH", "HOME", "LANG", "LC_ALL", "TMPDIR"}
    return {
        **{k: v for k, v in os.environ.items() if k in keep},
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "DATABASE_URL": _database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "ALLOWED_HOSTS": HOST,
        "STATIC_ROOT": str(tmp_path / "static"),
        "PRIVATE_MEDIA_ROOT": str(tmp_path / "private"),
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),  # as the Dockerfile sets it
    }


def _run(args, env, cwd):
    return subprocess.run(
        [sys.executable, *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


class Browser:
    """Plain HTTP against the server, as a browser behind the TLS proxy would send it."""

    def __init__(self, port: int):
        self.port = port
        self.cookies = SimpleCookie()

    def request(self, method: str, path: str, body: str = "") -> http.client.HTTPResponse:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Host": HOST, "X-Forwarded-Proto": "https", "Origin": f"https://{HOST}"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={m.value}" for k, m in self.cookies.items())
        if body:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body or None, headers=headers)
        response = conn.getresponse()
        response.body = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            self.cookies.load(header)
        conn.close()
        return response

    def get(self, path: str) -> http.client.HTTPResponse:
        return self.request("GET", path)

    def _post_form(self, path: str, fields: dict) -> http.client.HTTPResponse:
        page = self.get(path)
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.body).group(1)
        return self.request(
            "POST", path, urlencode({"csrfmiddlewaretoken": token.decode(), **fields})
        )

    def log_in(self, email: str, password: str, code: str) -> http.client.HTTPResponse:
        """The login form, then the authenticator-code step it leads staff to."""
        step = self._post_form("/accounts/login/", {"login": email, "password": password})
        assert step.status == 302 and step.getheader("Location") == "/accounts/2fa/authenticate/"
        return self._post_form("/accounts/2fa/authenticate/", {"code": code})


@pytest.fixture
def gunicorn(production_env, tmp_path):
    """collectstatic, then gunicorn, from an empty working directory, as the image does."""
    workdir = tmp_path / "work"
    workdir.mkdir()
    collected = _run(
        ["-m", "django", "collectstatic", "--noinput", "-v0", "--settings", "clinic.settings"],
        production_env,
        workdir,
    )
    assert collected.returncode == 0, collected.stderr[-2000:]
    assert (Path(production_env["STATIC_ROOT"]) / "staticfiles.json").exists()
    port = _free_port()
    log = open(tmp_path / "gunicorn.log", "w")  # noqa: SIM115 (closed after the server stops)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            "python:clinic.gunicorn_conf",
            "clinic.wsgi:application",
            "--workers=2",
            f"--bind=127.0.0.1:{port}",
        ],
        cwd=workdir,
        env=production_env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            assert proc.poll() is None, (tmp_path / "gunicorn.log").read_text()[-3000:]
            assert time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.2)  # waiting for another process to listen
    yield port
    proc.terminate()
    proc.wait(timeout=30)
    log.close()


def test_production_server_serves_pages_static_files_schema_and_docs(gunicorn, clinic):
    therapist = MembershipFactory(clinic=clinic, role=Role.THERAPIST).user
    # The server hashes as production does (Argon2), not with the suite's fast test hasher.
    hasher = Argon2PasswordHasher()
    therapist.password = hasher.encode("a long production passphrase", hasher.salt())
    therapist.save()
    couple = CoupleFactory(clinic=clinic, therapists=[therapist])
    browser = Browser(gunicorn)

    login = browser.get("/accounts/login/")
    assert login.status == 200, login.body[:500]
    css = re.search(rb'href="(/static/clinic/attune\.[0-9a-f]{12}\.css)"', login.body)
    assert css, "the login page links the hashed stylesheet from the manifest"
    stylesheet = browser.get(css.group(1).decode())
    assert stylesheet.status == 200 and stylesheet.getheader("Content-Type").startswith("text/css")
    assert "max-age=315360000" in stylesheet.getheader("Cache-Control")  # immutable, hashed

    signed_in = browser.log_in(therapist.email, "a long production passphrase", totp_code())
    assert signed_in.status == 302, signed_in.body[:2000]
    assert browser.cookies[settings.SESSION_COOKIE_NAME]["secure"]

    caseload = browser.get(f"/c/{clinic.slug}/caseload/")
    assert caseload.status == 200, caseload.body[:500]
    assert escape(couple.label).encode() in caseload.body
    schema = browser.get("/api/schema/")
    assert schema.status == 200 and b"/api/v1/clinics/{clinic_slug}/couples/" in schema.body
    docs = browser.get("/api/docs/")
    assert docs.status == 200 and b"swagger" in docs.body.lower()


def test_production_server_refuses_other_hosts(gunicorn):
    conn = http.client.HTTPConnection("127.0.0.1", gunicorn, timeout=30)
    conn.request(
        "GET", "/accounts/login/", headers={"Host": "evil.example", "X-Forwarded-Proto": "https"}
    )
    refused = conn.getresponse()
    assert refused.status == 400
    refused.read()
    # The same request under an allowed host is served, so the host alone is why it was refused.
    conn.request("GET", "/accounts/login/", headers={"Host": HOST, "X-Forwarded-Proto": "https"})
    assert conn.getresponse().status == 200


def test_production_metrics_add_up_every_worker_process(gunicorn):
    """Two gunicorn workers answer in turn; every scrape, whichever process answers it, reports
    the server's totals (prometheus_client's multiprocess files) and the queue length."""
    from prometheus_client.parser import text_string_to_metric_families

    browser = Browser(gunicorn)
    for _ in range(6):
        assert browser.get("/healthz").status == 200

    def healthz_requests(text: str) -> float:
        return sum(
            sample.value
            for family in text_string_to_metric_families(text)
            for sample in family.samples
            if sample.name == "django_http_requests_total_by_view_transport_method_total"
            and sample.labels.get("view") == "healthz"
        )

    for _ in range(4):
        scraped = browser.get("/metrics")
        assert scraped.status == 200
        text = scraped.body.decode()
        assert healthz_requests(text) == 6
        assert 'attune_celery_queue_length{queue="celery"}' in text
