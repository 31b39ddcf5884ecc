"""The Celery app for crash-recovery tests: every report takes a few seconds longer to render,
so a test can kill the worker mid-report. Start a worker with `-A tests.reports.slow_worker`.

This is the only place that slows rendering down: production code has no such switch.
"""

import time

import reports.pdf
from clinic.celery import app

RENDER_DELAY_SECONDS = 4.0

_render_pdf = reports.pdf.render_pdf


def _slow_render_pdf(contents):
    time.sleep(RENDER_DELAY_SECONDS)  # a stand-in for a very long report, not a wait in a test
    return _render_pdf(contents)


reports.pdf.render_pdf = _slow_render_pdf

__all__ = ["app"]
