"""The load of bench/online_assessment.py: students taking the online self-assessment, driven by
locust's HTTP client and statistics (FastHttpSession, Environment.stats) in a process of its own
(locust patches the standard library with gevent; the Django process that seeds and checks the
database must not be).

Each simulated student does what a phone's browser does, with the CSRF token of each page: GET
the start page, POST the code (302), GET the first screen and POST "I agree" (302), GET the first
question, then POST each answer as portal.js does (X-Online-Step: the next question or the review
page comes back, 200), POST submit (302), GET the thank-you page. Every 10th student's browser
runs no script: each answer is a POST (302) and a GET of the next question. Every response must
be the step's own status; anything else counts as an error.

    python bench/load/online_students.py PLAN.json OUT.json

The plan gives the host and the phases (see bench/online_assessment.py, which writes it):
- "period": every code of its classes, students arriving evenly over `arrival_seconds`, a
  think time of about `think_seconds` before each answer; in a class marked `burst`, the students
  who reach the review page wait for their classmates and all press submit within one second;
- "ceiling": closed-loop steps (no think time) of `users` students at once for `step_seconds`
  each, every student taking the next code when done.
"""

from __future__ import annotations

import json
import random
import re
import sys
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import gevent
from gevent.event import Event
from locust.contrib.fasthttp import FastHttpSession
from locust.env import Environment

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
KEY = re.compile(r'name="key" value="([^"]+)"')
CHOICE = re.compile(r'type="radio" name="answer" value="([^"]+)"')
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
NEXT_STEP = {"X-Online-Step": "next"}  # what portal.js sends with an answer
NO_SCRIPT_EVERY = 10  # every 10th student's browser runs no script (two requests a question)
MAX_QUESTIONS = 100  # a loop that never reaches the review page is an error, not a hang


class StepFailedError(Exception):
    """A response that was not the step's: the student stops (counted as an error)."""


@dataclass
class Burst:
    """A class pressing submit together: released when all `size` students are ready."""

    size: int
    ready: int = 0
    released: Event = field(default_factory=Event)

    def wait(self) -> None:
        self.ready += 1
        if self.ready == self.size:
            self.released.set()
        self.released.wait(timeout=600)
        gevent.sleep(random.uniform(0, 1.0))  # all of them within the same second


@dataclass
class Student:
    code: str
    room: str  # the class's computer room: the address the school's proxy forwards
    burst: Burst | None = None
    script: bool = True  # the browser runs the page's script (portal.js)


class Counts:
    def __init__(self) -> None:
        self.submitted = 0
        self.failed = 0


def _check(response: Any, status: int, name: str) -> str:
    if response.status_code != status:
        response.failure(f"{name}: {response.status_code}")
        raise StepFailedError(name)
    response.success()
    return response.text or ""


def take(
    session: FastHttpSession, student: Student, think: float, counts: Counts, names: str = ""
) -> None:
    """One student from the start page to the thank-you page."""
    headers = {"X-Forwarded-For": student.room}

    def get(path: str, name: str) -> str:
        with session.get(
            path, name=name, headers=headers, catch_response=True, allow_redirects=False
        ) as response:
            return _check(response, 200, name)

    def post(path: str, name: str, data: dict[str, str], page: str, step: bool = False) -> str:
        token = TOKEN.search(page)
        body = urlencode({**data, "csrfmiddlewaretoken": token.group(1) if token else ""})
        with session.post(
            path,
            name=name,
            data=body,
            headers={**headers, **FORM, **(NEXT_STEP if step else {})},
            catch_response=True,
            allow_redirects=False,
        ) as response:
            return _check(response, 200 if step else 302, name)

    try:
        page = get("/screening/online/", "GET start page")
        gevent.sleep(think * random.uniform(0.5, 1.5))
        post("/screening/online/", "POST code", {"code": student.code}, page)
        # The first screen: what it is for, and "I agree" (a 14-year-old's own consent).
        page = get("/screening/online/agree/", "GET first screen")
        gevent.sleep(think * random.uniform(0.5, 1.5))
        post("/screening/online/agree/", "POST I agree", {}, page)
        page = get("/screening/online/question/", "GET question")
        for _asked in range(MAX_QUESTIONS):
            key = KEY.search(page)
            if key is None:
                break
            gevent.sleep(think * random.uniform(0.5, 1.5))
            answer = random.choice(CHOICE.findall(page) or ["0"])
            chosen = {"key": key.group(1), "answer": answer}
            if student.script:  # the next question in the answer's own response
                page = post("/screening/online/question/", "POST answer", chosen, page, True)
            else:
                post("/screening/online/question/", "POST answer (no script)", chosen, page)
                page = get("/screening/online/question/", "GET question")
        else:
            raise StepFailedError("never reached the review page")
        if student.burst is not None:
            student.burst.wait()
        post("/screening/online/submit/", f"POST submit{names}", {}, page)
        get("/screening/online/thanks/", "GET thanks")
        counts.submitted += 1
    except StepFailedError:
        counts.failed += 1


