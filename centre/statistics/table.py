"""The figures of a window as spreadsheet rows (the export and the monthly report), and their
labels in the reader's language.

Rows are built with the figures' names (`visits`, `referrals_by_state.created`), so that a
stored report holds no language; `labelled` turns the names into the declared labels of the
language active when the rows are given to a reader."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from centre.statistics.figures import figures, trend
from centre.statistics.masking import (
    NETWORK,
    CellKey,
    hidden_by_month,
    hidden_cells,
    masked_figures,
    masked_trend,
)
from centre.statistics.months import Window
from centre.statistics.registry import declared_figures

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


def labelled(rows: list[list[Any]]) -> list[list[Any]]:
    """The rows with every figure's name (and each part of a breakdown) replaced by its label,
    in the active language."""
    labels: dict[str, str] = {FIGURE_HEADER: _("Figure"), MONTH_HEADER: _("Month")}
    for figure in declared_figures():
        labels[figure.name] = str(figure.label)
        for part, part_label in figure.parts:
            labels[f"{figure.name}.{part}"] = _("%(figure)s: %(part)s") % {
                "figure": figure.label,
                "part": part_label,
            }
    return [[_label(cell, labels) for cell in row] for row in rows]


def _label(cell: Any, labels: dict[str, str]) -> Any:
    return labels.get(cell, cell) if isinstance(cell, str) else cell
