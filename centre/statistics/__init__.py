"""The centre's figures, composed from the statistics providers the apps declare on their
AppConfig (`statistics_provider`); `centre` knows no app's models. One job a module, each
importing only those before it:

    months    windows of whole months; counting records by month (for providers)
    registry  the declared providers and their figures (labels, kinds, placements)
    rollup    the months stored in MonthlyFigure, kept exact by the stale-month triggers
    figures   a window's figures, the trend, per site and per school
    masking   small counts hidden from readers without clinical access
    table     spreadsheet rows of a window, labelled in the reader's language

The monthly report (building, storing, telling) is `centre.monthly_report`, above all of them.
The names below are re-exported for the callers: `from centre import statistics`."""

from centre.statistics.figures import counted_by_site, figures, per_school, per_site, trend
from centre.statistics.masking import (
    NETWORK,
    SMALL,
    SMALL_COUNT,
    WITHHELD,
    hidden_by_month,
    hidden_cells,
    masked,
    masked_figures,
    masked_trend,
    site_key,
)
from centre.statistics.months import (
    EARLIEST_MONTH,
    LATEST_MONTH,
    MONTH,
    WINDOW_MAX_MONTHS,
    Window,
    add_months,
    count_by_month,
    len_months,
    month_runs,
    month_start,
    parse_month,
)
from centre.statistics.registry import (
    Figure,
    Kind,
    Placement,
    Provider,
    declared_figures,
    figures_at,
    providers,
)
from centre.statistics.rollup import (
    ROLLUP_LOCK,
    months_by_site,
    rolled_up_figures,
    rolled_up_months,
    rollup_before_horizon,
    rollup_enabled,
    rollup_horizon,
    rollup_refresh,
)
from centre.statistics.table import export_sheets, figure_labels, labelled, rows_for_export

__all__ = [
    "EARLIEST_MONTH",
    "LATEST_MONTH",
    "MONTH",
    "NETWORK",
    "ROLLUP_LOCK",
    "SMALL",
    "SMALL_COUNT",
    "WINDOW_MAX_MONTHS",
    "WITHHELD",
    "Figure",
    "Kind",
    "Placement",
    "Provider",
    "Window",
    "add_months",
    "count_by_month",
    "counted_by_site",
    "declared_figures",
    "export_sheets",
    "figure_labels",
    "figures",
    "figures_at",
    "hidden_by_month",
    "hidden_cells",
    "labelled",
    "len_months",
    "masked",
    "masked_figures",
    "masked_trend",
    "month_runs",
    "month_start",
    "months_by_site",
    "parse_month",
    "per_school",
    "per_site",
    "providers",
    "rolled_up_figures",
    "rolled_up_months",
    "rollup_before_horizon",
    "rollup_enabled",
    "rollup_horizon",
    "rollup_refresh",
    "rows_for_export",
    "site_key",
    "trend",
]
