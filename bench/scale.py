"""Scale benchmark: does a clinic's caseload stay as fast when the database holds 1,000 clinics
as when it holds 10?

Run with ``.venv/bin/python -m bench.scale`` (PostgreSQL and Redis on 127.0.0.1; not part of
the test suite). In one run it builds 10 clinics of 20 couples, each couple with a month of
history, by COPY; measures the caseload API, the caseload page, the couple page and the portal
home of those 10 clinics through gunicorn (2 sync workers) with a bounded load generator; then
grows the same database to 1,000 clinics (20,000 couples, a few million rows; the biggest
tables' plain indexes are dropped for the load and built again after it, as for any bulk load)
and measures the same 10 clinics again. Every hot query leads with clinic_id on an index, so the ratio of the
two should stay within 1.3x. Queries per request are counted in-process. Prints a table and
writes ``bench/results/scale.json`` (with the table sizes, for docs/scaling.md).

Options: ``--clinics 1000``, ``--couples 20`` (per clinic), ``--seconds 6`` (per throughput
run), ``--database`` (default ``attune_bench_scale``; never the one you work in).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from datetime import UTC, datetime

from bench.caseload import ROOT, configure_environment, fresh_database

RESULTS = ROOT / "bench" / "results" / "scale.json"
MEASURED = 10  # clinics whose pages are measured, at both sizes
BATCH = 50  # clinics queued in memory before each COPY
RATIO_BOUND = 1.3
BUILD_BOUND_S = 600
ENDPOINTS = ("api", "page", "couple_page", "portal")


def _build(rows_for, first: int, last: int, couples: int, today, rng, scores) -> int:
    from bench.world import Rows, add_clinic
    from clinic.tenancy import scopes_disabled

    written = 0
    with scopes_disabled():
        for start in range(first, last, BATCH):
            rows = Rows()
            for n in range(start, min(start + BATCH, last)):
                rows_for.append(
                    add_clinic(
                        rows, slug=f"c{n:05d}", couples=couples, today=today, rng=rng, scores=scores
                    )
                )
            written += rows.write()
            if (start // BATCH) % 4 == 3:
                print(f"  {min(start + BATCH, last)} clinics, {written:,} rows", flush=True)
    return written


#: the tables that take most of the rows: their secondary indexes are built after the load
BULK_TABLES = (
    "therapy_sessions_checkin",
    "therapy_sessions_practicelog",
    "therapy_sessions_timeoutlog",
    "therapy_sessions_measurement",
    "therapy_sessions_therapysession",
    "therapy_sessions_sessionnote",
    "assessments_response",
    "assessments_assignment",
)


def _drop_secondary_indexes() -> list[str]:
    """Drop the plain (not primary, not unique) indexes of BULK_TABLES; returns their
    definitions. Building an index once from sorted rows costs far less than millions of
    random insertions into each of a table's b-trees; constraints stay in force."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
            FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
            WHERE t.relname = ANY(%s) AND NOT i.indisprimary AND NOT i.indisunique
            """,
            [list(BULK_TABLES)],
        )
        found = cursor.fetchall()
        for name, _ in found:
            cursor.execute(f"DROP INDEX {name}")
    return [definition for _, definition in found]


def _build_indexes(definitions: list[str]) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '256MB'")
        for definition in definitions:
            cursor.execute(definition)


def _targets(measured) -> dict[str, list]:
    """Per endpoint, (path, headers) for each measured clinic, logged in as its admin (the
    API by token, the pages by session) and as a partner with a portal login (the portal)."""
    from bench.login import session_cookie, staff_logins
    from clinic.models import User

    targets: dict[str, list] = {name: [] for name in ENDPOINTS}
    for built in measured:
        admin = User.objects.get(pk=built.admin_id)
        api_auth, staff_cookie = staff_logins(admin)
        partner_cookie = session_cookie(User.objects.get(pk=built.portal_user_ids[0]))
        couple = built.couple_ids[len(built.couple_ids) // 2]
        targets["api"].append(
            (
                f"/api/v1/clinics/{built.slug}/couples/?page_size=50",
                api_auth,
            )
        )
        targets["page"].append((f"/c/{built.slug}/caseload/", staff_cookie))
        targets["couple_page"].append((f"/c/{built.slug}/couples/{couple}/", staff_cookie))
        targets["portal"].append(("/portal/", partner_cookie))
    return targets


def _queries(target) -> int:
    from django.db import connection
    from django.test import Client as TestClient
    from django.test.utils import CaptureQueriesContext

    path, headers = target
    client = TestClient()
    if "Cookie" in headers:
        client.cookies["sessionid"] = headers["Cookie"].split("=", 1)[1]
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path, headers={k: v for k, v in headers.items() if k != "Cookie"})
    if response.status_code != 200:
        raise RuntimeError(f"GET {path} answered {response.status_code}")
    return len(ctx.captured_queries)


def _measure(targets, seconds: float, concurrency: int) -> dict:
    from bench.load import Server, latency, machine_load, throughput

    out: dict = {"machine_before": machine_load()}
    with Server(workers=2) as server:
        for name in ENDPOINTS:
            lat = latency(server.port, targets[name], samples=30)
            rate = throughput(server.port, targets[name], seconds=seconds, concurrency=concurrency)
            out[name] = {
                "ms_p50": lat.p50_ms,
                "ms_p95": lat.p95_ms,
                "rps": rate.rps,
                "errors": rate.errors,
                "queries": _queries(targets[name][0]),
            }
            print(
                f"  {name:<12} p50 {lat.p50_ms:>7} ms  p95 {lat.p95_ms:>7} ms  "
                f"{rate.rps:>6} req/s  {out[name]['queries']} queries",
                flush=True,
            )
    out["machine_after"] = machine_load()
    return out


def _sizes() -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database())")
        database = cursor.fetchone()[0]
        cursor.execute(
            """
            SELECT c.relname, c.reltuples::bigint, pg_total_relation_size(c.oid)
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'public' AND c.relkind = 'r'
            ORDER BY pg_total_relation_size(c.oid) DESC LIMIT 12
            """
        )
        tables = {name: {"rows": rows, "bytes": size} for name, rows, size in cursor.fetchall()}
    return {"database_bytes": database, "largest_tables": tables}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clinics", type=int, default=1000)
    parser.add_argument("--couples", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=6)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--database", default="attune_bench_scale")
    args = parser.parse_args(argv)

    configure_environment(args.database)
    fresh_database(args.database)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    from bench.world import ScoreCache, analyze

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    today = datetime.now(UTC).date()
    rng, scores, built = random.Random(13), ScoreCache(), []

    print(f"building {MEASURED} clinics x {args.couples} couples (a month each)...", flush=True)
    began = time.perf_counter()
    rows = _build(built, 0, MEASURED, args.couples, today, rng, scores)
    build_s = time.perf_counter() - began
    analyze()
    targets = _targets(built[:MEASURED])
    print(f"measuring at {MEASURED} clinics...", flush=True)
    small = _measure(targets, args.seconds, args.concurrency)

    print(f"growing to {args.clinics} clinics...", flush=True)
    began = time.perf_counter()
    indexes = _drop_secondary_indexes()
    rows += _build(built, MEASURED, args.clinics, args.couples, today, rng, scores)
    _build_indexes(indexes)
    analyze()
    build_s += time.perf_counter() - began
    print(f"  {rows:,} rows in {build_s:.0f} s", flush=True)
    print(f"measuring at {args.clinics} clinics...", flush=True)
    large = _measure(targets, args.seconds, args.concurrency)

    ratios = {
        name: {
            "p50": round(large[name]["ms_p50"] / small[name]["ms_p50"], 2),
            "rps": round(small[name]["rps"] / large[name]["rps"], 2),
        }
        for name in ENDPOINTS
    }
    results = {
        "clinics": args.clinics,
        "couples_per_clinic": args.couples,
        "couples": args.clinics * args.couples,
        "rows": rows,
        "build_seconds": round(build_s, 1),
        f"at_{MEASURED}_clinics": small,
        f"at_{args.clinics}_clinics": large,
        "ratio_large_to_small": ratios,
        "queries_equal": all(
            small[name]["queries"] == large[name]["queries"] for name in ENDPOINTS
        ),
        "sizes": _sizes(),
        "setup": {
            "server": "gunicorn, 2 sync workers, CONN_MAX_AGE=60, DEBUG off",
            "load": f"latency one request at a time (30 samples); throughput with "
            f"{args.concurrency} in flight for {args.seconds:g} s; the same {MEASURED} "
            "clinics at both sizes",
        },
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    results["met"] = {
        "build_under_10_minutes": build_s <= BUILD_BOUND_S,
        "ratio_within_1_3": all(
            r["p50"] <= RATIO_BOUND and r["rps"] <= RATIO_BOUND for r in ratios.values()
        ),
        "queries_equal": results["queries_equal"],
    }
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")

    print()
    print(
        f"{'endpoint':<13}{'p50 10':>9}{'p50 ' + str(args.clinics):>11}{'ratio':>7}"
        f"{'rps 10':>9}{'rps ' + str(args.clinics):>11}{'ratio':>7}{'queries':>9}"
    )
    for name in ENDPOINTS:
        s, g, r = small[name], large[name], ratios[name]
        print(
            f"{name:<13}{s['ms_p50']:>9}{g['ms_p50']:>11}{r['p50']:>7}"
            f"{s['rps']:>9}{g['rps']:>11}{r['rps']:>7}{g['queries']:>9}"
        )
    print(f"build: {rows:,} rows in {build_s:.0f} s (bound {BUILD_BOUND_S} s)")
    print(f"database: {results['sizes']['database_bytes'] / 1e9:.2f} GB")
    print(f"met: {results['met']}")
    print(f"\nwrote {RESULTS.relative_to(ROOT)}")
    return 0 if all(results["met"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
