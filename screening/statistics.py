"""Screening's figures for the statistics dashboard (centre.statistics): students screened and
flagged, tiers, crisis flags and the share of crisis assessments done within their SLA; the
online self-assessment's submissions and its completion (codes submitted over codes issued, for
the classes opened online in the window: the core divides the two summed counts)."""

from __future__ import annotations

from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from centre.models import School
from centre.statistics.months import count_by_month
from centre.statistics.registry import Figure, Kind, Placement
from screening.models import OnlineCode, OnlineSession, ScreeningResult, Tier, TrackingTask

HEADLINE, SINCE, TREND = Placement.HEADLINE, Placement.SINCE_OPENING, Placement.TREND
PER_SITE, PER_SCHOOL = Placement.PER_SITE, Placement.PER_SCHOOL
# Distinct students do not add up over months, and crisis flags come with them in one query:
# those are counted over the window. The online counts do add up (a submission, a code counted
# once), so they are summed from the months.
FIGURES = (
    Figure("screened_students", _("Students screened"), Kind.COUNTED,
           frozenset({HEADLINE, SINCE, TREND, PER_SITE, PER_SCHOOL}), monthly=True),
    Figure("flagged_students", _("Students flagged"), Kind.COUNTED,
           frozenset({HEADLINE, SINCE, PER_SCHOOL}), monthly=True),
    Figure("crisis_flags", _("Crisis flags"), Kind.COUNTED, frozenset({HEADLINE}), monthly=True),
    Figure("tiers", _("Results by tier"), Kind.COUNTED, parts=tuple(Tier.choices)),
    Figure("crisis_tasks_within_sla", _("Crisis assessments within their time"), Kind.SHARE,
           frozenset({HEADLINE})),
    Figure("online_assessments", _("Online self-assessments submitted"), Kind.SUMMED,
           frozenset({HEADLINE, SINCE, TREND, PER_SITE, PER_SCHOOL}), monthly=True),
    Figure("online_codes_issued", _("Online codes issued (classes opened online)"), Kind.SUMMED,
           monthly=True),
    Figure("online_codes_submitted", _("Of those codes, submitted"), Kind.SUMMED,
           monthly=True),
    Figure("online_completion", _("Online completion (share of the class)"), Kind.SHARE,
           frozenset({HEADLINE, SINCE, TREND, PER_SITE, PER_SCHOOL}), monthly=True,
           ratio=("online_codes_submitted", "online_codes_issued"),
           definition=_("Of the codes issued to the classes opened online in the period, the "
                        "share used to submit the self-assessment (by now); empty when no class "
                        "was opened.")),
)  # fmt: skip
ONLINE = ("online_assessments", "online_codes_issued", "online_codes_submitted")


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
    counted = {row.pop("campaign__school__site"): row for row in rows}
    for site_id, values in _online_by(start, end, None, "campaign__school__site").items():
        counted.setdefault(site_id, {}).update(values)
    return counted


def monthly(*, start, end, site_path=None) -> dict[str, dict]:
    return _monthly(start, end, site_path=site_path, site=None)


def monthly_by_site(*, start, end) -> dict[tuple[str, int], dict]:
    """Per month and site: a student belongs to one school, so distinct students of the sites
    add up to the network's."""
    return _monthly(start, end, site_path=None, site="campaign__school__site")


def _monthly(start, end, *, site_path, site: str | None) -> dict:
    months = count_by_month(
        _in_sites(site_path),
        "screened_at",
        start=start,
        end=end,
        site=site,
        screened_students=Count("student", distinct=True),
        flagged_students=Count("student", distinct=True, filter=~Q(tier=Tier.NONE)),
        crisis_flags=Count("crisis_flag", filter=Q(crisis_flag=True)),
    )
    submitted = count_by_month(
        _sessions(site_path),
        "submitted_at",
        start=start,
        end=end,
        site=f"code__window__{site}" if site else None,
        online_assessments=Count("id"),
    )
    issued = count_by_month(
        _codes(site_path),
        "window__opens_at",
        start=start,
        end=end,
        site=f"window__{site}" if site else None,
        **CODE_COUNTS,
    )
    for counted in (submitted, issued):
        for key, values in counted.items():
            months.setdefault(key, {}).update(values)
    return months


# The online figures: sessions by the day they were submitted; codes by the opening of their
# class's window (the session of a code joined once: a code has at most one).
CODE_COUNTS = {
    "online_codes_issued": Count("id"),
    "online_codes_submitted": Count("session", filter=Q(session__submitted_at__isnull=False)),
}


def _sessions(site_path):
    sessions = OnlineSession.objects.filter(submitted_at__isnull=False)
    if site_path is None:
        return sessions
    return sessions.filter(code__window__campaign__school__site__path__startswith=site_path)


def _codes(site_path):
    if site_path is None:
        return OnlineCode.objects.all()
    return OnlineCode.objects.filter(window__campaign__school__site__path__startswith=site_path)


def _online_by(start, end, site_path, column: str) -> dict[int, dict]:
    """The online counts of the window grouped by `column` (a campaign's path to its site or
    school): {id: {figure: n}}, every online figure present."""
    submitted = (
        _sessions(site_path)
        .filter(submitted_at__gte=start, submitted_at__lt=end)
        .values(group=F(f"code__window__{column}"))
        .annotate(online_assessments=Count("id"))
        .order_by()
    )
    issued = (
        _codes(site_path)
        .filter(window__opens_at__gte=start, window__opens_at__lt=end)
        .values(group=F(f"window__{column}"))
        .annotate(**CODE_COUNTS)
        .order_by()
    )
    counted: dict[int, dict] = {}
    for row in [*submitted, *issued]:
        values = counted.setdefault(row.pop("group"), dict.fromkeys(ONLINE, 0))
        values.update(row)
    return counted


def per_school(*, start, end, site_path=None) -> list[dict]:
    """Screened and flagged students and the online counts per school, for the dashboard's
    school breakdown (with the school's id and site, which small-count masking needs): a school
    with either, every figure present (0 where none)."""
    screened = {
        row.pop("school_id"): row
        for row in _results(start, end, site_path)
        .values(school_id=F("campaign__school"))
        .annotate(
            screened_students=Count("student", distinct=True),
            flagged_students=Count("student", distinct=True, filter=~Q(tier=Tier.NONE)),
        )
        .order_by()
    }
    online = _online_by(start, end, site_path, "campaign__school")
    schools = School.objects.filter(pk__in={*screened, *online}).values_list("pk", "name", "site")
    rows = [
        {
            "school": name,
            "school_id": school_id,
            "site_id": site_id,
            "screened_students": 0,
            "flagged_students": 0,
            **screened.get(school_id, {}),
            **online.get(school_id, dict.fromkeys(ONLINE, 0)),
        }
        for school_id, name, site_id in schools
    ]
    return sorted(rows, key=lambda row: (row["school"], row["school_id"]))
