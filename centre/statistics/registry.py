"""The statistics providers and their figures, as the apps declare them.

An app gives the core its figures by naming a provider module on its AppConfig
(`statistics_provider = "counselling.statistics"`); the provider's name is the app's label. The
module declares its figures (`FIGURES`, each with its label, kind and where it appears) and
answers for a window — whole months in the centre's time zone, `start` inclusive, `end`
exclusive — and a site subtree (`site_path`, None for the whole network):

    figures(start=…, end=…, site_path=…) -> {figure: number or {part: number}}  (not SUMMED)
    monthly(start=…, end=…, site_path=…) -> {"YYYY-MM": {figure: number}}  (the monthly figures)
    monthly_by_site(start=…, end=…) -> {("YYYY-MM", site id): {figure: number}}
    by_site(start=…, end=…) -> {site id: {figure: number}}  (the per-site breakdown)
    per_school(start=…, end=…, site_path=…) -> [{"school", "school_id", "site_id", figure: n}]
        (optional: figures placed PER_SCHOOL)

A share declared as a `ratio` of two of its provider's summed figures is never answered by the
provider: the core divides its two counts wherever they are (a window, a month, a site's
subtree, a school), so it stays exact with the roll-up and adds up the tree correctly.

The statistics page, its export and the monthly report loop over the declarations: a new app
adds figures without touching centre."""

from __future__ import annotations

import datetime
import enum
from dataclasses import dataclass, field, replace
from importlib import import_module
from typing import Any, Protocol

from django.utils.functional import Promise

from centre.declarations import declared


class Kind(enum.StrEnum):
    SUMMED = "summed"  # a flow that adds up over months: a window is the sum of its months
    COUNTED = "counted"  # a flow counted over the whole window (distinct students, by state)
    STOCK = "stock"  # taken at the window's end (cases open then)
    SHARE = "share"  # a proportion from 0 to 1, or None when there is nothing to divide


class Placement(enum.StrEnum):
    HEADLINE = "headline"  # the chosen window's figures
    SINCE_OPENING = "since_opening"  # the figures since the centre opened
    TREND = "trend"  # a chart of the last 12 months (the figure must be monthly)
    PER_SITE = "per_site"  # a column of the per-site table
    PER_SCHOOL = "per_school"  # a column of the per-school table


@dataclass(frozen=True)
class Figure:
    """One figure as its provider declares it. Every figure is in the export; `placements` say
    where else it shows. `monthly` figures are counted month by month (the trend, the roll-up);
    `parts` name the keys of a breakdown ({part: number}) with their labels. A SHARE with a
    `ratio` (numerator, denominator: two SUMMED figures of the provider) is computed by the core;
    its `definition` says what it divides, where the page explains its figures."""

    name: str
    label: str | Promise
    kind: Kind
    placements: frozenset[Placement] = frozenset()
    monthly: bool = False
    parts: tuple[tuple[str, str | Promise], ...] = ()
    ratio: tuple[str, str] | None = None
    definition: str | Promise = ""
    provider: str = field(default="", compare=False)  # the app's label, set by the registry


class Provider(Protocol):
    FIGURES: tuple[Figure, ...]

    def figures(
        self, *, start: datetime.datetime, end: datetime.datetime, site_path: str | None
    ) -> dict[str, Any]: ...

    def monthly(
        self, *, start: datetime.datetime, end: datetime.datetime, site_path: str | None
    ) -> dict[str, dict[str, Any]]: ...

    def monthly_by_site(
        self, *, start: datetime.datetime, end: datetime.datetime
    ) -> dict[tuple[str, int], dict[str, Any]]: ...

    def by_site(
        self, *, start: datetime.datetime, end: datetime.datetime
    ) -> dict[int, dict[str, Any]]: ...


def providers() -> dict[str, Provider]:
    """Every declared provider by its app's label, in INSTALLED_APPS order."""
    return {config.label: import_module(path) for config, path in declared("statistics_provider")}


def declared_figures() -> list[Figure]:
    """Every provider's figures, in the order of the apps and of their declarations."""
    return [
        replace(figure, provider=name)
        for name, provider in providers().items()
        for figure in provider.FIGURES
    ]


def figures_at(placement: Placement) -> list[Figure]:
    return [figure for figure in declared_figures() if placement in figure.placements]


def monthly_names(provider: Provider) -> frozenset[str]:
    """The figures of the provider's `monthly` (its ratios are the core's to divide)."""
    return frozenset(
        figure.name for figure in provider.FIGURES if figure.monthly and figure.ratio is None
    )


def ratios() -> list[tuple[str, str, str]]:
    """The declared shares the core divides from their two counts: (share, numerator,
    denominator)."""
    return [
        (figure.name, *figure.ratio) for figure in declared_figures() if figure.ratio is not None
    ]


def summed_names(provider: Provider) -> frozenset[str]:
    """The monthly figures a window adds up from its months (so, from the roll-up), and that the
    provider's `figures` leaves out."""
    return frozenset(figure.name for figure in provider.FIGURES if figure.kind == Kind.SUMMED)


def declaration_errors() -> list[str]:
    """What is wrong with the declarations (a system check reports it at start-up)."""
    errors, seen = [], set()
    for figure in declared_figures():
        if figure.name in seen:
            errors.append(f"{figure.provider}: the figure {figure.name!r} is declared twice")
        seen.add(figure.name)
        if figure.kind == Kind.SUMMED and not figure.monthly:
            errors.append(f"{figure.provider}: {figure.name!r} is summed but not monthly")
        if Placement.TREND in figure.placements and not figure.monthly:
            errors.append(f"{figure.provider}: {figure.name!r} is in the trend but not monthly")
        errors += _ratio_errors(figure)
    return errors


def _ratio_errors(figure: Figure) -> list[str]:
    """A ratio is a share of two summed monthly figures of its own provider: then every
    window, month, subtree and school has both counts to divide."""
    if figure.ratio is None:
        return []
    summed = {
        declared.name
        for declared in providers()[figure.provider].FIGURES
        if declared.kind == Kind.SUMMED and declared.monthly
    }
    errors = [
        f"{figure.provider}: {figure.name!r} divides {name!r}, not a summed figure of its own"
        for name in figure.ratio
        if name not in summed
    ]
    if figure.kind != Kind.SHARE:
        errors.append(f"{figure.provider}: {figure.name!r} is a ratio but not a share")
    return errors
