"""Celery tasks of counselling: thin, run by the beat, calling `counselling.services`
(conventions: `centre.celery`)."""

from __future__ import annotations

from celery import shared_task


@shared_task(ignore_result=True)
def escalate_overdue_follow_ups() -> int:
    from counselling.services.follow_ups import escalate_overdue

    return escalate_overdue()


@shared_task(ignore_result=True)
def remind_case_conferences() -> int:
    from counselling.services.conferences import remind_case_conferences

    return remind_case_conferences()


@shared_task(ignore_result=True)
def send_follow_up_digests() -> int:
    from counselling.services.follow_ups import send_digests

    return send_digests()
