"""Counselling's figures for the statistics dashboard (centre.statistics): sessions, cases,
follow-ups and referrals of a window and a site subtree. Definitions are in the README."""

from __future__ import annotations

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from centre.statistics.months import count_by_month
from centre.statistics.registry import Figure, Kind, Placement
from counselling.models import Case, CounsellingSession, FollowUp, Referral

TREATMENT_KINDS = [
    CounsellingSession.Kind.PSYCHOTHERAPY,
    CounsellingSession.Kind.PHYSICAL_THERAPY,
    CounsellingSession.Kind.MEDICATION_REVIEW,
]
ATTENDED = CounsellingSession.Attendance.ATTENDED


def _sites(queryset, site_path: str | None, prefix: str = "case__"):
    if site_path is None:
        return queryset
    return queryset.filter(**{f"{prefix}site__path__startswith": site_path})


def _visits(start, end, site_path):
    sessions = CounsellingSession.objects.filter(
        held_at__gte=start, held_at__lt=end, attendance=ATTENDED
    )
    return _sites(sessions, site_path)


HEADLINE, SINCE, TREND, PER_SITE = (
    Placement.HEADLINE, Placement.SINCE_OPENING, Placement.TREND, Placement.PER_SITE
)  # fmt: skip
# Referrals are monthly (the trend) but not summed: `figures` counts them with their states.
FIGURES = (
    Figure("visits", _("Visits"), Kind.SUMMED, frozenset({HEADLINE, SINCE, TREND, PER_SITE}),
           monthly=True),
    Figure("treatments", _("Treatments"), Kind.SUMMED, frozenset({HEADLINE, SINCE}), monthly=True),
    Figure("new_cases", _("New cases"), Kind.SUMMED, frozenset({HEADLINE, SINCE, TREND, PER_SITE}),
           monthly=True),
    Figure("active_cases", _("Active cases at the end"), Kind.STOCK,
           frozenset({HEADLINE, PER_SITE})),
    Figure("closed_cases", _("Closed cases"), Kind.SUMMED, frozenset({HEADLINE}), monthly=True),
    Figure("followups_due", _("Follow-ups due"), Kind.SUMMED, frozenset({HEADLINE}), monthly=True),
    Figure("followups_done", _("Follow-ups done"), Kind.SUMMED, frozenset({HEADLINE}),
           monthly=True),
    Figure("followups_overdue", _("Follow-ups overdue"), Kind.STOCK, frozenset({HEADLINE})),
    Figure("referrals", _("Referrals"), Kind.COUNTED, frozenset({HEADLINE, SINCE, TREND, PER_SITE}),
           monthly=True),
    Figure("referrals_by_state", _("Referrals by state"), Kind.COUNTED,
           parts=tuple(Referral.Status.choices)),
)  # fmt: skip


def _open_at(cases, end) -> list:
    """The cases open at `end`: still open, or closed after it. Two querysets to count, each on
    its own index (an OR would read every case)."""
    opened_before_end = cases.filter(opened_at__lt=end)
    return [
        opened_before_end.filter(closed_at__isnull=True),
        opened_before_end.filter(closed_at__gte=end),
    ]


def figures(*, start, end, site_path=None) -> dict:
    """The figures that are not sums of months: stocks at the window's end, referrals by state."""
    cases = _sites(Case.objects.all(), site_path, prefix="")
    active_cases = sum(open_cases.count() for open_cases in _open_at(cases, end))
    follow_ups = _sites(FollowUp.objects.exclude(status=FollowUp.Status.CANCELLED), site_path)
    # At the window's end (or now, for the current month): due before it and not done by then.
    cutoff = min(end, timezone.now())
    due_before = follow_ups.filter(due_at__lt=cutoff)
    followups_overdue = (
        due_before.filter(done_at__isnull=True).count()
        + due_before.filter(done_at__gte=cutoff).count()
    )
    referrals = _sites(
        Referral.objects.filter(created_at__gte=start, created_at__lt=end), site_path
    )
    by_state = dict(referrals.values_list("status").annotate(count=Count("*")).order_by())
    return {
        "active_cases": active_cases,
        "followups_overdue": followups_overdue,
        "referrals": sum(by_state.values()),
        "referrals_by_state": {state: by_state.get(state, 0) for state in Referral.Status.values},
    }


