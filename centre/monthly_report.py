"""The monthly report: on the 1st the beat builds the previous month's figures (the whole
network), stores them through Django's storage and tells the statistics administrators in their
inbox. The stored workbook holds the figures' names; a download labels them in the reader's
language (`report_workbook`)."""

from __future__ import annotations

import datetime
import io
import logging
import zipfile
from typing import Any

from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from centre.models import MonthlyReport, Reminder, User
from centre.reminders import Message, reminder_plan
from centre.roles import Role
from centre.statistics import Window, add_months, labelled, rows_for_export
from centre.xlsx import workbook_bytes

logger = logging.getLogger(__name__)


def monthly_report_build(month: datetime.date | None = None) -> MonthlyReport:
    """Build (once) the report of `month` (the previous month by default), store it and tell the
    statistics administrators."""
    month = month or add_months(timezone.localdate().replace(day=1), -1)
    existing = MonthlyReport.objects.filter(month=month).first()
    if existing is not None:
        return existing
    # The whole network's figures, for statistics administrators: the masking of
    # `rows_for_export` leaves the network exact.
    rows = rows_for_export(Window(month, month), clinical=False)
    report = MonthlyReport(month=month)
    report.file.save(
        f"report-{month:%Y-%m}.xlsx", ContentFile(workbook_bytes(rows[0], rows[1:])), save=False
    )
    report.save()
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
