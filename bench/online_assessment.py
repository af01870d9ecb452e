"""The online self-assessment under a school's load (issue 16): a school of 3,000 students (60
classes of 50) submitting within one 40-minute period, some classes pressing submit together,
against gunicorn (gunicorn.conf.py, DEBUG off, static files collected) on Postgres and Redis, in a
database of its own (bench_online, created and dropped). Load by locust's client and statistics
(bench/load/online_students.py, a process of its own).

Targets: 0 errors, 0 lost or doubled submissions (results = sessions submitted = students, one
result per student), p95 per request under 300 ms; and the ceiling: closed-loop steps of more
and more students at once until p95 passes 300 ms or a request fails, the last good step's
submissions per second.

The rate limits stay on, at their production values. As behind the school's proxy (README
"Running in production"): TRUSTED_PROXY_COUNT=1, and each class's computer room forwards its own
address (X-Forwarded-For) — 50 codes tried per room, within 200 per hour.

    REDIS_URL=redis://127.0.0.1:6379/0 .venv/bin/python bench/online_assessment.py [--scale 4]

(BENCH_CLASSES=2 tries the script on 2 classes; the figures are those of the 60.) The first run
collects the static files into var/bench/online-server (minutes: brotli and gzip); later runs
reuse them until a static file changes.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common

sys.path.insert(0, str(common.ROOT))
from centre.settings.environment import new_field_key

DATABASE = "bench_online"
CLASSES, CLASS_SIZE = int(os.environ.get("BENCH_CLASSES", 60)), 50
BURST_EVERY = 10  # every 10th class presses submit together (6 classes of 50)
CEILING_CLASSES = 40  # codes for the ceiling's steps (2,000 more students, another campaign)
CEILING_STEPS = [2, 4, 8, 16, 32, 64]
CEILING_STEP_SECONDS = 12
P95_TARGET_MS = 300
# The real period: students arrive over its first ARRIVAL minutes; THINK seconds to read and
# answer each question. --scale divides both (the period replayed SCALE times faster).
PERIOD_MINUTES, ARRIVAL_MINUTES, THINK_SECONDS = 40, 10, 15.0
# The server's var/ (its static files collected once: compressing them takes minutes).
SERVER_VAR = common.ROOT / "var" / "bench" / "online-server"


def fresh_database() -> None:
    """Drop the bench's database if a run left it, then create and migrate it."""
    _drop_database()
    common.setup_django(DATABASE)


def _drop_database() -> None:
    import psycopg2

    server = psycopg2.connect("postgres://postgres@127.0.0.1:5432/postgres")
    server.autocommit = True
    with server.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
    server.close()


def room(kind: str, number: int) -> str:
    """The address a class's computer room is forwarded as (a private network's)."""
    return f"10.{20 if kind == 'period' else 21}.{number}.1"


def seed() -> dict[str, list[dict[str, Any]]]:
    """The school's students and campaigns, each class opened online: its codes, by phase."""
    from centre import demo
    from centre.bulk import insert_rows
    from centre.models import School, User
    from screening import importing
    from screening.models import Campaign, ConsentBasis, Student
    from screening.services import online

    demo.seed(password=None, log=lambda message: None)
    school, liaison = School.objects.get(code="SCH-0101"), User.objects.get(username="liaison")
    now = datetime.datetime.now(datetime.UTC)
    classes = {"period": CLASSES, "ceiling": CEILING_CLASSES}
    insert_rows(
        Student,
        importing.STUDENT_COLUMNS,
        (
            (now, now, school.pk, f"{kind[0]}{n:02d}{s:03d}", f"学生{n}-{s}", "female",
             "八年级", f"{kind}{n:02d}班", datetime.date(now.year - 14, 1, 1), None)
            for kind, count in classes.items()
            for n in range(1, count + 1)
            for s in range(1, CLASS_SIZE + 1)
        ),
    )  # fmt: skip
    plan: dict[str, list[dict[str, Any]]] = {}
    for kind, count in classes.items():
        campaign = Campaign.objects.create(
            school=school,
            name=f"bench {kind}",
            instruments=["PHQ-A", "GAD-7"],
            opens_on=now.date(),
            closes_on=now.date() + datetime.timedelta(days=30),
            liaison=liaison,
            consent_basis=ConsentBasis.BY_AGE,
        )
        plan[kind] = []
        for n in range(1, count + 1):
            _window, slips = online.online_open(
                actor=liaison, campaign=campaign, class_name=f"{kind}{n:02d}班"
            )
            plan[kind].append(
                {
                    "codes": [code for _student, code in slips],
                    "room": room(kind, n),
                    "burst": kind == "period" and n % min(BURST_EVERY, count) == 0,
                }
            )
    _forget_rates(plan)
    return plan


