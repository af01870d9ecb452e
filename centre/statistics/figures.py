"""The figures of a window, composed from the providers' counts: the headline and the trend of a
site subtree, the per-site and per-school breakdowns (README "Statistics" defines each figure).
Flow figures a provider declares SUMMED are, for any window, the sum of its months (from the
roll-up); the others are counted by the providers with range conditions on indexed columns.
Declared ratios are divided here, from the two counts of the same window, month, subtree or
school (`with_shares`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from centre.statistics.months import Window
from centre.statistics.registry import monthly_names, providers, ratios, summed_names
from centre.statistics.rollup import months_of

if TYPE_CHECKING:
    from centre.models import Site


def figures(window: Window, *, site_path: str | None = None) -> dict[str, Any]:
    """Every provider's figures for the window, merged into one dictionary: the summed flow
    figures added up over the window's months, the others counted by the providers."""
    summing = {name: provider for name, provider in providers().items() if summed_names(provider)}
    months = months_of(window, site_path, summing)
    merged: dict[str, Any] = {}
    for provider in summing.values():
        merged |= {
            figure: sum(values.get(figure, 0) for values in months.values())
            for figure in sorted(summed_names(provider))
        }
    for provider in providers().values():
        merged |= provider.figures(start=window.start, end=window.end, site_path=site_path)
    return with_shares(merged)


def trend(window: Window, *, site_path: str | None = None) -> dict[str, dict[str, Any]]:
    """Flow figures month by month: {"YYYY-MM": {figure: number}} for every month of the window,
    every figure present in every month (0 where nothing happened)."""
    months = months_of(window, site_path, providers())
    names = sorted(name for provider in providers().values() for name in monthly_names(provider))
    return {
        month: with_shares({name: values.get(name, 0) for name in names})
        for month, values in months.items()
    }


def per_site(window: Window, sites: Iterable[Site]) -> dict[int, dict[str, Any]]:
    """The breakdown figures of each of `sites`, each with its subtree: {site id: {figure: n}}.
    Providers count per site once; the tree is rolled up here."""
    from centre.models import Site

    counted = counted_by_site(window)
    paths = dict(Site.objects.values_list("id", "path"))
    totals: dict[int, dict[str, Any]] = {}
    for site in sites:
        total = totals.setdefault(site.pk, {})
        for site_id, values in counted.items():
            if paths.get(site_id, "").startswith(site.path):
                for name, value in values.items():
                    total[name] = total.get(name, 0) + value
    return {site_id: with_shares(total) for site_id, total in totals.items()}


def per_school(window: Window, *, site_path: str | None = None) -> list[dict[str, Any]]:
    """Rows per school from the providers that break their figures down by school."""
    rows: list[dict[str, Any]] = []
    for provider in providers().values():
        if hasattr(provider, "per_school"):
            rows += provider.per_school(start=window.start, end=window.end, site_path=site_path)
    return [with_shares(row) for row in rows]


def with_shares(values: dict[str, Any]) -> dict[str, Any]:
    """`values` with each declared ratio: the numerator over the denominator, to three
    places, or None when there is nothing to divide (no count, or a count of 0)."""
    for share, numerator, denominator in ratios():
        counted, whole = values.get(numerator, 0), values.get(denominator, 0)
        values[share] = round(counted / whole, 3) if whole else None
    return values


def counted_by_site(window: Window) -> dict[int, dict[str, Any]]:
    """Each provider's counts per site for the window (each site's own records)."""
    counted: dict[int, dict[str, Any]] = {}
    for provider in providers().values():
        for site_id, values in provider.by_site(start=window.start, end=window.end).items():
            counted.setdefault(site_id, {}).update(values)
    return counted
