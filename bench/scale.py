"""Scale benchmark: does a clinic's caseload stay as fast when the database holds 1,000 clinics
as when it holds 10?

Run with ``.venv/bin/python -m bench.scale`` (PostgreSQL and Redis on 127.0.0.1; not part of
the test suite). It builds two databases: one of 10 clinics of 20 couples, each couple with a
month of history, and one of 1,000 clinics (20,000 couples, a few million rows) whose first 10
clinics are built alike (each clinic's data comes from its own seed). Rows are written by COPY
with triggers and foreign-key checks off, in parallel processes, and the biggest tables' plain
indexes are built after the load, as for any bulk load. Both databases are migrated by the
owner role and served as the app role, so row-level security applies as in production.

The caseload API, the caseload page, the couple page and the portal home of the 10 clinics are
then measured in both databases at once, each served by its own gunicorn (2 sync workers), the
requests taking turns: on a shared machine a burst of other work slows both alike, and the
ratio of the two is what to read. Every hot query leads with clinic_id on an index, so it
should stay within 1.3x. A third server on the large database connects as a superuser, which
bypasses row security: the difference is row security's cost. Queries per request are counted
in-process. Prints a table and writes ``bench/results/scale.json`` (with the table sizes, for
docs/scaling.md).

Options: ``--clinics 1000``, ``--couples 20`` (per clinic), ``--seconds 12`` (throughput per
server and endpoint), ``--jobs 2`` (processes building), ``--database`` (default
``attune_bench_scale``, and ``<name>_10`` for the small one; never the one you work in).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from contextlib import contextmanager
from datetime import UTC, datetime

from bench.caseload import ROOT, configure_environment, fresh_database

RESULTS = ROOT / "bench" / "results" / "scale.json"
MEASURED = 10  # clinics whose pages are measured, at both sizes
BATCH = 50  # clinics queued in memory before each COPY
RATIO_BOUND = 1.3
BUILD_BOUND_S = 600
ENDPOINTS = ("api", "page", "couple_page", "portal")
# Throughput runs per server and endpoint, taking turns. The throughput ratio is the median of
# each turn's ratio: a burst of other work on a shared machine lands on one turn's runs, not on
# one server's total (three long runs swung the ratio between 0.6 and 1.4 in one run).
ROUNDS = 6


def clinic_rng(n: int) -> random.Random:
    """Clinic n's own random numbers: the same data whichever process builds it."""
    return random.Random(13_000_000 + n)


