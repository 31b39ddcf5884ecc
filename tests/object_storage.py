"""A real S3 API server for the tests: moto's standalone server, started once per test run.

Tests that store files in object storage take the `s3_storage` fixture: a fresh private bucket
on that server, and Django's default storage pointed at it as production configures it.
"""

import json
import os
import socket
import subprocess
import sys
import time
import uuid

import boto3
import pytest

CREDENTIALS = {"aws_access_key_id": "attune-test", "aws_secret_access_key": "attune-test-secret"}
REGION = "eu-west-1"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory):
    """The endpoint URL of a moto S3 server running in its own process."""
    port = _free_port()
    log = tmp_path_factory.mktemp("s3") / "moto.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "MOTO_ALLOW_NONEXISTENT_REGION": "true"},
        )
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            assert proc.poll() is None, log.read_text()[-2000:]
            assert time.monotonic() < deadline, "the S3 server did not start"
            time.sleep(0.1)  # waiting for another process to listen
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(timeout=10)


def s3_client(endpoint: str):
    return boto3.client("s3", endpoint_url=endpoint, region_name=REGION, **CREDENTIALS)


def s3_settings(endpoint: str, bucket: str) -> dict:
    """The environment a deployment sets for object storage (see clinic/settings.py)."""
    return {
        "S3_BUCKET": bucket,
        "S3_ENDPOINT_URL": endpoint,
        "S3_REGION": REGION,
        "S3_ACCESS_KEY_ID": CREDENTIALS["aws_access_key_id"],
        "S3_SECRET_ACCESS_KEY": CREDENTIALS["aws_secret_access_key"],
    }


@pytest.fixture
def s3_bucket(s3_server):
    """A new, empty bucket (name) on the S3 server."""
    bucket = f"attune-{uuid.uuid4().hex[:12]}"
    s3_client(s3_server).create_bucket(
        Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION}
    )
    return bucket


@pytest.fixture(scope="session")
def s3_configured_storage(s3_server):
    """The default storage that clinic/settings.py builds from the S3 variables (read in a
    fresh process, as a deployment would start)."""
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        "print(json.dumps(settings.STORAGES['default']))"
    )
    env = {
        **os.environ,
        **s3_settings(s3_server, "BUCKET"),
        "DJANGO_SETTINGS_MODULE": "clinic.settings",
    }
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.fixture
def s3_storage(s3_server, s3_bucket, s3_configured_storage, settings):
    """Django's default storage on a fresh bucket of the S3 server; yields (client, bucket)."""
    storage = {
        **s3_configured_storage,
        "OPTIONS": {**s3_configured_storage["OPTIONS"], "bucket_name": s3_bucket},
    }
    settings.STORAGES = {**settings.STORAGES, "default": storage}
    return s3_client(s3_server), s3_bucket
