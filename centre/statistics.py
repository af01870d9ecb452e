"""The centre's figures, composed from the apps' statistics providers.

Each app registers a provider in its AppConfig.ready() (`register(name, provider)`); `centre`
knows no app's models. A provider answers for a window — whole months in the centre's time zone,
`start` inclusive, `end` exclusive — and a site subtree (`site_path`, None for the whole network):

    provider.figures(start=…, end=…, site_path=…) -> {figure: number or {key: number}}
    provider.monthly(start=…, end=…, site_path=…) -> {"YYYY-MM": {figure: number}}  (flow figures)

Figures are counted from the records with range conditions on indexed columns (no
pre-aggregation, so they are always exact). Flow figures of a window equal the sum of its months;
stock figures (`active_cases`, `followups_overdue`) are taken at the window's end."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import Protocol

from django.utils import timezone

MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class Provider(Protocol):
    def figures(
        self, *, start: datetime.datetime, end: datetime.datetime, site_path: str | None
    ) -> dict: ...

    def monthly(
        self, *, start: datetime.datetime, end: datetime.datetime, site_path: str | None
    ) -> dict[str, dict]: ...


_providers: dict[str, Provider] = {}


def register(name: str, provider: Provider) -> None:
    _providers[name] = provider


@dataclass(frozen=True)
class Window:
    """Whole months, `first` to `last` inclusive, in the centre's time zone."""

    first: datetime.date  # the 1st of the first month
    last: datetime.date  # the 1st of the last month

    @classmethod
    def parse(cls, first: str, last: str) -> Window:
        window = cls(parse_month(first), parse_month(last))
        if window.last < window.first:
            raise ValueError("the window ends before it starts")
        return window

    @classmethod
    def months_back(cls, count: int, *, today: datetime.date | None = None) -> Window:
        this_month = (today or timezone.localdate()).replace(day=1)
        return cls(add_months(this_month, -(count - 1)), this_month)

    @property
    def start(self) -> datetime.datetime:
        return month_start(self.first)

    @property
    def end(self) -> datetime.datetime:
        return month_start(add_months(self.last, 1))

    def months(self) -> list[datetime.date]:
        months, month = [], self.first
        while month <= self.last:
            months.append(month)
            month = add_months(month, 1)
        return months

    def label(self) -> str:
        if self.first == self.last:
            return f"{self.first:%Y-%m}"
        return f"{self.first:%Y-%m} – {self.last:%Y-%m}"


def parse_month(text: str) -> datetime.date:
    match = MONTH.match(text.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ValueError(f"a month is YYYY-MM: {text!r}")
    return datetime.date(int(match.group(1)), int(match.group(2)), 1)


def add_months(month: datetime.date, count: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 + count
    return datetime.date(index // 12, index % 12 + 1, 1)


def month_start(month: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(month, datetime.time()))


def figures(window: Window, *, site_path: str | None = None) -> dict:
    """Every provider's figures for the window, merged into one dictionary."""
    merged: dict = {}
    for provider in _providers.values():
        merged |= provider.figures(start=window.start, end=window.end, site_path=site_path)
    return merged


def trend(window: Window, *, site_path: str | None = None) -> dict[str, dict]:
    """Flow figures month by month: {"YYYY-MM": {figure: number}} for every month of the window."""
    months = {f"{month:%Y-%m}": {} for month in window.months()}
    for provider in _providers.values():
        for month, values in provider.monthly(
            start=window.start, end=window.end, site_path=site_path
        ).items():
            months.setdefault(month, {}).update(values)
    return months


def per_school(window: Window, *, site_path: str | None = None) -> list[dict]:
    """Rows per school from the providers that break their figures down by school."""
    rows: list[dict] = []
    for provider in _providers.values():
        if hasattr(provider, "per_school"):
            rows += provider.per_school(start=window.start, end=window.end, site_path=site_path)
    return rows


SMALL_COUNT = 5


def masked(value, *, clinical: bool):
    """Breakdowns shown to someone without clinical access: counts under 5 read "<5"."""
    if clinical or not isinstance(value, int) or isinstance(value, bool) or value >= SMALL_COUNT:
        return value
    return f"<{SMALL_COUNT}"


def rows_for_export(window: Window, *, site_path: str | None = None) -> list[list]:
    """The figures of a window as spreadsheet rows: totals, then month by month."""
    totals = figures(window, site_path=site_path)
    rows: list[list] = [["figure", window.label()]]
    for name, value in totals.items():
        if isinstance(value, dict):
            rows += [[f"{name}.{key}", count] for key, count in value.items()]
        else:
            rows.append([name, value])
    months = trend(window, site_path=site_path)
    names = sorted({name for values in months.values() for name in values})
    rows += [[], ["month", *names]]
    rows += [[month, *(values.get(name, 0) for name in names)] for month, values in months.items()]
    return rows


def monthly_report_build(month: datetime.date | None = None):
    """Build (once) the report of `month` (the previous month by default), store it through
    Django's storage and tell the statistics administrators in their inbox."""
    from django.core.files.base import ContentFile

    from centre.models import MonthlyReport, Reminder, User
    from centre.reminders import reminder_plan
    from centre.roles import Role
    from centre.xlsx import workbook_bytes

    month = month or add_months(timezone.localdate().replace(day=1), -1)
    existing = MonthlyReport.objects.filter(month=month).first()
    if existing is not None:
        return existing
    rows = rows_for_export(Window(month, month))
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


def _report_ready(params: dict):
    from django.urls import reverse
    from django.utils.translation import gettext as _

    from centre.reminders import Message

    return Message(
        title=_("The report of %(month)s is ready") % params,
        body=_("The monthly figures are on the statistics page."),
        link=reverse("statistics"),
    )
