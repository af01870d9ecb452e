"""Celery tasks of the core: thin, taking ids, calling `centre.reminders` and the statistics
(conventions: `centre.celery`)."""

from __future__ import annotations

from celery import shared_task


@shared_task(ignore_result=True)
def dispatch_reminders() -> int:
    """Beat, every minute: queue the reminders that are due."""
    from centre.reminders import reminders_dispatch

    return len(reminders_dispatch())


# Late acknowledgement is safe here: the conditional claim makes a second delivery of the task
# a no-op, and a worker lost before the claim leaves the row queued for the sweeper.
@shared_task(ignore_result=True, acks_late=True, time_limit=120, soft_time_limit=100)
def send_reminder(reminder_id: int) -> bool:
    from centre.reminders import reminder_send

    return reminder_send(reminder_id)


@shared_task(ignore_result=True)
def sweep_reminders() -> dict[str, int]:
    """Beat, every few minutes: re-queue lost messages; hand stuck sends to a person."""
    from centre.reminders import reminders_sweep

    return reminders_sweep()


MONTHLY_REPORT_TIME_LIMIT = 10 * 60  # the build's hard limit: past it its worker is gone


@shared_task(
    ignore_result=True,
    time_limit=MONTHLY_REPORT_TIME_LIMIT,
    soft_time_limit=MONTHLY_REPORT_TIME_LIMIT - 60,
)
def build_monthly_report(month: str | None = None) -> None:
    """Beat, on the 1st: the previous month's XLSX report (queue `stats`); or the month a
    statistics administrator asked for ("YYYY-MM", `monthly_report_request`), whose page is told
    when the build stops on an error or the soft time limit."""
    from centre.monthly_report import monthly_report_build, monthly_report_failed
    from centre.statistics import parse_month

    chosen = parse_month(month) if month else None
    try:
        monthly_report_build(chosen)
    except Exception:
        if chosen is not None:
            monthly_report_failed(chosen)
        raise


@shared_task(ignore_result=True, time_limit=10 * 60, soft_time_limit=9 * 60)
def refresh_statistics() -> int:
    """Beat, every few minutes: count again the months of the statistics roll-up that changed
    (queue `stats`)."""
    from centre.statistics import rollup_refresh

    return rollup_refresh()


@shared_task(ignore_result=True)
def seal_audit_log() -> int:
    """Beat, every minute: chain the audit entries written since (centre.audit_chain)."""
    from centre.audit_chain import audit_chain_seal

    return audit_chain_seal()


@shared_task(ignore_result=True, time_limit=30 * 60, soft_time_limit=29 * 60)
def verify_audit_log() -> bool:
    """Beat, daily: seal, verify the whole chain, tell the auditors if it fails (queue `stats`)."""
    from centre.audit_alerts import audit_chain_check

    return audit_chain_check()


@shared_task(ignore_result=True)
def alert_bulk_access() -> int:
    """Beat, every five minutes: tell the auditors of bulk reads of client records."""
    from centre.audit_alerts import bulk_access_alert

    return bulk_access_alert()


@shared_task(ignore_result=True, time_limit=60 * 60, soft_time_limit=55 * 60)
def apply_retention() -> dict[str, int]:
    """Beat, monthly: erase (or de-identify) what is past its retention window; the counts go to
    the audit log (centre.retention)."""
    from centre.retention import retention_run

    return retention_run(dry_run=False)
