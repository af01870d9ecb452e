"""What every benchmark shares: its own Postgres database (never the developer's or the tests'),
Django set up on it, timing with medians, and a printed table (data is loaded with centre.bulk).

Run a benchmark as a script: `.venv/bin/python bench/caseload.py` (or `make bench`)."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH_DATABASE = "bench_portal"


def setup_django(database: str = BENCH_DATABASE) -> None:
    """Point Django at the benchmark database (created and migrated when missing);
    `BENCH_DATABASE` names another, so that two worktrees on one server do not share one."""
    database = os.environ.get("BENCH_DATABASE") or database
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "centre.settings.test")
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{database}"
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    import django

    django.setup()
    from django.core.management import call_command

    from centre.database_check import create_database_if_missing, database_problem

    problem = database_problem()
    if problem:
        sys.exit(problem)
    create_database_if_missing()
    call_command("migrate", verbosity=0)


def timed(function: Callable[[], object], repeat: int) -> list[float]:
    """Milliseconds of `repeat` runs of `function`."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def summary(samples: list[float]) -> tuple[float, float]:
    """Median and 95th percentile, in milliseconds."""
    # Not the statistics module: bench/statistics.py (the name) would shadow it here.
    ordered = sorted(samples)
    middle = len(ordered) // 2
    median = ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2
    return median, ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]


def print_table(title: str, rows: list[tuple[str, list[float], str]]) -> dict[str, float]:
    """Print figure | median | p95 | target; return the medians by figure."""
    print(f"\n{title}")
    print(f"{'figure':<58} {'median ms':>10} {'p95 ms':>9}  target")
    medians = {}
    for name, samples, target in rows:
        median, p95 = summary(samples)
        medians[name] = median
        print(f"{name:<58} {median:>10.1f} {p95:>9.1f}  {target}")
    return medians
