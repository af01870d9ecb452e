"""Waiting for the Celery worker (tests/conftest.py `celery_worker`)."""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

from celery.signals import task_postrun

# Runs ended, by task name. Celery's own `celery.worker.state.total_count` counts the runs a
# worker has *accepted*: it moves before the task's first line, so a test that waited on it
# raced the task's transaction (it dispatched the outbox before the escalation run had
# committed its message, which then stayed pending).
_FINISHED: Counter[str] = Counter()


@task_postrun.connect(weak=False, dispatch_uid="tests.support.worker.finished")
def _count_finished(sender: Any = None, **kwargs: Any) -> None:
    if sender is not None:
        _FINISHED[sender.name] += 1


def finished(task: Any) -> int:
    """How many runs of `task` a worker of this process has ended (returned or raised): its
    transaction is committed or rolled back by then."""
    return _FINISHED[task.name]


def wait_for(condition, timeout: float = 15.0) -> None:
    """Poll `condition` until it holds (the worker runs in its own thread or process)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError("timed out waiting for the worker")
