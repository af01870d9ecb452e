"""Celery tasks of screening: thin, by id (conventions: `centre.celery`)."""

from __future__ import annotations

from celery import shared_task

from centre.celery import LongTask

# An import stopped after this long; the sweep calls a running import dead a minute later.
IMPORT_TIME_LIMIT = 15 * 60


# Whatever stops an import's task ends the import as failed with a message on its page
# (`LongTask`); a worker killed outright is left to the sweep (`sweep_roster_imports`).
@shared_task(
    base=LongTask,
    failed="screening.services.roster_import_failed",
    ignore_result=True,
    time_limit=IMPORT_TIME_LIMIT,
    soft_time_limit=IMPORT_TIME_LIMIT - 60,
)
def import_roster(import_id: int) -> None:
    """Read the stored upload and import it (queue `imports`, one at a time)."""
    from screening.selectors import roster_import_to_run
    from screening.services import roster_import_run_stored

    roster_import = roster_import_to_run(import_id=import_id)
    if roster_import is not None:
        roster_import_run_stored(roster_import)


@shared_task(ignore_result=True)
def sweep_roster_imports() -> int:
    """Beat, every 5 minutes: end as failed the imports that can no longer finish."""
    from screening.services import roster_imports_sweep

    return roster_imports_sweep()


@shared_task(ignore_result=True)
def escalate_overdue_crisis_tasks() -> int:
    """Beat, every 15 minutes: overdue crisis assessments reach the crisis team."""
    from screening.services import escalate_overdue_crisis_tasks as escalate

    return escalate()
