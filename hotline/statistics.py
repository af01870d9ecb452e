"""The hotline's figures for the statistics dashboard (centre.statistics): saved calls of a window
and a site subtree (data contacts, all contacts, by issue category and hour of day, high risk,
median talk time), crisis alerts and the share acknowledged in time, callbacks due and done.

A call counts once saved (drafts never do), in the month it was picked up, at its site; a data
contact is any contact but the non-data ones (silent, blank, prank, hang-up, wrong number,
abusive). Alerts count in the month they were raised, callbacks in the month they fall due (due)
and were reached (done), each at its own site. Definitions are in the README ("Statistics")."""

from __future__ import annotations

import statistics as stats
from typing import Any

from django.db import connection
from django.db.models import Aggregate, Count, F, FloatField, Q
from django.db.models.functions import ExtractHour
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from centre.statistics.months import count_by_month
from centre.statistics.registry import Figure, Kind, Placement
from hotline import taxonomy
from hotline.models import Call, Callback, CallIssue, CrisisAlert

HEADLINE, SINCE, TREND, PER_SITE = (
    Placement.HEADLINE, Placement.SINCE_OPENING, Placement.TREND, Placement.PER_SITE
)  # fmt: skip
CATEGORIES = tuple(taxonomy.CATEGORIES.items())
HOURS = tuple((f"{hour:02d}", f"{hour:02d}:00") for hour in range(24))

FIGURES = (
    Figure("hotline_calls", _("Hotline calls (data contacts)"), Kind.SUMMED,
           frozenset({HEADLINE, SINCE, TREND, PER_SITE}), monthly=True),
    Figure("hotline_contacts", _("Hotline contacts (all)"), Kind.SUMMED,
           frozenset({HEADLINE, SINCE, PER_SITE}), monthly=True),
    # Breakdowns: in the export only (the page shows no breakdown, as for the others).
    Figure("hotline_calls_by_issue", _("Hotline calls by issue category"), Kind.COUNTED,
           parts=CATEGORIES),
    Figure("hotline_calls_by_hour", _("Hotline calls by hour of day"), Kind.COUNTED,
           parts=HOURS),
    Figure("hotline_high_risk", _("High-risk hotline calls"), Kind.SUMMED,
           frozenset({HEADLINE, SINCE, PER_SITE}), monthly=True),
    Figure("crisis_alerts", _("Crisis alerts"), Kind.SUMMED, frozenset({HEADLINE, PER_SITE}),
           monthly=True),
    Figure("alerts_acknowledged_in_time", _("Crisis alerts acknowledged in time"), Kind.SHARE,
           frozenset({HEADLINE})),
    Figure("callbacks_due", _("Callbacks due"), Kind.SUMMED, frozenset({HEADLINE}), monthly=True),
    Figure("callbacks_done", _("Callbacks done"), Kind.SUMMED, frozenset({HEADLINE}),
           monthly=True),
    Figure("hotline_median_talk_seconds", _("Median talk time of hotline calls (seconds)"),
           Kind.COUNTED, frozenset({HEADLINE})),
)  # fmt: skip

DATA = ~Q(contact_type__in=Call.NON_DATA_CONTACTS)
CALL_COUNTS: dict[str, Any] = {
    "hotline_calls": Count("pk", filter=DATA),
    "hotline_contacts": Count("pk"),
    "hotline_high_risk": Count("pk", filter=DATA & Q(risk=Call.Risk.HIGH)),
}
DONE = Callback.Status.DONE


class Median(Aggregate):
    """Postgres's continuous median of a column."""

    function = "percentile_cont"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


def _sites(queryset, site_path: str | None):
    if site_path is None:
        return queryset
    return queryset.filter(site__path__startswith=site_path)


def _calls(site_path: str | None):
    return _sites(Call.objects.filter(status=Call.Status.SAVED), site_path)


def _window_calls(start, end, site_path: str | None):
    return _calls(site_path).filter(started_at__gte=start, started_at__lt=end)


def _alerts(start, end, site_path: str | None):
    return _sites(CrisisAlert.objects.filter(raised_at__gte=start, raised_at__lt=end), site_path)


