"""Windows of whole months in the centre's time zone, and counting records by month: the
ground every other statistics module stands on (it imports none of them)."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils import timezone

if TYPE_CHECKING:
    from django.db.models import QuerySet

MONTH = re.compile(r"^(\d{4})-(\d{2})$", re.ASCII)
# The months a window may cover, and its length: each month of a window may be counted from the
# records, so a window of ten thousand years would hold a worker for hours.
EARLIEST_MONTH = datetime.date(2000, 1, 1)
LATEST_MONTH = datetime.date(2099, 12, 1)
WINDOW_MAX_MONTHS = 120


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
        if len_months(window.first, window.last) > WINDOW_MAX_MONTHS:
            raise ValueError(f"a window is at most {WINDOW_MAX_MONTHS} months")
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
    month = datetime.date(int(match.group(1)), int(match.group(2)), 1)
    if not EARLIEST_MONTH <= month <= LATEST_MONTH:
        raise ValueError(f"a month is from {EARLIEST_MONTH:%Y-%m} to {LATEST_MONTH:%Y-%m}")
    return month


def len_months(first: datetime.date, last: datetime.date) -> int:
    """How many months from `first` to `last`, both included."""
    return (last.year - first.year) * 12 + last.month - first.month + 1


def add_months(month: datetime.date, count: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 + count
    return datetime.date(index // 12, index % 12 + 1, 1)


def month_start(month: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(month, datetime.time()))


def month_runs(months: list[datetime.date]) -> list[Window]:
    """Consecutive months as windows, so that each run is counted in one query a figure."""
    runs: list[Window] = []
    for month in sorted(months):
        if runs and add_months(runs[-1].last, 1) == month:
            runs[-1] = Window(runs[-1].first, month)
        else:
            runs.append(Window(month, month))
    return runs


def count_by_month(
    queryset: QuerySet[Any],
    field: str,
    *,
    start: datetime.datetime,
    end: datetime.datetime,
    site: str | None = None,
    **counts: Any,
) -> dict[Any, dict[str, Any]]:
    """A provider's counts of the records whose `field` falls in [start, end), per month
    ({"YYYY-MM": counts}), or per month and site when `site` names the site column
    ({("YYYY-MM", site id): counts}). One month is counted with range conditions alone; longer
    spans group by the month in the centre's time zone."""
    from django.db.models.functions import TruncMonth

    rows = queryset.filter(**{f"{field}__gte": start, f"{field}__lt": end})
    first = timezone.localtime(start).date()
    if month_start(add_months(first, 1)) == end:
        month = f"{first:%Y-%m}"
        if site is None:
            return {month: rows.aggregate(**counts)}
        grouped = rows.values(site).annotate(**counts).order_by()
        return {(month, row.pop(site)): row for row in grouped}
    columns = ["month", site] if site else ["month"]
    grouped = rows.annotate(month=TruncMonth(field)).values(*columns).annotate(**counts).order_by()
    by_month = {}
    for row in grouped:
        month = f"{timezone.localtime(row.pop('month')):%Y-%m}"
        by_month[(month, row.pop(site)) if site else month] = row
    return by_month
