"""The shared cast: one account per role, made by the same code as `seed_demo`."""

from __future__ import annotations

import os

import pytest
from pytest_django.plugin import blocking_manager_key

from centre.database_check import database_problem

# Playwright's sync API runs an event loop in the test thread; Django refuses ORM calls from a
# thread with a running loop unless told this is deliberate (tests only).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

DEMO_PASSWORD = "demo-password-for-tests"


def pytest_sessionstart(session: pytest.Session) -> None:
    with session.config.stash[blocking_manager_key].unblock():
        problem = database_problem()
    if problem:
        pytest.exit(problem, returncode=2)


@pytest.fixture
def demo_network(db):
    """The demo sites, schools and accounts, as `seed_demo` makes them."""
    from centre import demo

    demo.seed(password=DEMO_PASSWORD, log=lambda message: None)
    return demo


@pytest.fixture
def account(demo_network):
    """Look up a demo account by username: `account("counsellor")`."""
    from centre.models import User

    return lambda username: User.objects.get(username=username)


@pytest.fixture
def celery_worker(transactional_db):
    """A real Celery worker on the real Redis broker, in a thread of the test process
    (ENGINEERING.md §3.5: eager mode is not a test). Tests using it commit their data."""
    from celery.contrib.testing.worker import start_worker

    from centre.celery import app

    app.control.purge()
    with start_worker(
        app,
        pool="solo",
        concurrency=1,
        perform_ping_check=False,
        queues=["reminders", "default", "imports", "stats"],
    ) as worker:
        yield worker


def wait_for(condition, timeout: float = 15.0) -> None:
    """Poll `condition` until it holds (the worker runs in its own thread or process)."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError("timed out waiting for the worker")
