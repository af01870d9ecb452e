"""The monthly report: on the 1st the beat builds the previous month's figures (the whole
network), stores them through Django's storage and tells the statistics administrators in their
inbox. The stored workbook holds the figures' names; a download labels them in the reader's
language (`report_workbook`).

A statistics administrator may ask for last month's report before the 1st's beat has run
(`monthly_report_request`): the same task and the same build, queued once however often the
button is pressed, its progress kept in the cache for the page (`monthly_report_progress`).
A build whose worker died (killed, lost: no failure hook runs) is known by its last step's
time: past the task's hard time limit it is shown as failed and may be asked for again."""

from __future__ import annotations

import datetime
import io
import logging
import zipfile
from typing import Any

from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from centre.audit import audit_log
from centre.errors import ConflictError
from centre.models import MonthlyReport, Reminder, User
from centre.reminders import Message, reminder_plan
from centre.roles import Role
from centre.statistics import Window, add_months, labelled, rows_for_export
from centre.tasks import MONTHLY_REPORT_TIME_LIMIT
from centre.tasks import build_monthly_report as build_monthly_report_task
from centre.xlsx import workbook_bytes

logger = logging.getLogger(__name__)


REPORT_LOCK = 72_050_002  # pg_advisory_xact_lock key of monthly_report_build (+ the month)
PROGRESS_SECONDS = 60 * 60  # how long the page remembers a requested build
STEPS = 3  # counted, stored, announced
# A step not followed by the next within the build's hard limit (and a minute for the worker to
# say so): its worker is gone. A queued build may wait behind one other build of the queue.
BUILDING_STALE = datetime.timedelta(seconds=MONTHLY_REPORT_TIME_LIMIT + 60)
QUEUED_STALE = 2 * BUILDING_STALE


def last_month() -> datetime.date:
    return add_months(timezone.localdate().replace(day=1), -1)


def _progress_key(month: datetime.date) -> str:
    return f"monthly_report:progress:{month:%Y-%m}"


def monthly_report_progress(month: datetime.date) -> dict[str, Any] | None:
    """A requested build of `month`'s report as the page shows it: {"state": "queued" |
    "building" | "failed", "step": 0–3, "steps": 3}; None when none was requested (or the
    report is done and the page has said so). A build queued or building whose last step is
    older than its worker could have lived is "failed": the worker died without saying so."""
    progress: dict[str, Any] | None = cache.get(_progress_key(month))
    if progress is None or progress.get("state") == "failed":
        return progress
    limit = QUEUED_STALE if progress.get("state") == "queued" else BUILDING_STALE
    try:
        since = datetime.datetime.fromisoformat(str(progress.get("at")))
    except ValueError:
        since = None  # written before the steps were timed: as stale as it can be
    if since is None or timezone.now() - since > limit:
        return {**progress, "state": "failed"}
    return progress


def _set_progress(month: datetime.date, state: str, step: int = 0) -> None:
    cache.set(_progress_key(month), _progress(state, step), PROGRESS_SECONDS)


def _progress(state: str, step: int = 0) -> dict[str, Any]:
    """A build's progress, timed: the time of its last step tells a build whose worker died."""
    return {"state": state, "step": step, "steps": STEPS, "at": timezone.now().isoformat()}


def monthly_report_request(*, actor: User, request: HttpRequest | None = None) -> datetime.date:
    """Queue the build of last month's report on demand (the beat's task and build). Once: a
    build queued or running is not queued again, and a report already built is refused with a
    message (ConflictError). Returns the month."""
    month = last_month()
    if MonthlyReport.objects.filter(month=month).exists():
        raise ConflictError(
            _("The report of %(month)s is already built.") % {"month": f"{month:%Y-%m}"}
        )
    if not cache.add(_progress_key(month), _progress("queued"), PROGRESS_SECONDS):
        current = monthly_report_progress(month) or {}
        if current.get("state") != "failed":
            return month  # queued or building already: pressing again changes nothing
        # Failed, or its worker died (stale): queued again.
        _set_progress(month, "queued")
    audit_log(
        actor=actor,
        action="centre.monthly_report.requested",
        request=request,
        data={"month": f"{month:%Y-%m}"},
    )
    transaction.on_commit(lambda: build_monthly_report_task.delay(f"{month:%Y-%m}"))
    return month


def monthly_report_failed(month: datetime.date) -> None:
    """A requested build stopped (an error, the time limit): the page says so and offers the
    button again."""
    if monthly_report_progress(month) is not None:
        _set_progress(month, "failed")


def monthly_report_build(month: datetime.date | None = None) -> MonthlyReport:
    """Build (once) the report of `month` (the previous month by default), store it and tell the
    statistics administrators. Two builds of one month at once (the beat and the button) store
    one report: the second waits for the first and returns its report."""
    month = month or last_month()
    existing = MonthlyReport.objects.filter(month=month).first()
    if existing is not None:
        cache.delete(_progress_key(month))
        return existing
    requested = monthly_report_progress(month) is not None
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                key = REPORT_LOCK + month.year * 12 + month.month
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])
        existing = MonthlyReport.objects.filter(month=month).first()
        if existing is not None:
            return existing
        report = _build(month, requested=requested)
    if requested:
        transaction.on_commit(lambda: cache.delete(_progress_key(month)))
    return report


def _build(month: datetime.date, *, requested: bool) -> MonthlyReport:
    if requested:
        _set_progress(month, "building", 0)
    # The whole network's figures, for statistics administrators: the masking of
    # `rows_for_export` leaves the network exact.
    rows = rows_for_export(Window(month, month), clinical=False)
    if requested:
        _set_progress(month, "building", 1)
    report = MonthlyReport(month=month)
    report.file.save(
        f"report-{month:%Y-%m}.xlsx", ContentFile(workbook_bytes(rows[0], rows[1:])), save=False
    )
    report.save()
    if requested:
        _set_progress(month, "building", 2)
    for user in User.objects.filter(groups__name=Role.STATISTICS_ADMINISTRATOR.value):
        reminder_plan(
            key=f"monthly_report:{month:%Y-%m}:{user.pk}",
            channel=Reminder.Channel.INBOX,
            due_at=timezone.now(),
            template="monthly_report_ready",
            params={"month": f"{month:%Y-%m}"},
            recipient=user,
        )
    return report


def report_workbook(report: MonthlyReport) -> bytes:
    """The stored report with its figures labelled in the active language. FileNotFoundError
    when the row outlived its file; a stored file that is no workbook (not written by
    `monthly_report_build`) is given as stored."""
    from openpyxl import load_workbook

    with report.file.open("rb") as stored:
        content: bytes = stored.read()
    try:
        sheet = load_workbook(io.BytesIO(content), read_only=True).active
        # A workbook written by monthly_report_build has one worksheet, its active one.
        rows = [_without_padding(row) for row in sheet.iter_rows(values_only=True)]  # type: ignore[union-attr]
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        logger.warning("monthly report %s is not a workbook: given as stored", report.pk)
        return content
    rows = labelled(rows) or [[]]
    return workbook_bytes(rows[0], rows[1:])


def _without_padding(row: tuple[Any, ...]) -> list[Any]:
    """A row as it was written: openpyxl pads every row to the sheet's widest with None."""
    cells = list(row)
    while cells and cells[-1] is None:
        cells.pop()
    return cells


def report_ready_message(params: dict[str, Any]) -> Message:
    return Message(
        title=_("The report of %(month)s is ready") % params,
        body=_("The monthly figures are on the statistics page."),
        link=reverse("statistics"),
    )
