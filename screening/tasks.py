"""Celery tasks of screening: thin, by id."""

from __future__ import annotations

from celery import shared_task


@shared_task(ignore_result=True, time_limit=15 * 60, soft_time_limit=14 * 60)
def import_roster(import_id: int) -> None:
    """Read the stored upload and import it (queue `imports`, one at a time)."""
    from screening.models import RosterImport
    from screening.services import roster_import_run_stored

    roster_import_run_stored(RosterImport.objects.select_related("campaign").get(pk=import_id))


@shared_task(ignore_result=True)
def escalate_overdue_crisis_tasks() -> int:
    """Beat, every 15 minutes: overdue crisis assessments reach the crisis team."""
    from screening.services import escalate_overdue_crisis_tasks as escalate

    return escalate()
