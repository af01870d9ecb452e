"""Celery tasks of the hotline: thin, run by the beat, calling `hotline.services`
(conventions: `centre.celery`)."""

from __future__ import annotations

from celery import shared_task


@shared_task(ignore_result=True)
def escalate_crisis_alerts() -> int:
    from hotline.services.alerts import escalate_alerts

    return escalate_alerts()