def _forget_rates(plan: dict[str, list[dict[str, Any]]]) -> None:
    """An earlier run's tries from the bench's rooms (the address rate is per hour)."""
    from django.core.cache import cache

    cache.delete_many(
        [f"throttle_online_address_{c['room']}" for classes in plan.values() for c in classes]
    )


def server_environment(var: Path) -> dict[str, str]:
    """Production's settings module and defaults, DEBUG off: only what a deployment sets."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    var.mkdir(parents=True, exist_ok=True)
    environment.update(
        DJANGO_SETTINGS_MODULE="centre.settings.base",
        DEBUG="false",
        # TLS ends at the proxy, which the bench plays over plain HTTP (secure cookies would not
        # come back over it); everything else as deployed.
        HTTPS="false",
        SECRET_KEY=os.environ["SECRET_KEY"],  # the codes' keyed hashes were made with it
        ALLOWED_HOSTS="127.0.0.1",
        TRUSTED_PROXY_COUNT="1",
        PORTAL_SKIP_DOTENV="1",
        PORTAL_VAR_DIR=str(var),
        DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{DATABASE}",
        LOG_LEVEL="WARNING",
    )
    return environment


def collect_static(environment: dict[str, str]) -> None:
    """As a deployment does (DEBUG off serves the manifest's hashed names); again only when a
    static file changed since the last run."""
    import hashlib

    from django.contrib.staticfiles import finders

    files = sorted(
        (path, storage.path(path))
        for finder in finders.get_finders()
        for path, storage in finder.list(["CVS", ".*", "*~"])
    )
    stamp = hashlib.sha256()
    for name, path in files:
        stamp.update(f"{name} {os.stat(path).st_size} {os.stat(path).st_mtime_ns}\n".encode())
    stamp_file = SERVER_VAR / "static.stamp"
    if stamp_file.exists() and stamp_file.read_text() == stamp.hexdigest():
        return
    collecting = time.perf_counter()
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"],
        cwd=common.ROOT,
        env=environment,
        check=True,
    )
    stamp_file.write_text(stamp.hexdigest())
    print(f"static files collected in {time.perf_counter() - collecting:.0f} s")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_gunicorn(environment: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    bin_dir = Path(sys.executable).parent
    collect_static(environment)
    server = subprocess.Popen(  # noqa: S603 (this virtualenv's gunicorn)
        [str(bin_dir / "gunicorn"), "-c", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}"],
        cwd=common.ROOT,
        env=environment,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
                if answer.status == 200:
                    return server
        except OSError:
            time.sleep(0.3)
    server.terminate()
    sys.exit(f"gunicorn did not answer /healthz within 60 s (see {log})")


def run_load(plan: dict[str, Any], work: Path) -> dict[str, Any]:
    plan_path, out_path = work / "plan.json", work / "out.json"
    plan_path.write_text(json.dumps(plan), encoding="utf-8")
    subprocess.run(  # noqa: S603 (this virtualenv's Python)
        [sys.executable, str(Path(__file__).parent / "load" / "online_students.py"),
         str(plan_path), str(out_path)],
        check=True,
    )  # fmt: skip
    return dict(json.loads(out_path.read_text(encoding="utf-8")))


def verify(kind: str) -> dict[str, int]:
    """What the database holds for the phase's campaign: lost or doubled submissions show."""
    from django.db.models import Count, F

    from screening.models import OnlineSession, ScreeningResult, Student

    campaign = f"bench {kind}"
    results = ScreeningResult.objects.filter(campaign__name=campaign)
    sessions = OnlineSession.objects.filter(code__window__campaign__name=campaign)
    submitted = sessions.filter(submitted_at__isnull=False)
    doubled = results.values("student").annotate(n=Count("id")).filter(n__gt=1).count()
    return {
        "students": Student.objects.filter(class_name__startswith=kind).count(),
        "results": results.count(),
        "sessions submitted": submitted.count(),
        "sessions without result": submitted.filter(result__isnull=True).count(),
        "results of another student": submitted.exclude(result__student=F("code__student")).count(),
        "students with two results": doubled,
    }


def print_kinds(title: str, figures: dict[str, Any]) -> None:
    print(f"\n{title}")
    print(f"{'request':<34} {'count':>7} {'errors':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}")
    for name, kind in figures["kinds"].items():
        print(
            f"{name:<34} {kind['requests']:>7} {kind['failures']:>7} {kind['p50']:>7.0f} "
            f"{kind['p95']:>7.0f} {kind['p99']:>7.0f}"
        )
    print(
        f"{'all':<34} {figures['requests']:>7} {figures['failures']:>7} {'':>7} "
        f"{figures['p95']:>7.0f}   target p95 < {P95_TARGET_MS} ms, 0 errors"
    )
    if figures["errors"]:
        print("errors:", *figures["errors"], sep="\n  ")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=4.0, help="the period replayed faster")
    arguments = parser.parse_args()
    scale = arguments.scale
    started = time.perf_counter()
    # This run's keys, seeder and server alike (production's settings refuse to start without).
    os.environ["SECRET_KEY"] = secrets.token_urlsafe(50)
    os.environ["FIELD_ENCRYPTION_KEYS"] = new_field_key()
    os.environ["FIELD_INDEX_KEY"] = new_field_key()
    fresh_database()
    classes = seed()
    from django.db import connections

    connections.close_all()
    seeded = time.perf_counter() - started
    with tempfile.TemporaryDirectory(prefix="bench-online-") as folder:
        work = Path(folder)
        port = free_port()
        server = start_gunicorn(server_environment(SERVER_VAR), port, work / "gunicorn.log")
        try:
            plan = {
                "host": f"http://127.0.0.1:{port}",
                "phases": [
                    {
                        "name": "period",
                        "kind": "period",
                        "classes": classes["period"],
                        "arrival_seconds": ARRIVAL_MINUTES * 60 / scale,
                        "think_seconds": THINK_SECONDS / scale,
                    },
                    {
                        "name": "ceiling",
                        "kind": "ceiling",
                        "classes": classes["ceiling"],
                        "steps": CEILING_STEPS,
                        "step_seconds": CEILING_STEP_SECONDS,
                        "p95_ms": P95_TARGET_MS,
                    },
                ],
            }
            figures = run_load(plan, work)
        finally:
            server.terminate()
            server.wait(timeout=30)
        server_errors = (work / "gunicorn.log").read_text(errors="replace").count("Traceback")
    report(figures, scale, seeded, server_errors)
    connections.close_all()
    _drop_database()
    print(f"\nrun: {time.perf_counter() - started:.0f} s (seeding and migrating {seeded:.0f} s)")


