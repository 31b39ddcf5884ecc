"""Progress-report benchmark: gather and render a year-long clinical report, compare with
WeasyPrint, and time a clinic export of 200 such couples with 1 and 2 Celery worker processes.

Run with ``.venv/bin/python -m bench.reports`` (PostgreSQL and Redis on 127.0.0.1, as for the
tests). It builds its own data in a fresh database ``attune_bench`` (``BENCH_DB``; never the one you
work in),
prints a table and writes ``bench/results/reports.json``. WeasyPrint is a bench-only extra:
``pip install -e '.[bench]'``; the bench installs it when missing.

Redis: ``BENCH_REDIS_URL`` (cache, default database 14) and ``BENCH_BROKER_URL`` (broker,
default database 12).

Options: ``--couples 200`` (export size), ``--runs 15`` (timed runs of gather and render),
``--skip-export``, ``--memory-couples 2000`` (also measure the peak memory of the worker
processes generating and zipping an export of that many month-long couples; 0 skips it).
A run that skips a measurement keeps that measurement's figures from the previous results file.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import secrets
import statistics
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).with_name("results") / "reports.json"
BENCH_DB = os.environ.get("BENCH_DB", "attune_bench")
PG = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
BROKER = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/12")

# Bench partners never log in: no Argon2 hash per portal user (it dominated building 2,000
# couples on a loaded machine).
NO_PASSWORDS = {"partner_a__portal_user__password": None, "partner_b__portal_user__password": None}

TARGETS = {
    "export_worker_peak_rss_mb": ("<=", 300),
    "render_ms_median": ("<=", 150),
    "gather_ms_median": ("<=", 50),
    "weasyprint_ratio": (">=", 5),
    "export_reports_per_s_2_workers": (">=", 8),
    "export_speedup_2_vs_1": (">=", 1.7),
}


def _configure_environment() -> None:
    os.environ.update(
        DATABASE_URL=f"{PG}/{BENCH_DB}",
        REDIS_URL=REDIS,
        CELERY_BROKER_URL=BROKER,
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="localhost",
        PRIVATE_MEDIA_ROOT=str(ROOT / "var" / "bench-media"),
        DJANGO_SETTINGS_MODULE="clinic.settings",
        LOG_LEVEL="WARNING",
    )


def _fresh_database() -> None:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {BENCH_DB}")


def _ensure_weasyprint() -> None:
    if importlib.util.find_spec("weasyprint") is None:
        print("installing the bench extra (WeasyPrint)...", flush=True)
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "-q", "weasyprint>=62,<70"], check=True
        )


def _median_ms(fn, runs: int) -> float:
    fn()  # warm caches (fonts, instrument library, query plans)
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def _build(couples: int):
    from clinic.models import Clinic, Membership, Role, User
    from clinic.tenancy import scopes_disabled
    from reports.synthetic import MONTH, YEAR, build_history
    from tests.factories import CoupleFactory

    with scopes_disabled():
        clinic = Clinic.objects.create(name="Bench Clinic", slug="bench", time_zone="Europe/London")
        # The month-long couple lives in a clinic of its own so the export holds only year-long couples.
        small_clinic = Clinic.objects.create(
            name="Bench Small", slug="bench-small", time_zone="Europe/London"
        )
        therapist = User.objects.create_user(
            email="therapist@bench.example", password=None, full_name="Bench T"
        )
        for c in (clinic, small_clinic):
            Membership.objects.create(clinic=c, user=therapist, role=Role.ADMIN)
        start = date(2025, 1, 6)
        month = CoupleFactory(clinic=small_clinic, therapists=[therapist], **NO_PASSWORDS)
        build_history(couple=month, therapist=therapist, start=start, size=MONTH, seed=1)
        year = CoupleFactory(clinic=clinic, therapists=[therapist], **NO_PASSWORDS)
        build_history(couple=year, therapist=therapist, start=start, size=YEAR, seed=2)
        for n in range(couples - 1):
            couple = CoupleFactory(clinic=clinic, therapists=[therapist], **NO_PASSWORDS)
            build_history(couple=couple, therapist=therapist, start=start, size=YEAR, seed=100 + n)
            if (n + 2) % 25 == 0:
                print(f"  built {n + 2} of {couples} couples", flush=True)
    return clinic, therapist, month, year, start


def _report(clinic, couple, start):
    from reports.models import ProgressReport

    # Not part of any export: the export counts only its own parts.
    return ProgressReport.objects.create(
        clinic=clinic,
        couple=couple,
        audience="clinical",
        period_start=start,
        period_end=start + timedelta(days=364),
        request_id=couple.pk,
        summary="Benchmark summary.",
    )


def _export_rate(clinic, therapist, start, workers: int, couples: int) -> float:
    """Reports per second for a clinic export run by `workers` prefork processes."""
    from reports import services
    from reports.models import ClinicExport

    env = {**os.environ}
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "clinic",
            "worker",
            "--pool=prefork",
            f"--concurrency={workers}",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=WARNING",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(3)  # let the pool processes start before the clock does
        began = time.perf_counter()
        export = services.export_request(
            clinic=clinic,
            by=therapist,
            period_start=start,
            period_end=start + timedelta(days=364),
            audiences=["clinical"],
        )
        while True:
            export = ClinicExport.objects.with_scopes_disabled().get(pk=export.pk)
            if export.status in ("done", "failed"):
                break
            time.sleep(0.05)
        elapsed = time.perf_counter() - began
        if export.status != "done" or export.completed != couples:
            raise RuntimeError(f"export ended {export.status}: {export.failure_reason}")
        return couples / elapsed
    finally:
        worker.terminate()
        worker.wait(timeout=30)


def _peak_rss_mb(pid: int) -> float:
    """A live process's peak resident memory (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmHWM for {pid}")