def new_session(environment: Environment, host: str) -> FastHttpSession:
    """A browser of its own (cookies: the student's session and CSRF cookie)."""
    return FastHttpSession(
        base_url=host,
        request_event=environment.events.request,
        user=None,
        network_timeout=60.0,
        connection_timeout=60.0,
        max_retries=0,
    )


def _students(classes: list[dict[str, Any]]) -> list[Student]:
    students = []
    for school_class in classes:
        burst = Burst(len(school_class["codes"])) if school_class.get("burst") else None
        students += [
            Student(code, school_class["room"], burst, script=n % NO_SCRIPT_EVERY != 0)
            for n, code in enumerate(school_class["codes"], start=1)
        ]
    return students


def _figures(environment: Environment, seconds: float, counts: Counts) -> dict[str, Any]:
    stats = environment.stats
    kinds = {}
    for (name, _method), entry in sorted(stats.entries.items()):
        kinds[name] = {
            "requests": entry.num_requests,
            "failures": entry.num_failures,
            "p50": entry.get_response_time_percentile(0.5),
            "p95": entry.get_response_time_percentile(0.95),
            "p99": entry.get_response_time_percentile(0.99),
            "max": entry.max_response_time,
        }
    total = stats.total
    return {
        "seconds": seconds,
        "submitted": counts.submitted,
        "failed_students": counts.failed,
        "requests": total.num_requests,
        "failures": total.num_failures,
        "p95": total.get_response_time_percentile(0.95) if total.num_requests else 0,
        "errors": [str(error.error)[:200] for error in list(stats.errors.values())[:5]],
        "kinds": kinds,
    }


def _progress(environment: Environment, counts: Counts, total: int) -> None:
    started = time.perf_counter()
    while True:
        gevent.sleep(15)
        errors = sorted(environment.stats.errors.values(), key=lambda error: -error.occurrences)
        print(
            f"  {time.perf_counter() - started:.0f} s: {counts.submitted} of {total} submitted, "
            f"{counts.failed} stopped by an error",
            *(f"    {each.occurrences}× {each.name}: {each.error}"[:200] for each in errors[:3]),
            sep="\n",
            file=sys.stderr,
        )


def period(environment: Environment, host: str, phase: dict[str, Any]) -> dict[str, Any]:
    students = _students(phase["classes"])
    random.shuffle(students)
    gap = phase["arrival_seconds"] / len(students)
    counts = Counts()
    started = time.perf_counter()
    greenlets = [
        gevent.spawn_later(
            n * gap,
            take,
            new_session(environment, host),
            student,
            phase["think_seconds"],
            counts,
            " (class together)" if student.burst else "",
        )
        for n, student in enumerate(students)
    ]
    watcher = gevent.spawn(_progress, environment, counts, len(students))
    gevent.joinall(greenlets)
    watcher.kill()
    return _figures(environment, time.perf_counter() - started, counts)


def ceiling(environment: Environment, host: str, phase: dict[str, Any]) -> list[dict[str, Any]]:
    """Closed-loop steps of more and more students at once; each step ends after its seconds
    (a student half-way is dropped: their session stays unsubmitted, as an abandoned one)."""
    queue = _students(phase["classes"])
    steps = []
    for users in phase["steps"]:
        environment.stats.reset_all()
        counts = Counts()
        deadline = time.perf_counter() + phase["step_seconds"]

        def student_after_student(counts: Counts = counts, deadline: float = deadline) -> None:
            while queue and time.perf_counter() < deadline:
                take(new_session(environment, host), queue.pop(), 0.0, counts)

        started = time.perf_counter()
        workers = [gevent.spawn(student_after_student) for _ in range(users)]
        gevent.joinall(workers, timeout=phase["step_seconds"])
        gevent.killall(workers, block=True)
        seconds = time.perf_counter() - started
        figures = _figures(environment, seconds, counts)
        figures["users"] = users
        figures["codes_left"] = len(queue)
        steps.append(figures)
        if figures["p95"] > phase["p95_ms"] or figures["failures"] or not queue:
            break
    return steps


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as read:
        plan = json.load(read)
    environment = Environment()
    environment.create_local_runner()  # the statistics' owner
    out: dict[str, Any] = {}
    for phase in plan["phases"]:
        environment.stats.reset_all()
        if phase["kind"] == "period":
            out[phase["name"]] = period(environment, plan["host"], phase)
        else:
            out[phase["name"]] = ceiling(environment, plan["host"], phase)
        with open(sys.argv[2], "w", encoding="utf-8") as written:
            json.dump(out, written)


if __name__ == "__main__":
    main()