def report(figures: dict[str, Any], scale: float, seeded: float, server_errors: int) -> None:
    period = figures["period"]
    students = CLASSES * CLASS_SIZE
    print_kinds(
        f"A school of {students:,} students ({CLASSES} classes of {CLASS_SIZE}, "
        f"{CLASSES // min(BURST_EVERY, CLASSES)} of them submitting together within one "
        f"second): the {PERIOD_MINUTES}-minute period with arrivals over {ARRIVAL_MINUTES} min and "
        f"{THINK_SECONDS:.0f} s per question, replayed {scale:g}× faster, in "
        f"{period['seconds']:.0f} s",
        period,
    )
    checked = verify("period")
    print("database:", ", ".join(f"{name} {count}" for name, count in checked.items()))
    whole = (
        checked["results"] == checked["sessions submitted"] == students == period["submitted"]
        and not checked["students with two results"]
        + checked["sessions without result"]
        + checked["results of another student"]
    )
    print(
        f"submitted {period['submitted']:,} of {students:,}, students stopped by an error "
        f"{period['failed_students']}, server tracebacks {server_errors}: "
        f"{'0 lost, 0 doubled' if whole else 'LOST OR DOUBLED SUBMISSIONS'}"
    )
    print(
        f"\nCeiling: closed loop (no think time), {CEILING_STEP_SECONDS} s a step, until p95 > "
        f"{P95_TARGET_MS} ms or an error"
    )
    print(f"{'students at once':>16} {'submissions/s':>14} {'requests/s':>11} {'p95 ms':>7} "
          f"{'errors':>7}")  # fmt: skip
    good = None
    for step in figures["ceiling"]:
        rate = step["submitted"] / step["seconds"]
        print(
            f"{step['users']:>16} {rate:>14.1f} {step['requests'] / step['seconds']:>11.0f} "
            f"{step['p95']:>7.0f} {step['failures']:>7}"
        )
        if step["p95"] <= P95_TARGET_MS and not step["failures"]:
            good = (step["users"], rate)
    ceiling_checked = verify("ceiling")
    print("database:", ", ".join(f"{name} {count}" for name, count in ceiling_checked.items()))
    needed = students / (PERIOD_MINUTES * 60)
    if good:
        print(
            f"ceiling: {good[1]:.1f} submissions/s ({good[0]} students at once), against "
            f"{needed:.2f}/s for {students:,} students spread over {PERIOD_MINUTES} min: "
            f"ratio {good[1] / needed:.0f}×"
        )
    else:
        print("ceiling: no step met the target")


if __name__ == "__main__":
    main()
