"""The periodic tasks, written into django-celery-beat's tables by data migrations, so that
they are editable in the admin (and survive restarts: the beat reads them from the database)."""

from __future__ import annotations

from typing import Any

from django.apps.registry import Apps
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

# The apps whose beat entries are ours: their queue is left to the routes.
PORTAL_APPS = ("centre", "counselling", "screening", "hotline", "outreach")


def ensure_periodic_tasks(apps: Apps, entries: list[dict[str, Any]]) -> None:
    """Create each entry once (by name); an entry edited in the admin is left as it is.

    An entry is {"name", "task", and "every_minutes" or "crontab": {minute, hour,
    day_of_month}}. A "queue" in older migrations' entries is ignored: the entry's queue is the
    task's route (CELERY_TASK_ROUTES), as for every other way a task is sent."""
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    for entry in entries:
        if PeriodicTask.objects.filter(name=entry["name"]).exists():
            continue
        schedule: dict[str, Any] = {}
        if "every_minutes" in entry:
            schedule["interval"], _ = IntervalSchedule.objects.get_or_create(
                every=entry["every_minutes"], period="minutes"
            )
        else:
            crontab = {"day_of_week": "*", "month_of_year": "*", **entry["crontab"]}
            schedule["crontab"], _ = CrontabSchedule.objects.get_or_create(
                timezone="Asia/Shanghai", **crontab
            )
        PeriodicTask.objects.create(name=entry["name"], task=entry["task"], **schedule)


def route_periodic_tasks(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """Clear the queue of the portal's beat entries, so that the routes decide it."""
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for app in PORTAL_APPS:
        PeriodicTask.objects.filter(task__startswith=f"{app}.").update(queue=None)


def remove_periodic_tasks(apps: Apps, names: list[str]) -> None:
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name__in=names).delete()
