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

    counted = _counted_by_site(window)
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


# Small counts --------------------------------------------------------------------------------
#
# A reader without clinical access (the statistics administrator) sees exact figures for the
# whole network only. Below it — a site's headline, trend and export, the per-site and per-school
# tables — no count under 5 may be read or worked out:
# - primary suppression: a cell under 5 (0 included) reads "<5";
# - complementary suppression: the figures of a site are its own records plus its child sites
#   (and, for screening, its schools), so in every such group whose total is shown, a lone
#   hidden cell (or one whose range is pinned by the others) gets company: the smallest shown
#   cell is withheld too ("*"); a hidden total always has a hidden part, so it cannot be summed
#   back up. A site's own records are never shown but assumed known unless under 5;
# - every quantity gets one decision, whatever the page: a window hides a site's monthly figure
#   wherever one of its months hides it, so windows cannot be subtracted from each other.

SMALL_COUNT = 5
SMALL = f"<{SMALL_COUNT}"  # a count under 5
WITHHELD = "*"  # a count withheld so that a count under 5 cannot be worked out
NETWORK = None  # the key of the whole network: never masked


def masked(value, *, clinical: bool, hidden: bool | None = None):
    """The one masking function: a count as a reader sees it. Clinical readers see it exact;
    others "<5" under 5, "*" when withheld (`hidden`, from `hidden_cells`). Anything but a count
    (a share, a breakdown by state) is withheld below the network for them (`hidden=True`)."""
    if clinical:
        return value
    if not _is_count(value):
        return WITHHELD if hidden else value
    if value < SMALL_COUNT:
        return SMALL
    return WITHHELD if hidden else value


