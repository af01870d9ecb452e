"""The test app's provider: talks held, a summed flow figure, `TALKS_A_MONTH[site code]` in
every month at each site (the test sets them)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from centre.models import Site
from centre.statistics.months import Window
from centre.statistics.registry import Figure, Kind, Placement

FIGURES = (
    Figure(
        "talks",
        _("Talks held"),
        Kind.SUMMED,
        frozenset(
            {Placement.HEADLINE, Placement.SINCE_OPENING, Placement.TREND, Placement.PER_SITE}
        ),
        monthly=True,
    ),
)
TALKS_A_MONTH: dict[str, int] = {}


def _months(start, end) -> list[str]:
    window = Window(start.date().replace(day=1), end.date().replace(day=1))
    return [f"{month:%Y-%m}" for month in window.months()[:-1]]


def _sites(site_path=None) -> dict[int, int]:
    sites = Site.objects.filter(code__in=TALKS_A_MONTH)
    if site_path is not None:
        sites = sites.filter(path__startswith=site_path)
    return {site.pk: TALKS_A_MONTH[site.code] for site in sites}


def figures(*, start, end, site_path=None) -> dict:
    return {}  # talks are summed from the months


def monthly(*, start, end, site_path=None) -> dict[str, dict]:
    talks = sum(_sites(site_path).values())
    return {month: {"talks": talks} for month in _months(start, end)}


def monthly_by_site(*, start, end) -> dict[tuple[str, int], dict]:
    return {
        (month, site_id): {"talks": talks}
        for month in _months(start, end)
        for site_id, talks in _sites().items()
    }


def by_site(*, start, end) -> dict[int, dict]:
    months = len(_months(start, end))
    return {site_id: {"talks": talks * months} for site_id, talks in _sites().items()}
