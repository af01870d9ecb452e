"""Outreach's figures for the statistics dashboard (centre.statistics): held events of a window
and a site subtree, the people they reached, partners' agreements in force and the sites meeting
their monthly targets. Only held events count (planned and cancelled ones never do), placed in
the month they started. Definitions are in the README ("Statistics")."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from centre.statistics.months import add_months, count_by_month
from centre.statistics.registry import Figure, Kind, Placement
from outreach import targets
from outreach.models import Agreement, Event, SiteTarget, VenueType

HELD = Event.Status.HELD
K = Event.Kind
HEADLINE, SINCE, TREND, PER_SITE = (
    Placement.HEADLINE, Placement.SINCE_OPENING, Placement.TREND, Placement.PER_SITE
)  # fmt: skip
VENUES = tuple(VenueType.choices)  # the "six-into"

FIGURES = (
    Figure("school_lectures", _("School lectures"), Kind.SUMMED,
           frozenset({HEADLINE, SINCE, TREND, PER_SITE}), monthly=True),
    Figure("students_reached", _("Student-times at school lectures"), Kind.SUMMED,
           frozenset({HEADLINE, SINCE, TREND}), monthly=True),
    Figure("parent_classes", _("Parent classes"), Kind.SUMMED,
           frozenset({HEADLINE, SINCE, TREND, PER_SITE}), monthly=True),
    Figure("parents_reached", _("Parent-times at parent classes"), Kind.SUMMED,
           frozenset({HEADLINE, SINCE, TREND}), monthly=True),
    Figure("group_sessions", _("Group counselling sessions"), Kind.SUMMED,
           frozenset({HEADLINE, SINCE, TREND, PER_SITE}), monthly=True),
    Figure("group_therapy_sessions", _("Group therapy sessions"), Kind.SUMMED,
           frozenset({HEADLINE, SINCE, TREND, PER_SITE}), monthly=True),
    Figure("trainings", _("Trainings"), Kind.SUMMED, frozenset({HEADLINE, SINCE}), monthly=True),
    Figure("trainees", _("Trainee-times"), Kind.SUMMED, frozenset({HEADLINE, SINCE}),
           monthly=True),
    # A breakdown: in the export, by venue (the page shows no breakdown, as for the others).
    Figure("community_events", _("Community events by venue"), Kind.COUNTED, parts=VENUES),
    Figure("partner_services", _("Services for partners"), Kind.SUMMED,
           frozenset({HEADLINE, SINCE, TREND}), monthly=True),
    Figure("active_agreements", _("Partner agreements in force at the end"), Kind.STOCK,
           frozenset({HEADLINE, PER_SITE})),
    Figure("sites_meeting_targets", _("Sites meeting their outreach targets (last month)"),
           Kind.COUNTED, frozenset({HEADLINE, PER_SITE})),
)  # fmt: skip

MONTHLY_COUNTS: dict[str, Any] = {
    "school_lectures": Count("pk", filter=Q(kind=K.SCHOOL_LECTURE)),
    "students_reached": Coalesce(Sum("students", filter=Q(kind=K.SCHOOL_LECTURE)), 0),
    "parent_classes": Count("pk", filter=Q(kind=K.PARENT_CLASS)),
    "parents_reached": Coalesce(Sum("parents", filter=Q(kind=K.PARENT_CLASS)), 0),
    "group_sessions": Count("pk", filter=Q(kind=K.GROUP_COUNSELLING)),
    "group_therapy_sessions": Count("pk", filter=Q(kind=K.GROUP_THERAPY)),
    "trainings": Count("pk", filter=Q(kind=K.TRAINING)),
    "trainees": Coalesce(Sum("trainees_count", filter=Q(kind=K.TRAINING)), 0),
    "partner_services": Count("pk", filter=Q(kind=K.PARTNER_SERVICE)),
}


def _held(site_path: str | None):
    events = Event.objects.filter(status=HELD)
    if site_path is not None:
        events = events.filter(site__path__startswith=site_path)
    return events


def _stock_day(end: datetime.datetime) -> datetime.date:
    """The day a stock is taken: the window's last day, or today for a window not yet over."""
    return min(timezone.localtime(end).date() - datetime.timedelta(days=1), timezone.localdate())


