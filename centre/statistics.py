"""The centre's figures, composed from the apps' statistics providers.

Each app registers a provider in its AppConfig.ready() (`register(name, provider)`); `centre`
knows no app's models. A provider answers for a window — whole months in the centre's time zone,
`start` inclusive, `end` exclusive — and a site subtree (`site_path`, None for the whole network):

    provider.figures(start=…, end=…, site_path=…) -> {figure: number or {key: number}}
    provider.monthly(start=…, end=…, site_path=…) -> {"YYYY-MM": {figure: number}}  (flow figures)
    provider.monthly_by_site(start=…, end=…) -> {("YYYY-MM", site id): {figure: number}}
    provider.by_site(start=…, end=…) -> {site id: {figure: number}}  (the per-site breakdown)

A provider's `SUMMED` figures (flow figures that add up over months) are, for any window, the sum
of its months from `monthly`; its other figures (stock figures such as `active_cases`, taken at
the window's end; distinct counts; shares) come from `figures`, counted from the records with
range conditions on indexed columns.

Months are read from a roll-up (ENGINEERING.md §5, rule 4): `rollup_refresh` (beat, every 5
minutes) stores each provider's `monthly_by_site` of every month since the centre opened (and at
least the last 12) in MonthlyFigure.
It stays exact because the apps' Postgres triggers (`centre.stale_months`) write a StaleMonth row
in the transaction of every change a month's figures depend on; `trend` reads a month from the
roll-up only when it is rolled up and not stale, and counts every other month from the records.

Why no change is lost, with any number of writers and readers at once (READ COMMITTED):
- a reader reads the stale marks before the roll-up, so a month it takes from the roll-up had
  every change committed before that read counted in by a refresh that committed before it;
- one refresh runs at a time (an advisory lock taken before anything is read) and removes only
  the marks it read, so a change committed after the refresh read the marks keeps its mark;
- a month is counted after its marks were read, so what the refresh stores includes at least
  every change whose mark it removes.
On SQLite (the embedded trial mode) there are no triggers: every month is counted."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import Protocol

from django.db import connection, transaction
from django.db.models import Q, Sum
from django.utils import timezone

MONTH = re.compile(r"^(\d{4})-(\d{2})$", re.ASCII)
# The months a window may cover, and its length: each month of a window may be counted from the
# records, so a window of ten thousand years would hold a worker for hours.
EARLIEST_MONTH = datetime.date(2000, 1, 1)
LATEST_MONTH = datetime.date(2099, 12, 1)
WINDOW_MAX_MONTHS = 120


class Provider(Protocol):
    MONTHLY: frozenset[str]  # the figures of `monthly`
    SUMMED: frozenset[str]  # figures of `monthly` that `figures` leaves out: a window sums them

    def figures(
        self, *, start: datetime.datetime, end: datetime.datetime, site_path: str | None
    ) -> dict: ...

    def monthly(
        self, *, start: datetime.datetime, end: datetime.datetime, site_path: str | None
    ) -> dict[str, dict]: ...

    def monthly_by_site(
        self, *, start: datetime.datetime, end: datetime.datetime
    ) -> dict[tuple[str, int], dict]: ...

    def by_site(self, *, start: datetime.datetime, end: datetime.datetime) -> dict[int, dict]: ...


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


def figures(window: Window, *, site_path: str | None = None) -> dict:
    """Every provider's figures for the window, merged into one dictionary: the summed flow
    figures added up over the window's months, the others counted by the providers."""
    summing = {name: provider for name, provider in _providers.items() if provider.SUMMED}
    months = _months(window, site_path, summing)
    merged: dict = {}
    for provider in summing.values():
        merged |= {
            figure: sum(values.get(figure, 0) for values in months.values())
            for figure in sorted(provider.SUMMED)
        }
    for provider in _providers.values():
        merged |= provider.figures(start=window.start, end=window.end, site_path=site_path)
    return merged


def trend(window: Window, *, site_path: str | None = None) -> dict[str, dict]:
    """Flow figures month by month: {"YYYY-MM": {figure: number}} for every month of the window,
    every figure present in every month (0 where nothing happened)."""
    months = _months(window, site_path, _providers)
    names = sorted(name for provider in _providers.values() for name in provider.MONTHLY)
    return {
        month: {name: values.get(name, 0) for name in names} for month, values in months.items()
    }


def _months(window: Window, site_path: str | None, providers: dict[str, Provider]) -> dict:
    """The providers' `monthly` figures of each month of the window: from the roll-up where it
    holds the month, counted from the records where it does not (a run of consecutive months in
    one query a figure; a lone month, the usual case, with range conditions alone)."""
    months: dict[str, dict] = {f"{month:%Y-%m}": {} for month in window.months()}

    def merge(values: dict[str, dict]) -> None:
        for month, figures_of_month in values.items():
            months.setdefault(month, {}).update(figures_of_month)

    stored = rolled_up_months(window.months(), providers=list(providers))
    for name, provider in providers.items():
        counted = [month for month in window.months() if month not in stored.get(name, ())]
        for run in month_runs(counted):
            merge(provider.monthly(start=run.start, end=run.end, site_path=site_path))
    merge(rolled_up_figures(stored, site_path=site_path))
    return months