def _export_memory(therapist, couples: int, start) -> dict:
    """Peak memory of each worker process while an export of `couples` month-long couples is
    generated and zipped (the ZIP is streamed to storage, never held whole)."""
    from clinic.models import Clinic, Membership, Role
    from clinic.tenancy import scopes_disabled
    from reports import services
    from reports.models import ClinicExport
    from reports.synthetic import MONTH, build_history
    from tests.factories import CoupleFactory

    with scopes_disabled():
        clinic = Clinic.objects.create(
            name="Bench Memory", slug="bench-memory", time_zone="Europe/London"
        )
        Membership.objects.create(clinic=clinic, user=therapist, role=Role.ADMIN)
        for n in range(couples):
            couple = CoupleFactory(clinic=clinic, therapists=[therapist], **NO_PASSWORDS)
            build_history(couple=couple, therapist=therapist, start=start, size=MONTH, seed=n)
            if (n + 1) % 100 == 0:
                print(f"  built {n + 1} of {couples} month-long couples", flush=True)
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "clinic",
            "worker",
            "--pool=prefork",
            "--concurrency=2",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=WARNING",
        ],
        cwd=ROOT,
        env={**os.environ},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(3)  # let the pool processes start
        began = time.perf_counter()
        with scopes_disabled():
            export = services.export_request(
                clinic=clinic,
                by=therapist,
                period_start=start,
                period_end=start + timedelta(days=30),
                audiences=["clinical"],
            )
        while (
            export := ClinicExport.objects.with_scopes_disabled().get(pk=export.pk)
        ).status not in ("done", "failed"):
            time.sleep(0.5)
        elapsed = time.perf_counter() - began
        if export.status != "done" or export.completed != couples:
            raise RuntimeError(f"export ended {export.status}: {export.failure_reason}")
        children = subprocess.run(
            ["pgrep", "-P", str(worker.pid)], capture_output=True, text=True, check=False
        ).stdout.split()
        pool = [_peak_rss_mb(int(pid)) for pid in children]
        return {
            "export_memory_couples": couples,
            "export_memory_seconds": round(elapsed, 1),
            "export_zip_mb": round(export.size_bytes / 1e6, 1),
            "export_worker_peak_rss_mb": round(max(pool), 1),
            "export_worker_main_peak_rss_mb": round(_peak_rss_mb(worker.pid), 1),
        }
    finally:
        worker.terminate()
        worker.wait(timeout=30)


_RATE_KEYS = (
    "export_couples",
    "export_reports_per_s_1_worker",
    "export_reports_per_s_2_workers",
    "export_speedup_2_vs_1",
)


