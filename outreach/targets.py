"""Monthly targets of outreach per site: how many parent classes and group sessions (group
counselling and group therapy) a site holds in a month, against its `SiteTarget` (no row: the
defaults, 2 and 2).

A site's month reads, for each target, the events held and those still planned this month
(cancelled ones count for nothing), and its standing:

- `met`: held reaches the target;
- `on_track`: not yet, but held and planned together reach it;
- `behind`: even if everything planned is held, the target is missed.

The board is one query: the page's sites (a keyset page over the site tree by path) with four
correlated counts each, every one answered by the index (site, kind, status, starts_at) — so a
page costs the same with 2,212 sites and 100,000 events as with ten. The reminder looks at the
sites that have an outreach coordinator only."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from centre.models import Site
from centre.statistics.months import add_months, month_start
from outreach.models import Event, SiteTarget

PARENT_KINDS = (Event.Kind.PARENT_CLASS,)
GROUP_KINDS = (Event.Kind.GROUP_COUNSELLING, Event.Kind.GROUP_THERAPY)
DEFAULT_PARENT_CLASSES = SiteTarget.DEFAULT_PARENT_CLASSES
DEFAULT_GROUP_SESSIONS = SiteTarget.DEFAULT_GROUP_SESSIONS
MET, ON_TRACK, BEHIND = "met", "on_track", "behind"


def month_bounds(month: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """[start, end) of the month (its 1st) in the centre's time zone."""
    first = month.replace(day=1)
    return month_start(first), month_start(add_months(first, 1))


def this_month() -> datetime.date:
    return timezone.localdate().replace(day=1)


def _count(kinds: tuple[str, ...], status: str, start, end) -> Coalesce:
    events = (
        Event.objects.filter(
            site=OuterRef("pk"),
            kind__in=kinds,
            status=status,
            starts_at__gte=start,
            starts_at__lt=end,
        )
        .order_by()
        .values("site")
        .annotate(n=Count("*"))
        .values("n")
    )
    return Coalesce(Subquery(events, output_field=IntegerField()), Value(0))


def _target(field: str, default: int) -> Coalesce:
    targets = SiteTarget.objects.filter(site=OuterRef("pk")).values(field)
    return Coalesce(Subquery(targets, output_field=IntegerField()), Value(default))


def with_progress(sites: QuerySet[Site], month: datetime.date) -> QuerySet[Site]:
    """`sites` annotated with the month's counts and targets (see the module docstring)."""
    start, end = month_bounds(month)
    held, planned = Event.Status.HELD, Event.Status.PLANNED
    return sites.annotate(
        parent_target=_target("parent_classes", DEFAULT_PARENT_CLASSES),
        group_target=_target("group_sessions", DEFAULT_GROUP_SESSIONS),
        parent_held=_count(PARENT_KINDS, held, start, end),
        parent_planned=_count(PARENT_KINDS, planned, start, end),
        group_held=_count(GROUP_KINDS, held, start, end),
        group_planned=_count(GROUP_KINDS, planned, start, end),
    )


def behind_condition() -> Q:
    """Sites annotated by `with_progress` that miss a target even if all they planned is held."""
    from django.db.models import F

    return Q(parent_target__gt=F("parent_held") + F("parent_planned")) | Q(
        group_target__gt=F("group_held") + F("group_planned")
    )


def standing(target: int, held: int, planned: int) -> str:
    if held >= target:
        return MET
    if held + planned >= target:
        return ON_TRACK
    return BEHIND


@dataclass(frozen=True)
class Progress:
    site: Site
    parent_target: int
    parent_held: int
    parent_planned: int
    group_target: int
    group_held: int
    group_planned: int

    @classmethod
    def of(cls, site: Any) -> Progress:
        return cls(
            site=site,
            parent_target=site.parent_target,
            parent_held=site.parent_held,
            parent_planned=site.parent_planned,
            group_target=site.group_target,
            group_held=site.group_held,
            group_planned=site.group_planned,
        )

    @property
    def parent_standing(self) -> str:
        return standing(self.parent_target, self.parent_held, self.parent_planned)

    @property
    def group_standing(self) -> str:
        return standing(self.group_target, self.group_held, self.group_planned)

    @property
    def standing(self) -> str:
        """The worse of the two."""
        order = [BEHIND, ON_TRACK, MET]
        return min(self.parent_standing, self.group_standing, key=order.index)

    @property
    def behind(self) -> bool:
        return self.standing == BEHIND


def reminder_due(today: datetime.date) -> bool:
    """From a week before the month's end (the last 7 days of the month) on."""
    last_day = add_months(today.replace(day=1), 1) - datetime.timedelta(days=1)
    return (last_day - today).days < 7