def _is_count(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(slots=True)
class _Cell:
    key: tuple[str, int]  # ("site", id), ("school", id), or ("own", site id): a site's own
    value: int
    parts: list[_Cell]

    @property
    def shown(self) -> bool:
        return self.key[0] != "own"  # a site's own records are never a row of their own

    @property
    def sensitive(self) -> bool:
        if self.shown:
            return self.value < SMALL_COUNT
        return 0 < self.value < SMALL_COUNT  # no own record at all discloses nobody


def site_key(site) -> tuple[str, int] | None:
    """The key of a site in `hidden_cells`; NETWORK for none or a root that is the network."""
    from centre.models import Site

    if site is None or (site.parent_id is None and Site.objects.filter(parent=None).count() == 1):
        return NETWORK
    return ("site", site.pk)


def hidden_cells(window: Window, *, by_month: dict | None = None) -> dict[str, set]:
    """For each count of the window, the keys of the cells a reader without clinical access may
    not see (`masked(..., hidden=key in hidden_cells[figure])`). A monthly figure is hidden
    wherever one of the window's months hides it (`by_month`: `hidden_by_month` of a window
    holding this one's months, when the caller has it)."""
    children = _site_children()
    by_month = by_month or hidden_by_month(window)
    forced: dict[str, set] = {}
    for month in window.months():
        for figure, keys in by_month.get(f"{month:%Y-%m}", {}).items():
            forced.setdefault(figure, set()).update(keys)
    counted = _counted_by_site(window)
    schools = per_school(window)
    names = {name for values in counted.values() for name in values} | set(forced)
    return {
        name: _protect_tree(
            _tree(children, counted, name, schools=schools), set(forced.get(name, ()))
        )
        for name in names
    }


def hidden_by_month(window: Window) -> dict[str, dict[str, set]]:
    """For each month of the window, the hidden cells of its monthly figures (the trend's). A
    month's site cells are decided as `hidden_cells` of that month alone decides them."""
    children = _site_children()
    names = {name for provider in _providers.values() for name in provider.MONTHLY}
    counted = months_by_site(window)
    return {
        f"{month:%Y-%m}": {
            name: _protect_tree(
                _tree(children, counted.get(f"{month:%Y-%m}", {}), name, schools=[]), set()
            )
            for name in names
        }
        for month in window.months()
    }


def _site_children() -> dict[int | None, list[int]]:
    """Each site's child sites (None: the roots), in a stable order."""
    from centre.models import Site

    children: dict[int | None, list[int]] = {}
    for site_id, parent_id in Site.objects.order_by("id").values_list("id", "parent_id"):
        children.setdefault(parent_id, []).append(site_id)
    return children


def _tree(children, counted: dict[int, dict], figure: str, *, schools: list[dict]) -> _Cell:
    """The site tree of one figure: each site with its child sites and its own records (with
    their schools, where the providers count per school)."""
    by_school: dict[int, list[_Cell]] = {}
    for row in schools:
        if figure in row:
            cell = _Cell(("school", row["school_id"]), row[figure], [])
            by_school.setdefault(row["site_id"], []).append(cell)

    def build(site_id: int) -> _Cell:
        own_value = counted.get(site_id, {}).get(figure, 0)
        own_schools = by_school.get(site_id, [])
        below = [build(child) for child in children.get(site_id, ())]
        if not below:
            return _Cell(("site", site_id), own_value, own_schools)
        own = _Cell(("own", site_id), own_value, own_schools)
        return _Cell(("site", site_id), own_value + sum(c.value for c in below), [*below, own])

    roots = [build(site_id) for site_id in children.get(None, ())]
    if len(roots) == 1:
        return roots[0]
    return _Cell(("network", 0), sum(root.value for root in roots), roots)


def _protect_tree(root: _Cell, hidden: set) -> set:
    """Complementary suppression from the network (always shown) down."""
    stack = [(root, False)]
    while stack:
        cell, cell_hidden = stack.pop()
        _protect_group(cell, cell_hidden, hidden)
        stack += [(part, part.key in hidden) for part in cell.parts]
    return hidden


def _protect_group(cell: _Cell, cell_hidden: bool, hidden: set) -> None:
    if not cell.parts:
        return
    unknown = [part for part in cell.parts if part.key in hidden or part.sensitive]
    hidden.update(part.key for part in unknown)

    def exposed() -> bool:
        if cell_hidden:
            return not unknown  # a hidden total would be the sum of its shown parts
        if len(unknown) < 2:
            return len(unknown) == 1
        return _pinned(unknown, sum(part.value for part in unknown))

    if not exposed():
        return
    spare = sorted(
        (part for part in cell.parts if part.shown and part.key not in hidden),
        key=lambda part: (part.value, part.key),
    )
    while spare and exposed():
        chosen = spare.pop(0)
        unknown.append(chosen)
        hidden.add(chosen.key)


def _pinned(unknown: list[_Cell], total: int) -> bool:
    """Whether a reader who knows the hidden cells' sum (the group's total less what is shown)
    and their ranges ("<5" is 0–4, "*" is 5 or more) can tell one of them exactly."""
    ranges = []
    for cell in unknown:
        if cell.value < SMALL_COUNT:
            ranges.append((0 if cell.shown else 1, SMALL_COUNT - 1))
        else:
            ranges.append((SMALL_COUNT, total))
    low_sum, high_sum = sum(low for low, _ in ranges), sum(high for _, high in ranges)
    for low, high in ranges:
        lowest = max(low, total - (high_sum - high))
        highest = min(high, total - (low_sum - low))
        if lowest >= highest:
            return True
    return False


def _counted_by_site(window: Window) -> dict[int, dict]:
    """Each provider's counts per site for the window (each site's own records)."""
    counted: dict[int, dict] = {}
    for provider in _providers.values():
        for site_id, values in provider.by_site(start=window.start, end=window.end).items():
            counted.setdefault(site_id, {}).update(values)
    return counted


def months_by_site(window: Window) -> dict[str, dict[int, dict]]:
    """Each provider's month figures per month and site ({"YYYY-MM": {site id: {figure: n}}}):
    from the roll-up where it holds the month, counted from the records where it does not."""
    from centre.models import MonthlyFigure

    months: dict[str, dict[int, dict]] = {}
    stored = rolled_up_months(window.months(), providers=list(_providers))
    for name, provider in _providers.items():
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
        for month, site_id, figure, value in rows:
            months.setdefault(f"{month:%Y-%m}", {}).setdefault(site_id, {})[figure] = value
    return months


def masked_figures(values: dict, *, key, hidden: dict[str, set], clinical: bool) -> dict:
    """A site's (or the network's) figures as a reader sees them."""
    if clinical or key is NETWORK:
        return values
    return {
        name: masked(value, clinical=False, hidden=key in hidden.get(name, {key}))
        for name, value in values.items()
    }


def masked_trend(
    months: dict[str, dict], *, key, hidden_by_month: dict[str, dict], clinical: bool
) -> dict[str, dict]:
    """A trend as a reader sees it: each month masked with that month's decisions."""
    return {
        month: masked_figures(
            values, key=key, hidden=hidden_by_month.get(month, {}), clinical=clinical
        )
        for month, values in months.items()
    }


def rows_for_export(
    window: Window, *, site_path: str | None = None, key=NETWORK, clinical: bool = True
) -> list[list]:
    """The figures of a window as spreadsheet rows: totals, then month by month; masked for a
    reader without clinical access below the network (`key`: `site_key` of the site)."""
    totals = figures(window, site_path=site_path)
    months = trend(window, site_path=site_path)
    if not clinical and key is not NETWORK:
        totals = masked_figures(totals, key=key, hidden=hidden_cells(window), clinical=False)
        months = masked_trend(
            months, key=key, hidden_by_month=hidden_by_month(window), clinical=False
        )
    rows: list[list] = [["figure", window.label()]]
    for name, value in totals.items():
        if isinstance(value, dict):
            rows += [[f"{name}.{part}", count] for part, count in value.items()]
        else:
            rows.append([name, value])
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


def _report_ready(params: dict):
    from django.urls import reverse
    from django.utils.translation import gettext as _

    from centre.reminders import Message

    return Message(
        title=_("The report of %(month)s is ready") % params,
        body=_("The monthly figures are on the statistics page."),
        link=reverse("statistics"),
    )
