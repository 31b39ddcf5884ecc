"""Attune's settings plus the benchmark's hand-written reference endpoint (bench/reference.py).
Used only by the gunicorn server a benchmark starts; never by Attune itself."""

from clinic.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
