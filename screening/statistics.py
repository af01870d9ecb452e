"""Screening's figures for the statistics dashboard (centre.statistics): students screened and
flagged, tiers, crisis flags and the share of crisis assessments done within their SLA."""

from __future__ import annotations

from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from centre.statistics.months import count_by_month
from centre.statistics.registry import Figure, Kind, Placement
from screening.models import ScreeningResult, Tier, TrackingTask

HEADLINE, SINCE, TREND = Placement.HEADLINE, Placement.SINCE_OPENING, Placement.TREND
PER_SITE, PER_SCHOOL = Placement.PER_SITE, Placement.PER_SCHOOL
# Distinct students do not add up over months, and crisis flags come with them in one query:
# nothing here is summed.
FIGURES = (
    Figure("screened_students", _("Students screened"), Kind.COUNTED,
           frozenset({HEADLINE, SINCE, TREND, PER_SITE, PER_SCHOOL}), monthly=True),
    Figure("flagged_students", _("Students flagged"), Kind.COUNTED,
           frozenset({HEADLINE, SINCE, PER_SCHOOL}), monthly=True),
    Figure("crisis_flags", _("Crisis flags"), Kind.COUNTED, frozenset({HEADLINE}), monthly=True),
    Figure("tiers", _("Results by tier"), Kind.COUNTED, parts=tuple(Tier.choices)),
    Figure("crisis_tasks_within_sla", _("Crisis assessments within their time"), Kind.SHARE,
           frozenset({HEADLINE})),
)  # fmt: skip


COUNTS = {
    "screened_students": Count("student", distinct=True),
    "flagged_students": Count("student", distinct=True, filter=~Q(tier=Tier.NONE)),
    "crisis_flags": Count("crisis_flag", filter=Q(crisis_flag=True)),
}


def _in_sites(site_path):
    if site_path is None:
        return ScreeningResult.objects.all()
    return ScreeningResult.objects.filter(campaign__school__site__path__startswith=site_path)


def _results(start, end, site_path):
    return _in_sites(site_path).filter(screened_at__gte=start, screened_at__lt=end)


def figures(*, start, end, site_path=None) -> dict:
    results = _results(start, end, site_path)
    totals = results.aggregate(
        screened_students=Count("student", distinct=True),
        flagged_students=Count("student", distinct=True, filter=~Q(tier=Tier.NONE)),
        crisis_flags=Count("crisis_flag", filter=Q(crisis_flag=True)),
    )
    per_tier = dict(results.values_list("tier").annotate(count=Count("*")).order_by())
    tasks = TrackingTask.objects.filter(
        result__in=results, kind=TrackingTask.Kind.CRISIS_ASSESSMENT
    ).aggregate(
        within=Count("id", filter=Q(done_at__isnull=False, done_at__lte=F("due_at"))),
        late=Count(
            "id",
            filter=Q(done_at__gt=F("due_at")) | Q(done_at__isnull=True, due_at__lt=timezone.now()),
        ),
    )
    decided = tasks["within"] + tasks["late"]
    return {
        **totals,
        "tiers": {tier: per_tier.get(tier, 0) for tier in Tier.values},
        "crisis_tasks_within_sla": round(tasks["within"] / decided, 3) if decided else None,
    }


def by_site(*, start, end) -> dict[int, dict]:
    """Students screened and flagged, and crisis flags, per site (a student belongs to one
    school, so sites add up)."""
    rows = _results(start, end, None).values("campaign__school__site").annotate(**COUNTS).order_by()
    return {row.pop("campaign__school__site"): row for row in rows}


def monthly(*, start, end, site_path=None) -> dict[str, dict]:
    return _monthly(start, end, site_path=site_path, site=None)


def monthly_by_site(*, start, end) -> dict[tuple[str, int], dict]:
    """Per month and site: a student belongs to one school, so distinct students of the sites
    add up to the network's."""
    return _monthly(start, end, site_path=None, site="campaign__school__site")


def _monthly(start, end, *, site_path, site: str | None) -> dict:
    return count_by_month(
        _in_sites(site_path),
        "screened_at",
        start=start,
        end=end,
        site=site,
        screened_students=Count("student", distinct=True),
        flagged_students=Count("student", distinct=True, filter=~Q(tier=Tier.NONE)),
        crisis_flags=Count("crisis_flag", filter=Q(crisis_flag=True)),
    )


def per_school(*, start, end, site_path=None) -> list[dict]:
    """Screened and flagged students per school, for the dashboard's school breakdown (with the
    school's id and site, which small-count masking needs)."""
    return list(
        _results(start, end, site_path)
        .values(
            school=F("campaign__school__name"),
            school_id=F("campaign__school"),
            site_id=F("campaign__school__site"),
        )
        .annotate(
            screened_students=Count("student", distinct=True),
            flagged_students=Count("student", distinct=True, filter=~Q(tier=Tier.NONE)),
        )
        .order_by("school", "school_id")
    )
