"""A real HTTP server and a bounded load generator for the benchmarks, both on 127.0.0.1.

The server is gunicorn (sync workers, as in docker-compose) running `bench.settings` (Attune
plus the reference endpoint). The load generator is a few threads, each with one request in
flight at a time, for a fixed number of seconds: never an open-ended flood, so other work on a
shared machine keeps breathing. Latency is measured separately with one request at a time,
so queueing behind our own load never inflates it.
"""

from __future__ import annotations

import http.client
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn serving Attune on a free local port; a context manager."""

    def __init__(self, *, workers: int = 2, env: dict | None = None) -> None:
        self.workers = workers
        self.port = free_port()
        self.env = {**os.environ, **(env or {}), "DJANGO_SETTINGS_MODULE": "bench.settings"}
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Server:
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "clinic.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(self.workers),
                "--worker-class",
                "sync",
                "--log-level",
                "warning",
                "--timeout",
                "60",
            ],
            cwd=ROOT,
            env=self.env,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                status, _, _ = request(self.port, "/accounts/login/")
                if status < 500:
                    return self
            except OSError:
                time.sleep(0.2)
        self.__exit__(None, None, None)
        raise RuntimeError("gunicorn did not start")

    def __exit__(self, *exc) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)


def request(port: int, path: str, headers: dict | None = None) -> tuple[int, bytes, float]:
    """One GET on a fresh connection (gunicorn's sync workers close after each response)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    began = time.perf_counter()
    try:
        conn.request("GET", path, headers={"Host": "localhost", **(headers or {})})
        response = conn.getresponse()
        body = response.read()
    finally:
        conn.close()
    return response.status, body, (time.perf_counter() - began) * 1000


@dataclass(frozen=True)
class Latency:
    p50_ms: float
    p95_ms: float
    samples: int


@dataclass(frozen=True)
class Throughput:
    rps: float
    requests: int
    errors: int
    concurrency: int
    seconds: float


def _check(status: int, path: str, body: bytes) -> None:
    if status != 200:
        raise RuntimeError(f"GET {path} answered {status}: {body[:300]!r}")


def _targets(paths: list, headers: dict | None) -> list[tuple[str, dict]]:
    """Paths with shared headers, or (path, headers) pairs (e.g. one login per clinic)."""
    return [p if isinstance(p, tuple) else (p, headers or {}) for p in paths]


def _warm(port: int, targets: list[tuple[str, dict]]) -> None:
    """Each target once, and at least three requests (each worker's imports, templates and
    connections): repeat views are measured. A couple page's first view draws its charts (kept
    in the cache after), which would otherwise fall on whichever server saw the couple first."""
    for path, head in (targets * 3)[: max(3, len(targets))]:
        _check(*request(port, path, head)[:2], path)


def latency(port: int, paths: list, headers: dict | None = None, *, samples: int = 40) -> Latency:
    """One request at a time, cycling through `paths` (e.g. several couples' pages)."""
    targets = _targets(paths, headers)
    _warm(port, targets)
    times = []
    for n in range(samples):
        path, head = targets[n % len(targets)]
        status, body, ms = request(port, path, head)
        _check(status, path, body)
        times.append(ms)
    times.sort()
    return Latency(
        p50_ms=round(statistics.median(times), 1),
        p95_ms=round(times[min(len(times) - 1, int(len(times) * 0.95))], 1),
        samples=len(times),
    )


def throughput(
    port: int,
    paths: list,
    headers: dict | None = None,
    *,
    seconds: float = 8,
    concurrency: int = 4,
) -> Throughput:
    """Requests per second with `concurrency` requests in flight, for `seconds`."""
    targets = _targets(paths, headers)
    done = [0] * concurrency
    errors = [0] * concurrency
    stop = time.monotonic() + seconds

    def run(i: int) -> None:
        n = i
        while time.monotonic() < stop:
            path, head = targets[n % len(targets)]
            n += concurrency
            try:
                status, _, _ = request(port, path, head)
            except OSError:
                status = 0
            if status == 200:
                done[i] += 1
            else:
                errors[i] += 1

    began = time.perf_counter()
    threads = [threading.Thread(target=run, args=(i,)) for i in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - began
    return Throughput(
        rps=round(sum(done) / elapsed, 1),
        requests=sum(done),
        errors=sum(errors),
        concurrency=concurrency,
        seconds=round(elapsed, 1),
    )


def machine_load() -> dict:
    """The 1/5/15-minute load averages and CPUs: what else the shared machine was doing."""
    one, five, fifteen = os.getloadavg()
    return {"cpus": os.cpu_count(), "loadavg": [round(one, 2), round(five, 2), round(fifteen, 2)]}


def interleaved_latency(runs: dict[str, tuple[int, list]], *, samples: int = 40) -> dict:
    """Latency of several servers measured together, one request at a time, taking turns
    (the first to go rotates): a burst of other work on a shared machine then slows every one
    of them alike, so their ratios hold where their absolute times do not. `runs` maps a label
    to (port, [(path, headers), ...]); returns a Latency per label."""
    labels = list(runs)
    for port, targets in runs.values():
        _warm(port, _targets(targets, None))
    times: dict[str, list[float]] = {label: [] for label in labels}
    for n in range(samples):
        for k in range(len(labels)):
            label = labels[(n + k) % len(labels)]
            port, targets = runs[label]
            path, head = _targets(targets, None)[n % len(targets)]
            status, body, ms = request(port, path, head)
            _check(status, path, body)
            times[label].append(ms)
    out = {}
    for label, found in times.items():
        found.sort()
        out[label] = Latency(
            p50_ms=round(statistics.median(found), 1),
            p95_ms=round(found[min(len(found) - 1, int(len(found) * 0.95))], 1),
            samples=len(found),
        )
    return out
