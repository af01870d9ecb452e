"""The Celery conventions of `centre.celery`, checked over every app: queues come only from the
routes, services import their tasks (never the other way round at import time), and a task whose
row is gone does nothing."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest
from celery.app.routes import MapRoute
from django.conf import settings

from centre.audit import AuditEntry
from centre.beat import PORTAL_APPS
from centre.celery import LongTask, app
from centre.models import Notification, Reminder

ROOT = Path(__file__).resolve().parents[2]
QUEUES = {"reminders", "imports", "stats"}
SENDING = {"apply_async", "delay", "send_task", "signature", "s", "si", "shared_task", "task"}


def portal_tasks() -> dict:
    app.loader.import_default_modules()
    return {name: task for name, task in app.tasks.items() if name.split(".")[0] in PORTAL_APPS}


def source_files(*folders: str):
    for folder in folders:
        for path in (ROOT / folder).rglob("*.py"):
            if "migrations" not in path.parts:
                yield path, ast.parse(path.read_text(encoding="utf-8"))


def test_every_task_has_a_route_to_a_named_queue():
    routes = MapRoute(settings.CELERY_TASK_ROUTES)
    assert portal_tasks()
    unrouted = {name for name in portal_tasks() if (routes(name) or {}).get("queue") not in QUEUES}
    assert unrouted == set()


def test_no_call_or_decorator_names_a_queue():
    named = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for path, tree in source_files(*PORTAL_APPS, "tests")
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and getattr(node.func, "attr", getattr(node.func, "id", "")) in SENDING
        and any(keyword.arg == "queue" for keyword in node.keywords)
    ]
    assert named == []


@pytest.mark.django_db
def test_beat_entries_leave_the_queue_to_the_routes():
    from django_celery_beat.models import PeriodicTask

    entries = PeriodicTask.objects.exclude(task__startswith="celery.")
    assert entries.count() >= 8
    assert {entry.task: entry.queue or None for entry in entries} == {
        entry.task: None for entry in entries
    }
    assert set(entries.values_list("task", flat=True)) <= set(portal_tasks())


def top_level_imports(tree: ast.Module) -> set[str]:
    names = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module:
            names |= {node.module, *(f"{node.module}.{alias.name}" for alias in node.names)}
        elif isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
    return names


def test_tasks_modules_import_services_only_inside_their_functions():
    for path, tree in source_files(*PORTAL_APPS):
        if path.name == "tasks.py":
            imported = top_level_imports(tree)
            portal = {name for name in imported if name.split(".")[0] in PORTAL_APPS}
            assert {name.split(".")[0] for name in imported} <= {"__future__", "celery", "centre"}
            assert portal <= {"centre.celery", "centre.celery.LongTask"}, path


def test_services_import_their_tasks_at_the_top():
    late = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for path, tree in source_files(*PORTAL_APPS)
        if path.name != "tasks.py"
        for function in ast.walk(tree)
        if isinstance(function, ast.FunctionDef)
        for node in ast.walk(function)
        if isinstance(node, ast.ImportFrom) and (node.module or "").endswith(".tasks")
    ]
    assert late == []


def id_parameters(task) -> list[str]:
    return [name for name in inspect.signature(task.run).parameters if name.endswith("_id")]


def snapshot() -> dict[str, int]:
    from screening.models import RosterImport

    return {
        model.__name__: model.objects.count()
        for model in (Reminder, Notification, AuditEntry, RosterImport)
    }


@pytest.mark.django_db
def test_a_task_whose_row_is_gone_does_nothing():
    by_id = {name: task for name, task in portal_tasks().items() if id_parameters(task)}
    assert {"centre.tasks.send_reminder", "screening.tasks.import_roster"} <= set(by_id)
    before = snapshot()
    for task in by_id.values():
        task(*[987_654_321 for _ in id_parameters(task)])
        if isinstance(task, LongTask):
            task.on_failure(RuntimeError("stopped"), "task-id", (987_654_321,), {}, None)
    assert snapshot() == before


def test_each_long_task_names_a_failure_service_that_exists():
    from django.utils.module_loading import import_string

    long_tasks = [task for task in portal_tasks().values() if isinstance(task, LongTask)]
    assert long_tasks
    for task in long_tasks:
        failed = import_string(task.failed)
        parameters = inspect.signature(failed).parameters
        assert "error" in parameters, task.name
        assert next(iter(parameters)).endswith("_id"), task.name
