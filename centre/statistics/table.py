"""The figures of a window as spreadsheet rows (the export and the monthly report), and their
labels in the reader's language.

Rows are built with the figures' names (`visits`, `referrals_by_state.created`), so that a
stored report holds no language; `labelled` turns the names into the declared labels of the
language active when the rows are given to a reader."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from centre.statistics.figures import figures, per_school, per_site, trend
from centre.statistics.masking import (
    NETWORK,
    CellKey,
    hidden_by_month,
    hidden_cells,
    masked_figures,
    masked_trend,
)
from centre.statistics.months import Window
from centre.statistics.registry import Placement, declared_figures, figures_at

if TYPE_CHECKING:
    from centre.models import Site

FIGURE_HEADER = "figure"  # the name column of the totals
MONTH_HEADER = "month"  # the first column of the month-by-month table


def rows_for_export(
    window: Window,
    *,
    site_path: str | None = None,
    key: CellKey | None = NETWORK,
    clinical: bool = True,
) -> list[list[Any]]:
    """The figures of a window as spreadsheet rows: totals in the order of the declarations,
    then month by month; masked for a reader without clinical access below the network (`key`:
    `site_key` of the site)."""
    totals = figures(window, site_path=site_path)
    months = trend(window, site_path=site_path)
    if not clinical and key is not NETWORK:
        totals = masked_figures(totals, key=key, hidden=hidden_cells(window), clinical=False)
        months = masked_trend(
            months, key=key, hidden_by_month=hidden_by_month(window), clinical=False
        )
    declared = declared_figures()
    rows: list[list[Any]] = [[FIGURE_HEADER, window.label()]]
    for figure in declared:
        value = totals.get(figure.name)
        if isinstance(value, dict):
            rows += [[f"{figure.name}.{part}", count] for part, count in value.items()]
        else:
            rows.append([figure.name, value])
    names = [figure.name for figure in declared if figure.monthly]
    rows += [[], [MONTH_HEADER, *names]]
    rows += [[month, *(values.get(name, 0) for name in names)] for month, values in months.items()]
    return rows


def figure_labels() -> dict[str, str]:
    """Each figure's name (and each part of a breakdown's) and its label in the active
    language, with the headers of the tables."""
    labels: dict[str, str] = {FIGURE_HEADER: _("Figure"), MONTH_HEADER: _("Month")}
    for figure in declared_figures():
        labels[figure.name] = str(figure.label)
        for part, part_label in figure.parts:
            labels[f"{figure.name}.{part}"] = _("%(figure)s: %(part)s") % {
                "figure": figure.label,
                "part": part_label,
            }
    return labels


def labelled(rows: list[list[Any]]) -> list[list[Any]]:
    """The rows with every figure's name (and each part of a breakdown) replaced by its label,
    in the active language."""
    labels = figure_labels()
    return [[_label(cell, labels) for cell in row] for row in rows]


def export_sheets(
    window: Window,
    *,
    site: Site | None = None,
    children: Sequence[Site] = (),
    clinical: bool = True,
    key: CellKey | None = NETWORK,
) -> list[tuple[str, list[list[Any]]]]:
    """The statistics export, labelled in the active language, as (sheet title, rows): the
    chosen site's figures (the whole network's without one) with their months, one sheet of
    the sites below it (`children`, each with its subtree) and one of its schools, masked for a
    reader without clinical access as the page masks them. Every sheet opens with the site and
    the window it covers, so a printed or forwarded sheet says what it counts."""
    where = f"{site.name} ({site.code})" if site is not None else _("Whole network")

    def heading(title: str) -> list[list[Any]]:
        return [[title], [_("Site"), where], [_("Window"), window.label()], []]

    path = site.path if site is not None else None
    summary = labelled(rows_for_export(window, site_path=path, key=key, clinical=clinical))
    hidden = None if clinical else hidden_cells(window)

    def cells(values: dict[str, Any], cell_key: CellKey) -> list[Any]:
        if hidden is not None:
            values = masked_figures(values, key=cell_key, hidden=hidden, clinical=False)
        return list(values.values())

    labels = figure_labels()
    site_columns = figures_at(Placement.PER_SITE)
    breakdown = per_site(window, children)
    sites: list[list[Any]] = [
        [_("Site"), _("Code"), *(labels[figure.name] for figure in site_columns)]
    ]
    for child in children:
        counted = breakdown.get(child.pk, {})
        values = {figure.name: counted.get(figure.name, 0) for figure in site_columns}
        sites.append([child.name, child.code, *cells(values, ("site", child.pk))])
    school_columns = figures_at(Placement.PER_SCHOOL)
    schools: list[list[Any]] = [[_("School"), *(labels[figure.name] for figure in school_columns)]]
    for row in per_school(window, site_path=path):
        values = {figure.name: row.get(figure.name, 0) for figure in school_columns}
        schools.append([row["school"], *cells(values, ("school", row["school_id"]))])
    title = site.code if site is not None else _("Whole network")
    return [
        (str(title), [*heading(where), *summary]),
        (_("Per site"), [*heading(_("Per site")), *sites]),
        (_("Per school"), [*heading(_("Per school")), *schools]),
    ]


def _label(cell: Any, labels: dict[str, str]) -> Any:
    return labels.get(cell, cell) if isinstance(cell, str) else cell
