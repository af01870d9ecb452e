"""Celery tasks of counselling: thin, run by the beat, calling `counselling.follow_ups`."""

from __future__ import annotations

from celery import shared_task

from counselling import follow_ups


@shared_task(ignore_result=True)
def escalate_overdue_follow_ups() -> int:
    return follow_ups.escalate_overdue()


@shared_task(ignore_result=True)
def remind_case_conferences() -> int:
    return follow_ups.remind_case_conferences()


@shared_task(ignore_result=True)
def send_follow_up_digests() -> int:
    return follow_ups.send_digests()
