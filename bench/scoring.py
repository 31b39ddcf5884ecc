"""Scoring throughput: N random PHQ-9 responses on one core.

Run with ``.venv/bin/python -m bench.scoring [--n 200000]``. Prints a table and writes
``bench/results/scoring.json``. Exits non-zero when complete responses score slower than the
target (20,000 a second).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from assessments.scoring import get_instrument, load_library, score

TARGET_PER_SECOND = 20_000
RESULTS = Path(__file__).with_name("results") / "scoring.json"


def pin_to_one_core() -> int | None:
    """Run on a single CPU so the figure is per core; returns the CPU used, if pinning works."""
    if not hasattr(os, "sched_setaffinity"):
        return None
    cpu = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    return cpu


def random_responses(n: int, rng: random.Random, missing_share: float) -> list[dict[int, int]]:
    """PHQ-9 answers 0-3 for items 1-9; a share of responses skip one item (prorated path)."""
    out = []
    for _ in range(n):
        answers = {item: rng.randint(0, 3) for item in range(1, 10)}
        if rng.random() < missing_share:
            del answers[rng.randint(1, 9)]
        out.append(answers)
    return out


def best_time(run: Callable[[], object], repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


def main(argv: Sequence[str] | None = None) -> int:
    """Measure, print the table, write the JSON; 0 when the target is met."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=200_000, help="responses per run")
    parser.add_argument("--repeats", type=int, default=3, help="runs; the best is reported")
    parser.add_argument("--seed", type=int, default=20250101)
    args = parser.parse_args(argv)

    cpu = pin_to_one_core()
    load_library()  # definitions validated and lookups compiled before timing
    phq9 = get_instrument("phq9")
    rng = random.Random(args.seed)
    complete = random_responses(args.n, rng, missing_share=0.0)
    mixed = random_responses(args.n, rng, missing_share=0.1)

    scenarios: list[tuple[str, Callable[[], object]]] = [
        ("complete responses", lambda: [score(phq9, a) for a in complete]),
        ("10% skip one item (prorated)", lambda: [score(phq9, a) for a in mixed]),
        ("complete + JSON snapshot", lambda: [score(phq9, a).to_dict() for a in complete]),
    ]
    rows = []
    for name, run in scenarios:
        seconds = best_time(run, args.repeats)
        rows.append(
            {
                "scenario": name,
                "responses": args.n,
                "seconds": round(seconds, 4),
                "per_second": round(args.n / seconds),
                "microseconds_each": round(seconds / args.n * 1e6, 2),
            }
        )

    print(f"PHQ-9 scoring, {args.n:,} responses, best of {args.repeats}, one core (cpu {cpu})")
    print(f"{'scenario':<32}{'seconds':>10}{'per second':>14}{'us each':>10}")
    for row in rows:
        print(
            f"{row['scenario']:<32}{row['seconds']:>10.3f}"
            f"{row['per_second']:>14,}{row['microseconds_each']:>10.2f}"
        )
    met = rows[0]["per_second"] >= TARGET_PER_SECOND
    print(f"target {TARGET_PER_SECOND:,}/s for complete responses: {'met' if met else 'MISSED'}")

    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "benchmark": "scoring",
                "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "python": platform.python_version(),
                "machine": platform.machine(),
                "processor": platform.processor() or None,
                "pinned_cpu": cpu,
                "seed": args.seed,
                "target_per_second": TARGET_PER_SECOND,
                "target_met": met,
                "results": rows,
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    print(f"wrote {RESULTS}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
