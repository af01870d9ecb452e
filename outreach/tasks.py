"""Celery tasks of outreach: thin, run by the beat, calling `outreach.services`
(conventions: `centre.celery`)."""

from __future__ import annotations

from celery import shared_task


@shared_task(ignore_result=True)
def remind_behind_targets() -> int:
    from outreach.services.targets import remind_behind_targets

    return remind_behind_targets()
