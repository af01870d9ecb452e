"""The roll-up: each provider's monthly figures per month and site, stored in MonthlyFigure
(ENGINEERING.md §5, rule 4), and the months of a window read from it or counted from the records.

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
from typing import Any

from django.db import connection, transaction
from django.db.models import Q, Sum
from django.utils import timezone

from centre.statistics.months import EARLIEST_MONTH, Window, add_months, month_runs, parse_month
from centre.statistics.registry import Provider, providers


def months_of(
    window: Window, site_path: str | None, chosen: dict[str, Provider]
) -> dict[str, dict[str, Any]]:
    """The providers' `monthly` figures of each month of the window: from the roll-up where it
    holds the month, counted from the records where it does not (a run of consecutive months in
    one query a figure; a lone month, the usual case, with range conditions alone)."""
    months: dict[str, dict[str, Any]] = {f"{month:%Y-%m}": {} for month in window.months()}

    def merge(values: dict[str, dict[str, Any]]) -> None:
        for month, figures_of_month in values.items():
            months.setdefault(month, {}).update(figures_of_month)

    stored = rolled_up_months(window.months(), providers=list(chosen))
    for name, provider in chosen.items():
        counted = [month for month in window.months() if month not in stored.get(name, ())]
        for run in month_runs(counted):
            merge(provider.monthly(start=run.start, end=run.end, site_path=site_path))
    merge(rolled_up_figures(stored, site_path=site_path))
    return months


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
) -> dict[str, dict[str, Any]]:
    """The stored figures of those months, summed over the sites of the subtree."""
    from centre.models import MonthlyFigure

    which = Q()
    for provider, provider_months in stored.items():
        which |= Q(provider=provider, month__in=provider_months)
    if not which:
        return {}
    rows = MonthlyFigure.objects.filter(which)
    if site_path is not None:
        rows = rows.filter(site__path__startswith=site_path)
    months: dict[str, dict[str, Any]] = {}
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
            for provider in providers()
            for month in kept
            if (provider, month) not in rolled
        }
        for name in providers():
            for run in month_runs([month for owner, month in due if owner == name]):
                _rollup_store(name, run)
        StaleMonth.objects.filter(id__in=[mark_id for mark_id, _provider, _month in marks]).delete()
    return len(due)


def rollup_before_horizon() -> int:
    """Roll up every month before the horizon that holds a provider's records and is not rolled
    up yet, back to the first month a window can ask for. Retention calls it before it erases:
    an erased record's month is then read from the roll-up, whatever CENTRE_OPENED_MONTH says.
    Returns how many provider-months were stored."""
    from centre.models import RolledUpMonth

    if not rollup_enabled():
        return 0
    before = Window(EARLIEST_MONTH, add_months(rollup_horizon().first, -1))
    if before.last < before.first:
        return 0
    stored = 0
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ROLLUP_LOCK])
        rolled = set(RolledUpMonth.objects.values_list("provider", "month"))
        for name, provider in providers().items():
            counted = provider.monthly_by_site(start=before.start, end=before.end)
            due = {parse_month(month) for month, _site in counted} - {
                month for owner, month in rolled if owner == name
            }
            for run in month_runs(sorted(due)):
                _rollup_store(name, run)
            stored += len(due)
    return stored


def _rollup_store(name: str, months: Window) -> None:
    """Replace a provider's rolled-up figures of consecutive months with a fresh count."""
    from centre.models import MonthlyFigure, RolledUpMonth

    counted = providers()[name].monthly_by_site(start=months.start, end=months.end)
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


def months_by_site(window: Window) -> dict[str, dict[int, dict[str, Any]]]:
    """Each provider's month figures per month and site ({"YYYY-MM": {site id: {figure: n}}}):
    from the roll-up where it holds the month, counted from the records where it does not."""
    from centre.models import MonthlyFigure

    months: dict[str, dict[int, dict[str, Any]]] = {}
    stored = rolled_up_months(window.months(), providers=list(providers()))
    for name, provider in providers().items():
        counted = [month for month in window.months() if month not in stored.get(name, ())]
        for run in month_runs(counted):
            for (month, site_id), values in provider.monthly_by_site(
                start=run.start, end=run.end
            ).items():
                months.setdefault(month, {}).setdefault(site_id, {}).update(values)
    which = Q()
    for name, rolled in stored.items():
        which |= Q(provider=name, month__in=rolled)
    if which:
        rows = MonthlyFigure.objects.filter(which).values_list("month", "site", "figure", "value")
        for first_day, site_id, figure, value in rows:
            months.setdefault(f"{first_day:%Y-%m}", {}).setdefault(site_id, {})[figure] = value
    return months
