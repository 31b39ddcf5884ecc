"""Caseload benchmark: the caseload API (50 a page) against a hand-written `.values()`
reference endpoint returning the same content, measured in the same run; the caseload page;
the couple page of a couple with a year of history; the partner's portal home.

Run with ``.venv/bin/python -m bench.caseload`` (PostgreSQL and Redis on 127.0.0.1, as for the
tests; gunicorn is a dependency; Redis databases from ``BENCH_REDIS_URL`` and
``BENCH_BROKER_URL`` as for bench.reports). It builds its own data in a fresh database (``--database``,
default ``attune_bench_caseload``; never the one you work in) by bulk COPY, serves Attune with
gunicorn (2 sync workers, persistent database connections), drives it from a bounded load
generator on 127.0.0.1, prints a table and writes ``bench/results/caseload.json``.

Options: ``--couples 500`` (caseload size), ``--seconds 8`` (per throughput run; each of the
API and the reference runs twice, interleaved), ``--concurrency 4``. The machine's load
averages are written with the figures: on a shared machine, compare ratios, not absolutes.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).with_name("results") / "caseload.json"
PG = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
BROKER = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/12")

TARGETS = {
    "api_ratio": (">=", 0.6),
    "page_ms_p50": ("<=", 100),
    "couple_page_ms_p50": ("<=", 150),
}


def configure_environment(database: str) -> None:
    os.environ.update(
        DATABASE_URL=f"{PG}/{database}",
        REDIS_URL=REDIS,
        CELERY_BROKER_URL=BROKER,
        CACHE_KEY_PREFIX=f"bench-{database}",
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="localhost,testserver",
        SECURE_SSL_REDIRECT="false",
        # What a deployment does (or PgBouncer does for it): no new connection per request.
        CONN_MAX_AGE="60",
        PRIVATE_MEDIA_ROOT=str(ROOT / "var" / "bench-media"),
        DJANGO_SETTINGS_MODULE="bench.settings",
        LOG_LEVEL="WARNING",
    )


def fresh_database(database: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {database}")


def _build(couples: int):
    from bench.world import Rows, ScoreCache, add_clinic, analyze
    from clinic.models import Client, Clinic, Couple, User
    from clinic.tenancy import scopes_disabled
    from reports.synthetic import YEAR, build_history

    today = datetime.now(UTC).date()
    rng = random.Random(13)  # deterministic data for comparable runs
    with scopes_disabled():
        rows = Rows()
        built = add_clinic(
            rows, slug="bench", couples=couples, today=today, rng=rng, scores=ScoreCache()
        )
        written = rows.write()
        clinic = Clinic.objects.get(pk=built.clinic_id)
        admin = User.objects.get(pk=built.admin_id)
        portal_user = User.objects.get(pk=built.portal_user_ids[0])
        therapist = User.objects.filter(memberships__clinic=clinic, memberships__role="therapist")[
            0
        ]
        a = Client.objects.create(clinic=clinic, legal_name="Yara Long")
        b = Client.objects.create(clinic=clinic, legal_name="Yusuf Long")
        year = Couple.objects.create(clinic=clinic, partner_a=a, partner_b=b, status="active")
        year.therapists.add(therapist, admin, through_defaults=year.assignment_defaults)
        build_history(
            couple=year, therapist=therapist, start=today - timedelta(days=364), size=YEAR, seed=7
        )
        analyze()
    return clinic, admin, portal_user, year, written


def _count_queries(client, path: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    if response.status_code != 200:
        raise RuntimeError(f"GET {path} answered {response.status_code}")
    return len(ctx.captured_queries)


def _same_content(api: bytes, reference: bytes) -> bool:
    """The reference must return what the API returns, or the ratio means nothing."""
    a, r = json.loads(api), json.loads(reference)
    if a["count"] != r["count"] or len(a["results"]) != len(r["results"]):
        return False
    for mine, theirs in zip(a["results"], r["results"], strict=True):
        if mine != theirs:
            missing = object()  # a key one side lacks differs even where the other holds None
            diff = sorted(
                k
                for k in mine.keys() | theirs.keys()
                if mine.get(k, missing) != theirs.get(k, missing)
            )
            print(f"  reference differs for couple {mine['id']}: {diff}", flush=True)
            for k in diff:
                print(f"    api {k}: {mine.get(k)!r}\n    ref {k}: {theirs.get(k)!r}", flush=True)
            return False
    return True


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--couples", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--database", default="attune_bench_caseload")
    args = parser.parse_args(argv)

    configure_environment(args.database)
    fresh_database(args.database)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client as TestClient

    from bench.load import Server, latency, machine_load, request, throughput
    from bench.login import session_cookie, staff_logins

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    print(f"building data ({args.couples} couples with a month of history, one with a year)...")
    began = time.perf_counter()
    clinic, admin, portal_user, year, rows = _build(args.couples)
    build_s = time.perf_counter() - began
    print(f"  {rows} rows in {build_s:.1f} s", flush=True)

    api_auth, staff_cookie = staff_logins(admin)
    partner_cookie = session_cookie(portal_user)

    pages = max(1, -(-args.couples // 50))
    api_paths = [
        f"/api/v1/clinics/{clinic.slug}/couples/?page_size=50&page={n + 1}" for n in range(pages)
    ]
    ref_paths = [f"/bench/reference/{clinic.slug}/couples/?page={n + 1}" for n in range(pages)]
    page_paths = [f"/c/{clinic.slug}/caseload/?page={n + 1}" for n in range(pages)]
    couple_path = f"/c/{clinic.slug}/couples/{year.pk}/"

    def client(headers):
        made = TestClient(headers={k: v for k, v in headers.items() if k != "Cookie"})
        if "Cookie" in headers:
            made.cookies["sessionid"] = headers["Cookie"].split("=", 1)[1]
        return made

    queries = {
        "api_queries": _count_queries(client(api_auth), api_paths[0]),
        "page_queries": _count_queries(client(staff_cookie), page_paths[0]),
        "couple_page_queries": _count_queries(client(staff_cookie), couple_path),
        "portal_queries": _count_queries(client(partner_cookie), "/portal/"),
    }

    with Server(workers=2) as server:
        port = server.port
        same = all(
            _same_content(request(port, api, api_auth)[1], request(port, ref, api_auth)[1])
            for api, ref in zip(api_paths, ref_paths, strict=True)
        )
        page_bytes = len(request(port, page_paths[0], staff_cookie)[1])
        print("measuring latency (one request at a time)...", flush=True)
        lat = {
            "api": latency(port, api_paths, api_auth),
            "reference": latency(port, ref_paths, api_auth),
            "page": latency(port, page_paths, staff_cookie),
            "couple_page": latency(port, [couple_path], staff_cookie, samples=20),
            "portal": latency(port, ["/portal/"], partner_cookie),
        }
        print(f"measuring throughput ({args.concurrency} in flight)...", flush=True)
        load_before = machine_load()
        runs = {"api": [], "reference": []}
        for _ in range(2):  # interleaved, so a burst of other work hits both alike
            for name, paths in (("api", api_paths), ("reference", ref_paths)):
                runs[name].append(
                    throughput(
                        port, paths, api_auth, seconds=args.seconds, concurrency=args.concurrency
                    )
                )
        load_after = machine_load()

    def rps(name):
        done = sum(r.requests for r in runs[name])
        return round(done / sum(r.seconds for r in runs[name]), 1)

    errors = sum(r.errors for rs in runs.values() for r in rs)
    results = {
        "couples": args.couples,
        "api_rps": rps("api"),
        "reference_rps": rps("reference"),
        "api_ratio": round(rps("api") / rps("reference"), 2),
        "api_ms_p50": lat["api"].p50_ms,
        "api_ms_p95": lat["api"].p95_ms,
        "reference_ms_p50": lat["reference"].p50_ms,
        "page_ms_p50": lat["page"].p50_ms,
        "page_ms_p95": lat["page"].p95_ms,
        "page_bytes": page_bytes,
        "couple_page_ms_p50": lat["couple_page"].p50_ms,
        "couple_page_ms_p95": lat["couple_page"].p95_ms,
        "portal_ms_p50": lat["portal"].p50_ms,
        "portal_ms_p95": lat["portal"].p95_ms,
        **queries,
        "reference_same_content": same,
        "load_errors": errors,
    }
    results["met"] = {
        key: (results[key] <= bound if op == "<=" else results[key] >= bound)
        for key, (op, bound) in TARGETS.items()
    }
    results["setup"] = {
        "server": "gunicorn, 2 sync workers, CONN_MAX_AGE=60, DEBUG off",
        "load": f"{args.concurrency} requests in flight, 2 x {args.seconds:g} s per endpoint, "
        "interleaved; latency one request at a time",
        "data": f"{args.couples} couples with a month of history (one clinic), one couple "
        "with a year (the couple page)",
        "rows": rows,
        "build_seconds": round(build_s, 1),
        "machine_before": load_before,
        "machine_after": load_after,
    }
    results["measured_at"] = datetime.now(UTC).isoformat(timespec="seconds")

    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print()
    print(f"{'measure':<28}{'value':>10}  target")
    for key in (
        "api_rps",
        "reference_rps",
        "api_ratio",
        "api_ms_p50",
        "reference_ms_p50",
        "page_ms_p50",
        "page_bytes",
        "couple_page_ms_p50",
        "portal_ms_p50",
        "api_queries",
        "page_queries",
        "couple_page_queries",
        "portal_queries",
    ):
        op, bound = TARGETS.get(key, ("", ""))
        print(f"{key:<28}{results[key]:>10}  {op} {bound}")
    print(f"reference returns the same content: {same}; load errors: {errors}")
    print(f"machine load averages before/after: {load_before['loadavg']} / {load_after['loadavg']}")
    print(f"\nwrote {RESULTS.relative_to(ROOT)}")
    return 0 if all(results["met"].values()) and same and not errors else 1


if __name__ == "__main__":
    sys.exit(main())
