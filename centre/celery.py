"""The Celery application and the one way of writing tasks. Settings come from Django's
(namespace CELERY_), tasks from each app's tasks module. Run exactly one beat; workers scale out
(README "Running in production").

Conventions (STYLE.md §7), the same in every app:

- A task is thin: it takes ids (never records, names or text), loads its row and calls a
  service. A row that is gone (deleted, undone) is no error: the task returns and does nothing.
- Services import their tasks at the top of the module (`from app.tasks import x as x_task`)
  and enqueue them after commit; a task imports its service *inside* the function. That is the
  one import cycle allowed between two modules — `app.services` → `app.tasks` at import time,
  `app.tasks` → `app.services` at run time only — so importing either never needs the other
  half-loaded.
- Queues come only from `CELERY_TASK_ROUTES`; no `queue=` in a decorator, an `apply_async` or a
  beat entry, so moving a task to another queue is one line of settings. Every task has a route.
- Long work on one row (a roster import) uses `LongTask`, whose failure hook ends the row as
  failed with a message for its page; a worker killed outright is left to the app's sweep.
- Anything due later is an outbox row (`centre.reminders`), never a countdown.
"""

from __future__ import annotations

import os
from typing import Any

from celery import Celery, Task
from django.utils.module_loading import import_string

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "centre.settings.base")

app = Celery("centre")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


class LongTask(Task[..., Any]):
    """Long work on one row, the row's id the task's first argument. Whatever stops the task —
    an error, the soft or the hard time limit (Celery calls `on_failure` for each) — calls the
    service named by `failed` as `failed(row_id, error=exc)`, which ends the row as failed with
    a message, so its page never says "running" for ever.

    `@shared_task(base=LongTask, failed="app.services.thing_failed")`: the service is named, not
    imported, because services import their tasks (module docstring)."""

    failed = ""

    def on_failure(self, exc: Exception, task_id: str, args: Any, kwargs: Any, einfo: Any) -> None:
        row_id = args[0] if args else next(iter(kwargs.values()), None)
        if row_id is not None:
            import_string(self.failed)(row_id, error=exc)