def _kept_from_previous_run(results: dict, *, export: bool, memory: bool) -> dict:
    """The previous results file's figures for the measurements this run skipped (the export
    rate with --skip-export, the export memory without --memory-couples), marked as such."""
    if not RESULTS.exists():
        return {}
    previous = json.loads(RESULTS.read_text())
    kept = {}
    if export and "export_reports_per_s_1_worker" in previous:
        kept |= {key: previous[key] for key in _RATE_KEYS if key in previous}
        kept["export_rate_measured_at"] = previous.get(
            "export_rate_measured_at", previous.get("measured_at")
        )
    if memory and "export_worker_peak_rss_mb" in previous:
        kept |= {key: v for key, v in previous.items() if key.startswith("export_memory")}
        kept |= {
            key: previous[key]
            for key in (
                "export_zip_mb",
                "export_worker_peak_rss_mb",
                "export_worker_main_peak_rss_mb",
            )
        }
    return {key: v for key, v in kept.items() if key not in results}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--couples", type=int, default=200)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--skip-export", action="store_true")
    parser.add_argument("--memory-couples", type=int, default=0)
    args = parser.parse_args(argv)

    _configure_environment()
    _ensure_weasyprint()
    _fresh_database()
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bench.html import render_html
    from clinic.tenancy import clinic_scope
    from reports.data import gather
    from reports.pdf import render_pdf

    call_command("migrate", verbosity=0)
    print(f"building data ({args.couples} couples with a year of history)...", flush=True)
    began = time.perf_counter()
    clinic, therapist, month, year, start = _build(args.couples)
    build_s = time.perf_counter() - began

    queries = {}
    for name, couple in (("small", month), ("large", year)):
        with clinic_scope(couple.clinic):
            report = _report(couple.clinic, couple, start)
            with CaptureQueriesContext(connection) as ctx:
                gather(report)
            queries[name] = len(ctx.captured_queries)
    with clinic_scope(clinic):
        large = report
        contents = gather(large)
        gather_ms = _median_ms(lambda: gather(large), args.runs)
        render_ms = _median_ms(lambda: render_pdf(contents), args.runs)
        pdf_bytes = len(render_pdf(contents))

        import logging

        from weasyprint import HTML

        logging.getLogger("weasyprint").setLevel(logging.ERROR)  # it notes SVG properties it skips

        weasy_ms = _median_ms(
            lambda: HTML(string=render_html(contents)).write_pdf(), max(3, args.runs // 3)
        )

    results = {
        "gather_ms_median": round(gather_ms, 1),
        "render_ms_median": round(render_ms, 1),
        "gather_queries_small": queries["small"],
        "gather_queries_large": queries["large"],
        "weasyprint_ms_median": round(weasy_ms, 1),
        "weasyprint_ratio": round(weasy_ms / render_ms, 2),
        "pdf_bytes": pdf_bytes,
        "year_of_data": {
            "sessions": 52,
            "rounds_per_partner": 12,
            "instruments": 4,
            "daily_checkins_and_practice_logs": True,
        },
    }
    if not args.skip_export:
        with clinic_scope(clinic):
            one = _export_rate(clinic, therapist, start, 1, args.couples)
            two = _export_rate(clinic, therapist, start, 2, args.couples)
        results |= {
            "export_couples": args.couples,
            "export_reports_per_s_1_worker": round(one, 2),
            "export_reports_per_s_2_workers": round(two, 2),
            "export_speedup_2_vs_1": round(two / one, 2),
            "export_rate_measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
    if args.memory_couples:
        print(f"export memory: {args.memory_couples} month-long couples...", flush=True)
        began = time.perf_counter()
        results |= _export_memory(therapist, args.memory_couples, start)
        results["export_memory_total_seconds"] = round(time.perf_counter() - began, 1)
        results["export_memory_measured_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    results |= _kept_from_previous_run(
        results, export=args.skip_export, memory=not args.memory_couples
    )
    results["met"] = {
        key: (results[key] <= bound if op == "<=" else results[key] >= bound)
        for key, (op, bound) in TARGETS.items()
        if key in results
    }
    results["queries_equal"] = results["gather_queries_small"] == results["gather_queries_large"]
    results["machine"] = {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        # A shared machine: timings taken under load are slower than the code is.
        "load_average_1m_at_end": round(os.getloadavg()[0], 1),
    }
    results["measured_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    results["build_seconds"] = round(build_s, 1)

    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print()
    print(f"{'measure':<34}{'value':>12}  target")
    for key in (
        "gather_ms_median",
        "render_ms_median",
        "gather_queries_small",
        "gather_queries_large",
        "weasyprint_ms_median",
        "weasyprint_ratio",
        "export_reports_per_s_1_worker",
        "export_reports_per_s_2_workers",
        "export_speedup_2_vs_1",
        "export_memory_couples",
        "export_zip_mb",
        "export_worker_peak_rss_mb",
        "export_worker_main_peak_rss_mb",
    ):
        if key in results:
            op, bound = TARGETS.get(key, ("", ""))
            print(f"{key:<34}{results[key]:>12}  {op} {bound}")
    print(f"\nwrote {RESULTS.relative_to(ROOT)}")
    return 0 if all(results["met"].values()) and results["queries_equal"] else 1


if __name__ == "__main__":
    sys.exit(main())
