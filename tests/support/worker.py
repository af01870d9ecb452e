"""Waiting for the Celery worker (tests/conftest.py `celery_worker`)."""

from __future__ import annotations

import time


def wait_for(condition, timeout: float = 15.0) -> None:
    """Poll `condition` until it holds (the worker runs in its own thread or process)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError("timed out waiting for the worker")