def _build(first: int, last: int, couples: int, today, *, keep: bool = False) -> tuple:
    """Build clinics first..last-1 (one COPY per table per BATCH clinics, triggers and
    foreign-key checks off); returns (rows written, the BuiltClinics if `keep`)."""
    from bench.world import Rows, ScoreCache, add_clinic, without_triggers
    from clinic.tenancy import scopes_disabled

    written, built, scores = 0, [], ScoreCache()
    with scopes_disabled(), without_triggers():
        for start in range(first, last, BATCH):
            rows = Rows()
            for n in range(start, min(start + BATCH, last)):
                made = add_clinic(
                    rows,
                    slug=f"c{n:05d}",
                    couples=couples,
                    today=today,
                    rng=clinic_rng(n),
                    scores=scores,
                )
                if keep:
                    built.append(made)
            written += rows.write()
            if (start // BATCH) % 4 == 3:
                print(f"  clinics {first}-{min(start + BATCH, last)}: {written:,} rows", flush=True)
    return written, built


def _build_part(job) -> int:
    from django.db import connection

    first, last, couples, today = job
    connection.close()  # a connection of this process's own, never the parent's
    try:
        return _build(first, last, couples, today)[0]
    finally:
        connection.close()


def _build_parallel(first: int, last: int, couples: int, today, jobs: int) -> int:
    """Build clinics first..last-1 in `jobs` processes, each its own share of clinics, so the
    database loads one share while Python builds the rows of another."""
    import multiprocessing

    from django.db import connections

    if jobs <= 1:
        return _build(first, last, couples, today)[0]
    connections.close_all()  # forked children must not share the parent's socket
    step = -(-(last - first) // (jobs * 4))  # smaller shares, so no process idles at the end
    parts = [(a, min(a + step, last), couples, today) for a in range(first, last, step)]
    with multiprocessing.get_context("fork").Pool(jobs) as pool:
        return sum(pool.map(_build_part, parts, chunksize=1))


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


def _turn_ratio(small_runs: list[float], large_runs: list[float]) -> float:
    """How much slower the large database served than the small one: the median over turns of
    each turn's requests/s at the small one over the large one (the two ran back to back)."""
    per_turn = [s / g for s, g in zip(small_runs, large_runs, strict=True) if g]
    return round(statistics.median(per_turn), 2) if per_turn else float("inf")


def _measure(servers: dict[str, tuple], seconds: float, concurrency: int) -> dict:
    """Each endpoint's latency (the servers taking turns, see interleaved_latency), throughput
    (runs alternating between the servers) and queries. `servers` maps a label to (Server,
    targets, queries counted in-process for that database)."""
    from bench.load import interleaved_latency, machine_load, throughput

    out: dict = {label: {} for label in servers}
    before = machine_load()
    # Every endpoint's latency first, then the throughput runs: those write thousands of audit
    # events a second, and the autovacuum they set off took the cores from the next endpoint's
    # latency samples (one run measured the caseload page at 73 ms at 10 clinics, 44 ms alone).
    latencies = {
        name: interleaved_latency(
            {
                label: (server.port, targets[name])
                for label, (server, targets, _) in servers.items()
            },
            samples=30,
        )
        for name in ENDPOINTS
    }
    for name in ENDPOINTS:
        lat = latencies[name]
        done: dict = {label: [] for label in servers}
        labels = list(servers)
        for turn in range(ROUNDS):  # short runs, alternating, the first to go rotating
            for k in range(len(labels)):
                label = labels[(turn + k) % len(labels)]
                server, targets, _ = servers[label]
                done[label].append(
                    throughput(
                        server.port,
                        targets[name],
                        seconds=seconds / ROUNDS,
                        concurrency=concurrency,
                    )
                )
        for label, (_, _, queries) in servers.items():
            runs = done[label]
            out[label][name] = {
                "ms_p50": lat[label].p50_ms,
                "ms_p95": lat[label].p95_ms,
                "rps": round(sum(r.requests for r in runs) / sum(r.seconds for r in runs), 1),
                "rps_runs": [r.rps for r in runs],  # in turn order, for the turn-by-turn ratio
                "errors": sum(r.errors for r in runs),
                "queries": queries[name],
            }
            row = out[label][name]
            print(
                f"  {name:<12} {label:<22} p50 {row['ms_p50']:>7} ms  p95 {row['ms_p95']:>7} ms"
                f"  {row['rps']:>6} req/s  {row['queries']} queries",
                flush=True,
            )
    after = machine_load()
    for label in servers:
        out[label]["machine_before"], out[label]["machine_after"] = before, after
    return out


@contextmanager
def _on_database(name: str):
    """The block's ORM work (building, logins, counting queries) on database `name`."""
    from django.db import connection

    previous = connection.settings_dict["NAME"]
    connection.close()
    connection.settings_dict["NAME"] = name
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict["NAME"] = previous


def _prepare(targets) -> dict:
    return {name: _queries(targets[name][0]) for name in ENDPOINTS}


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
    parser.add_argument("--seconds", type=float, default=12)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--database", default="attune_bench_scale")
    parser.add_argument("--jobs", type=int, default=2, help="processes building clinics")
    args = parser.parse_args(argv)

    small_db = f"{args.database}_{MEASURED}"
    configure_environment(args.database)
    sys.path.insert(0, str(ROOT))
    from bench.roles import production_roles

    # Each database migrated by the owner role and served as the app role, as in production.
    app_role = {}
    for database in (small_db, args.database):
        fresh_database(database)
        app_role[database] = production_roles(database)
    import django

    django.setup()
    from django.core.management import call_command

    from bench.load import Server
    from bench.world import analyze

    call_command("collectstatic", interactive=False, verbosity=0)
    today = datetime.now(UTC).date()

    print(f"building {MEASURED} clinics x {args.couples} couples (a month each)...", flush=True)
    with _on_database(small_db):
        _, built = _build(0, MEASURED, args.couples, today, keep=True)
        analyze()
        small_targets = _targets(built)
        small_queries = _prepare(small_targets)

    print(f"building {args.clinics} clinics, the same {MEASURED} first...", flush=True)
    began = time.perf_counter()
    rows, built = _build(0, MEASURED, args.couples, today, keep=True)
    indexes = _drop_secondary_indexes()
    rows += _build_parallel(MEASURED, args.clinics, args.couples, today, args.jobs)
    _build_indexes(indexes)
    analyze()
    build_s = time.perf_counter() - began
    print(f"  {rows:,} rows in {build_s:.0f} s", flush=True)
    large_targets = _targets(built)
    large_queries = _prepare(large_targets)

    print(
        f"measuring {MEASURED} clinics of each database, requests taking turns: as the app "
        "role (row security on), and the large one as a superuser (row security bypassed)...",
        flush=True,
    )
    small_label, large_label, su_label = (
        f"{MEASURED} clinics",
        f"{args.clinics} clinics",
        f"{args.clinics} superuser",
    )
    with (
        Server(workers=2, env=app_role[small_db]) as small_server,
        Server(workers=2, env=app_role[args.database]) as large_server,
        Server(workers=2) as superuser_server,
    ):
        measured = _measure(
            {
                small_label: (small_server, small_targets, small_queries),
                large_label: (large_server, large_targets, large_queries),
                su_label: (superuser_server, large_targets, large_queries),
            },
            args.seconds,
            args.concurrency,
        )
    small, large, large_su = measured[small_label], measured[large_label], measured[su_label]

    ratios = {
        name: {
            "p50": round(large[name]["ms_p50"] / small[name]["ms_p50"], 2),
            "rps": _turn_ratio(small[name]["rps_runs"], large[name]["rps_runs"]),
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
        f"at_{args.clinics}_clinics_as_superuser": large_su,
        "row_security_overhead_p50": {
            name: round(large[name]["ms_p50"] / large_su[name]["ms_p50"], 2) for name in ENDPOINTS
        },
        "queries_equal": all(
            small[name]["queries"] == large[name]["queries"] for name in ENDPOINTS
        ),
        "sizes": _sizes(),
        "setup": {
            "server": "gunicorn, 2 sync workers, CONN_MAX_AGE=60, DEBUG off, connected as "
            "the app role (row security on) unless stated",
            "build": f"{args.jobs} processes, COPY with triggers and foreign-key checks off",
            "load": f"the same {MEASURED} clinics built in a database of {MEASURED} and "
            f"one of {args.clinics}, each served by its own gunicorn at the same time; latency "
            "one request at a time, the servers taking turns (30 samples each); throughput "
            f"with {args.concurrency} in flight, {ROUNDS} x {args.seconds / ROUNDS:g} s per "
            "server, taking turns",
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
    print(
        f"row security overhead (p50, app role / superuser): {results['row_security_overhead_p50']}"
    )
    print(f"build: {rows:,} rows in {build_s:.0f} s (bound {BUILD_BOUND_S} s)")
    print(f"database: {results['sizes']['database_bytes'] / 1e9:.2f} GB")
    print(f"met: {results['met']}")
    print(f"\nwrote {RESULTS.relative_to(ROOT)}")
    return 0 if all(results["met"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
