"""The Celery application. Settings come from Django's (namespace CELERY_), tasks from each app's
tasks module. Run exactly one beat; workers scale out (README "Running in production")."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "centre.settings.base")

app = Celery("centre")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