def month_runs(months: list[datetime.date]) -> list[Window]:
    """Consecutive months as windows, so that each run is counted in one query a figure."""
    runs: list[Window] = []
    for month in sorted(months):
        if runs and add_months(runs[-1].last, 1) == month:
            runs[-1] = Window(runs[-1].first, month)
        else:
            runs.append(Window(month, month))
    return runs


ROLLUP_LOCK = 72_050_001  # pg_advisory_xact_lock key of rollup_refresh


def rollup_horizon() -> Window:
    """The months the roll-up keeps: since the centre opened, and at least the last 12."""
    from django.conf import settings

    last_year = Window.months_back(12)
    return Window(min(parse_month(settings.CENTRE_OPENED_MONTH), last_year.first), last_year.last)


def rollup_enabled() -> bool:
    """The roll-up needs the Postgres triggers that mark stale months."""
    return connection.vendor == "postgresql"


def rolled_up_months(
    months: list[datetime.date], *, providers: list[str]
) -> dict[str, set[datetime.date]]:
    """For each provider, the months that can be read from the roll-up: rolled up and not stale.
    The marks are read first (see the module's docstring)."""
    from centre.models import RolledUpMonth, StaleMonth

    if not rollup_enabled() or not providers:
        return {}
    which = {"month__in": months, "provider__in": providers}
    stale = set(StaleMonth.objects.filter(**which).values_list("provider", "month").distinct())
    usable: dict[str, set[datetime.date]] = {}
    for provider, month in RolledUpMonth.objects.filter(**which).values_list("provider", "month"):
        if (provider, month) not in stale:
            usable.setdefault(provider, set()).add(month)
    return usable


def rolled_up_figures(
    stored: dict[str, set[datetime.date]], *, site_path: str | None
) -> dict[str, dict]:
    """The stored figures of those months, summed over the sites of the subtree."""
    from centre.models import MonthlyFigure

    which = Q()
    for provider, months in stored.items():
        which |= Q(provider=provider, month__in=months)
    if not which:
        return {}
    rows = MonthlyFigure.objects.filter(which)
    if site_path is not None:
        rows = rows.filter(site__path__startswith=site_path)
    months: dict[str, dict] = {}
    for month, figure, total in (
        rows.values_list("month", "figure").annotate(total=Sum("value")).order_by()
    ):
        months.setdefault(f"{month:%Y-%m}", {})[figure] = total
    return months


def rollup_refresh() -> int:
    """Count again, per site, the stale months and the months since the centre opened (at least
    the last 12) not yet rolled up; store them in MonthlyFigure. Returns how many provider-months
    were counted."""
    from centre.models import RolledUpMonth, StaleMonth

    if not rollup_enabled():
        return 0
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ROLLUP_LOCK])
        marks = list(StaleMonth.objects.values_list("id", "provider", "month"))
        rolled = set(RolledUpMonth.objects.values_list("provider", "month"))
        due = {(provider, month) for _id, provider, month in marks if (provider, month) in rolled}
        kept = rollup_horizon().months()
        due |= {
            (provider, month)
            for provider in _providers
            for month in kept
            if (provider, month) not in rolled
        }
        for name in _providers:
            for run in month_runs([month for owner, month in due if owner == name]):
                _rollup_store(name, run)
        StaleMonth.objects.filter(id__in=[mark_id for mark_id, _provider, _month in marks]).delete()
    return len(due)


def _rollup_store(name: str, months: Window) -> None:
    """Replace a provider's rolled-up figures of consecutive months with a fresh count."""
    from centre.models import MonthlyFigure, RolledUpMonth

    counted = _providers[name].monthly_by_site(start=months.start, end=months.end)
    MonthlyFigure.objects.filter(
        provider=name, month__gte=months.first, month__lte=months.last
    ).delete()
    MonthlyFigure.objects.bulk_create(
        MonthlyFigure(
            provider=name, month=parse_month(month), site_id=site_id, figure=figure, value=value
        )
        for (month, site_id), values in counted.items()
        for figure, value in values.items()
    )
    now = timezone.now()
    RolledUpMonth.objects.bulk_create(
        [RolledUpMonth(provider=name, month=month, computed_at=now) for month in months.months()],
        update_conflicts=True,
        unique_fields=["provider", "month"],
        update_fields=["computed_at"],
    )


def count_by_month(queryset, field: str, *, start, end, site: str | None = None, **counts) -> dict:
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


def per_site(window: Window, sites) -> dict[int, dict]:
    """The breakdown figures of each of `sites`, each with its subtree: {site id: {figure: n}}.
    Providers count per site once; the tree is rolled up here."""
    from centre.models import Site

    counted: dict[int, dict] = {}
    for provider in _providers.values():
        for site_id, values in provider.by_site(start=window.start, end=window.end).items():
            counted.setdefault(site_id, {}).update(values)
    paths = dict(Site.objects.values_list("id", "path"))
    totals: dict[int, dict] = {}
    for site in sites:
        total = totals.setdefault(site.pk, {})
        for site_id, values in counted.items():
            if paths.get(site_id, "").startswith(site.path):
                for name, value in values.items():
                    total[name] = total.get(name, 0) + value
    return totals


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