def _median_seconds(calls) -> int | None:
    """The median talk time of the data calls with a duration, in whole seconds (None: none)."""
    timed = calls.filter(DATA, duration_seconds__isnull=False)
    if connection.vendor == "postgresql":
        median = timed.aggregate(median=Median("duration_seconds"))["median"]
    else:  # the embedded trial mode (SQLite) has no percentile_cont
        durations = list(timed.values_list("duration_seconds", flat=True))
        median = stats.median(durations) if durations else None
    return None if median is None else round(median)


def _acknowledged_in_time(alerts) -> float | None:
    """Of the window's alerts whose deadline is decided (acknowledged, or its time to acknowledge
    passed), the share acknowledged by it: `acknowledge_by` is the raise plus
    HOTLINE_ACKNOWLEDGE_MINUTES (as configured when the alert was raised)."""
    counts = alerts.aggregate(
        within=Count("pk", filter=Q(acknowledged_at__lte=F("acknowledge_by"))),
        late=Count(
            "pk",
            filter=Q(acknowledged_at__gt=F("acknowledge_by"))
            | Q(acknowledged_at__isnull=True, acknowledge_by__lt=timezone.now()),
        ),
    )
    decided = counts["within"] + counts["late"]
    return round(counts["within"] / decided, 3) if decided else None


def figures(*, start, end, site_path=None) -> dict[str, Any]:
    """The figures that are not sums of months: the breakdowns by issue category and by hour,
    the share of alerts acknowledged in time and the median talk time."""
    calls = _window_calls(start, end, site_path)
    issues = CallIssue.objects.filter(call__in=calls.filter(DATA))
    by_issue = dict(
        issues.values_list("category").annotate(n=Count("call", distinct=True)).order_by()
    )
    hour = ExtractHour("started_at", tzinfo=timezone.get_default_timezone())
    by_hour = dict(
        calls.filter(DATA).annotate(hour=hour).values_list("hour").annotate(n=Count("*")).order_by()
    )
    return {
        "hotline_calls_by_issue": {code: by_issue.get(code, 0) for code, _label in CATEGORIES},
        "hotline_calls_by_hour": {f"{h:02d}": by_hour.get(h, 0) for h in range(24)},
        "alerts_acknowledged_in_time": _acknowledged_in_time(_alerts(start, end, site_path)),
        "hotline_median_talk_seconds": _median_seconds(calls),
    }


def by_site(*, start, end) -> dict[int, dict]:
    """Every count of the window for each site's own records (not rolled up the tree): one
    grouped count each."""
    sites: dict[int, dict] = {}

    def merge(queryset, **counts: Any) -> None:
        for row in queryset.values("site").annotate(**counts).order_by():
            sites.setdefault(row.pop("site"), {}).update(row)

    merge(_window_calls(start, end, None), **CALL_COUNTS)
    merge(_alerts(start, end, None), crisis_alerts=Count("pk"))
    due = Q(due_at__gte=start, due_at__lt=end)
    done = Q(status=DONE, done_at__gte=start, done_at__lt=end)
    merge(
        Callback.objects.filter(due | done),
        callbacks_due=Count("pk", filter=due),
        callbacks_done=Count("pk", filter=done),
    )
    return sites


def monthly(*, start, end, site_path=None) -> dict[str, dict]:
    return _monthly(start, end, site_path=site_path, site=None)


def monthly_by_site(*, start, end) -> dict[tuple[str, int], dict]:
    return _monthly(start, end, site_path=None, site="site")


def _monthly(start, end, *, site_path, site: str | None) -> dict:
    callbacks = _sites(Callback.objects.all(), site_path)
    counts = [
        (_calls(site_path), "started_at", CALL_COUNTS),
        (_sites(CrisisAlert.objects.all(), site_path), "raised_at", {"crisis_alerts": Count("pk")}),
        (callbacks, "due_at", {"callbacks_due": Count("pk")}),
        (callbacks.filter(status=DONE), "done_at", {"callbacks_done": Count("pk")}),
    ]
    months: dict = {}
    for queryset, field, aggregates in counts:
        counted = count_by_month(queryset, field, start=start, end=end, site=site, **aggregates)
        for key, row in counted.items():
            months.setdefault(key, {}).update(row)
    return months