def by_site(*, start, end) -> dict[int, dict]:
    """Every count of `figures` and of the window's sums for every site (not rolled up the
    tree): the per-site breakdown, and what small-count masking needs to decide which cells a
    reader without clinical access may see. One grouped count per figure."""
    sites: dict[int, dict] = {}

    def merge(figure: str, queryset, site: str) -> None:
        for site_id, count in queryset.values_list(site).annotate(count=Count("*")).order_by():
            row = sites.setdefault(site_id, {})
            row[figure] = row.get(figure, 0) + count

    visits = _visits(start, end, None)
    merge("visits", visits, "case__site")
    merge("treatments", visits.filter(kind__in=TREATMENT_KINDS), "case__site")
    merge("new_cases", Case.objects.filter(opened_at__gte=start, opened_at__lt=end), "site")
    merge("closed_cases", Case.objects.filter(closed_at__gte=start, closed_at__lt=end), "site")
    for open_cases in _open_at(Case.objects.all(), end):
        merge("active_cases", open_cases, "site")
    follow_ups = FollowUp.objects.exclude(status=FollowUp.Status.CANCELLED)
    merge("followups_due", follow_ups.filter(due_at__gte=start, due_at__lt=end), "case__site")
    done = follow_ups.filter(status=FollowUp.Status.DONE, done_at__gte=start, done_at__lt=end)
    merge("followups_done", done, "case__site")
    cutoff = min(end, timezone.now())
    due_before = follow_ups.filter(due_at__lt=cutoff)
    merge("followups_overdue", due_before.filter(done_at__isnull=True), "case__site")
    merge("followups_overdue", due_before.filter(done_at__gte=cutoff), "case__site")
    merge(
        "referrals",
        Referral.objects.filter(created_at__gte=start, created_at__lt=end),
        "case__site",
    )
    return sites


def monthly(*, start, end, site_path=None) -> dict[str, dict]:
    return _monthly(start, end, site_path=site_path, by_site=False)


def monthly_by_site(*, start, end) -> dict[tuple[str, int], dict]:
    return _monthly(start, end, site_path=None, by_site=True)


def _monthly(start, end, *, site_path, by_site: bool) -> dict:
    through_case = "case__site" if by_site else None
    own_site = "site" if by_site else None
    sessions = _sites(CounsellingSession.objects.filter(attendance=ATTENDED), site_path)
    cases = _sites(Case.objects.all(), site_path, prefix="")
    follow_ups = _sites(FollowUp.objects.exclude(status=FollowUp.Status.CANCELLED), site_path)
    counts = [
        (sessions, "held_at", through_case,
         {"visits": Count("*"), "treatments": Count("kind", filter=Q(kind__in=TREATMENT_KINDS))}),
        (cases, "opened_at", own_site, {"new_cases": Count("*")}),
        (cases, "closed_at", own_site, {"closed_cases": Count("*")}),
        (follow_ups, "due_at", through_case, {"followups_due": Count("*")}),
        (follow_ups.filter(status=FollowUp.Status.DONE), "done_at", through_case,
         {"followups_done": Count("*")}),
        (_sites(Referral.objects.all(), site_path), "created_at", through_case,
         {"referrals": Count("*")}),
    ]  # fmt: skip
    months: dict = {}
    for queryset, field, site, aggregates in counts:
        counted = count_by_month(queryset, field, start=start, end=end, site=site, **aggregates)
        for key, row in counted.items():
            months.setdefault(key, {}).update(row)
    return months