def _agreements(end: datetime.datetime, site_path: str | None):
    day = _stock_day(end)
    agreements = Agreement.objects.filter(
        starts_on__lte=day, ends_on__gte=day, partner__active=True
    )
    if site_path is not None:
        agreements = agreements.filter(partner__site__path__startswith=site_path)
    return agreements


def _community(start, end):
    return Event.objects.filter(
        status=HELD, kind=K.COMMUNITY_EVENT, starts_at__gte=start, starts_at__lt=end
    )


def _last_month(end: datetime.datetime) -> datetime.date:
    return add_months(timezone.localtime(end).date().replace(day=1), -1)


def _sites_meeting(end: datetime.datetime, site_path: str | None) -> dict[int, int]:
    """{site id: 1} for each site that met both targets in the window's last month: one grouped
    count of that month's held events, against the sites' targets (defaults without a row)."""
    start, stop = targets.month_bounds(_last_month(end))
    held = _held(site_path).filter(starts_at__gte=start, starts_at__lt=stop)
    counts = held.values("site").annotate(
        parents=Count("pk", filter=Q(kind__in=targets.PARENT_KINDS)),
        groups=Count("pk", filter=Q(kind__in=targets.GROUP_KINDS)),
    )
    done = {row["site"]: (row["parents"], row["groups"]) for row in counts.order_by()}
    rows = SiteTarget.objects.all()
    if site_path is not None:
        rows = rows.filter(site__path__startswith=site_path)
    goals = {row.site_id: (row.parent_classes, row.group_sessions) for row in rows}
    defaults = (targets.DEFAULT_PARENT_CLASSES, targets.DEFAULT_GROUP_SESSIONS)
    met = {}
    # A site with no held event meets its targets only if they are both 0 (a row says so).
    for site_id in done.keys() | {site for site, goal in goals.items() if goal == (0, 0)}:
        parents, groups = done.get(site_id, (0, 0))
        parent_goal, group_goal = goals.get(site_id, defaults)
        if parents >= parent_goal and groups >= group_goal:
            met[site_id] = 1
    return met


def figures(*, start, end, site_path=None) -> dict[str, Any]:
    """The figures that are not sums of months: community events by venue, agreements in force
    at the window's end, sites meeting their targets in its last month."""
    community = _community(start, end)
    if site_path is not None:
        community = community.filter(site__path__startswith=site_path)
    by_venue = dict(community.values_list("venue_type").annotate(n=Count("*")).order_by())
    return {
        "community_events": {venue: by_venue.get(venue, 0) for venue, _label in VENUES},
        "active_agreements": _agreements(end, site_path).count(),
        "sites_meeting_targets": len(_sites_meeting(end, site_path)),
    }


def by_site(*, start, end) -> dict[int, dict]:
    """Every per-site figure and every sum of the window, for each site's own events (not
    rolled up the tree): one grouped count each."""
    sites: dict[int, dict] = {}
    held = _held(None).filter(starts_at__gte=start, starts_at__lt=end)
    for row in held.values("site").annotate(**MONTHLY_COUNTS).order_by():
        sites.setdefault(row.pop("site"), {}).update(row)
    for site_id, count in (
        _agreements(end, None).values_list("partner__site").annotate(n=Count("*")).order_by()
    ):
        sites.setdefault(site_id, {})["active_agreements"] = count
    for site_id in _sites_meeting(end, None):
        sites.setdefault(site_id, {})["sites_meeting_targets"] = 1
    return sites


def monthly(*, start, end, site_path=None) -> dict[str, dict]:
    return count_by_month(_held(site_path), "starts_at", start=start, end=end, **MONTHLY_COUNTS)


def monthly_by_site(*, start, end) -> dict[tuple[str, int], dict]:
    return count_by_month(
        _held(None), "starts_at", start=start, end=end, site="site", **MONTHLY_COUNTS
    )
