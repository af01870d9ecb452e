"""Small counts: what a reader without clinical access may see of the figures (README
"Small counts"). One decision per quantity, whatever the page, the export or the window."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from centre.statistics.figures import counted_by_site, per_school
from centre.statistics.months import Window
from centre.statistics.registry import monthly_names, providers
from centre.statistics.rollup import months_by_site

if TYPE_CHECKING:
    from centre.models import Site

# A reader without clinical access (the statistics administrator) sees exact figures for the
# whole network only. Below it — a site's headline, trend and export, the per-site and per-school
# tables — no count under 5 may be read or worked out:
# - primary suppression: a cell under 5 (0 included) reads "<5";
# - complementary suppression: the figures of a site are its own records plus its child sites
#   (and, for screening, its schools), so in every such group whose total is shown, a lone
#   hidden cell (or one whose range is pinned by the others) gets company: the smallest shown
#   cell is withheld too ("*"); a hidden total always has a hidden part, so it cannot be summed
#   back up. A site's own records are never shown but assumed known unless under 5;
# - every quantity gets one decision, whatever the page: a window hides a site's monthly figure
#   wherever one of its months hides it, so windows cannot be subtracted from each other.

SMALL_COUNT = 5
SMALL = f"<{SMALL_COUNT}"  # a count under 5
WITHHELD = "*"  # a count withheld so that a count under 5 cannot be worked out
NETWORK = None  # the key of the whole network: never masked
CellKey = tuple[str, int]  # ("site", id), ("school", id), ("own", site id) or ("network", 0)


def masked(value: Any, *, clinical: bool, hidden: bool | None = None) -> Any:
    """The one masking function: a count as a reader sees it. Clinical readers see it exact;
    others "<5" under 5, "*" when withheld (`hidden`, from `hidden_cells`). Anything but a count
    (a share, a breakdown by state) is withheld below the network for them (`hidden=True`)."""
    if clinical:
        return value
    if not _is_count(value):
        return WITHHELD if hidden else value
    if value < SMALL_COUNT:
        return SMALL
    return WITHHELD if hidden else value


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(slots=True)
class _Cell:
    key: tuple[str, int]  # ("site", id), ("school", id), or ("own", site id): a site's own
    value: int
    parts: list[_Cell]

    @property
    def shown(self) -> bool:
        return self.key[0] != "own"  # a site's own records are never a row of their own

    @property
    def sensitive(self) -> bool:
        if self.shown:
            return self.value < SMALL_COUNT
        return 0 < self.value < SMALL_COUNT  # no own record at all discloses nobody


def site_key(site: Site | None) -> tuple[str, int] | None:
    """The key of a site in `hidden_cells`; NETWORK for none or a root that is the network."""
    from centre.models import Site

    if site is None or (site.parent_id is None and Site.objects.filter(parent=None).count() == 1):
        return NETWORK
    return ("site", site.pk)


def hidden_cells(
    window: Window, *, by_month: dict[str, dict[str, set[CellKey]]] | None = None
) -> dict[str, set[CellKey]]:
    """For each count of the window, the keys of the cells a reader without clinical access may
    not see (`masked(..., hidden=key in hidden_cells[figure])`). A monthly figure is hidden
    wherever one of the window's months hides it (`by_month`: `hidden_by_month` of a window
    holding this one's months, when the caller has it)."""
    children = _site_children()
    by_month = by_month or hidden_by_month(window)
    forced: dict[str, set[CellKey]] = {}
    for month in window.months():
        for figure, keys in by_month.get(f"{month:%Y-%m}", {}).items():
            forced.setdefault(figure, set()).update(keys)
    counted = counted_by_site(window)
    schools = per_school(window)
    names = {name for values in counted.values() for name in values} | set(forced)
    return {
        name: _protect_tree(
            _tree(children, counted, name, schools=schools), set(forced.get(name, ()))
        )
        for name in names
    }


def hidden_by_month(window: Window) -> dict[str, dict[str, set[CellKey]]]:
    """For each month of the window, the hidden cells of its monthly figures (the trend's). A
    month's site cells are decided as `hidden_cells` of that month alone decides them."""
    children = _site_children()
    names = {name for provider in providers().values() for name in monthly_names(provider)}
    counted = months_by_site(window)
    return {
        f"{month:%Y-%m}": {
            name: _protect_tree(
                _tree(children, counted.get(f"{month:%Y-%m}", {}), name, schools=[]), set()
            )
            for name in names
        }
        for month in window.months()
    }


def _site_children() -> dict[int | None, list[int]]:
    """Each site's child sites (None: the roots), in a stable order."""
    from centre.models import Site

    children: dict[int | None, list[int]] = {}
    for site_id, parent_id in Site.objects.order_by("id").values_list("id", "parent_id"):
        children.setdefault(parent_id, []).append(site_id)
    return children


def _tree(
    children: dict[int | None, list[int]],
    counted: dict[int, dict[str, Any]],
    figure: str,
    *,
    schools: list[dict[str, Any]],
) -> _Cell:
    """The site tree of one figure: each site with its child sites and its own records (with
    their schools, where the providers count per school)."""
    by_school: dict[int, list[_Cell]] = {}
    for row in schools:
        if figure in row:
            cell = _Cell(("school", row["school_id"]), row[figure], [])
            by_school.setdefault(row["site_id"], []).append(cell)

    def build(site_id: int) -> _Cell:
        own_value = counted.get(site_id, {}).get(figure, 0)
        own_schools = by_school.get(site_id, [])
        below = [build(child) for child in children.get(site_id, ())]
        if not below:
            return _Cell(("site", site_id), own_value, own_schools)
        own = _Cell(("own", site_id), own_value, own_schools)
        return _Cell(("site", site_id), own_value + sum(c.value for c in below), [*below, own])

    roots = [build(site_id) for site_id in children.get(None, ())]
    if len(roots) == 1:
        return roots[0]
    return _Cell(("network", 0), sum(root.value for root in roots), roots)


def _protect_tree(root: _Cell, hidden: set[CellKey]) -> set[CellKey]:
    """Complementary suppression from the network (always shown) down."""
    stack = [(root, False)]
    while stack:
        cell, cell_hidden = stack.pop()
        _protect_group(cell, cell_hidden, hidden)
        stack += [(part, part.key in hidden) for part in cell.parts]
    return hidden


def _protect_group(cell: _Cell, cell_hidden: bool, hidden: set[CellKey]) -> None:
    if not cell.parts:
        return
    unknown = [part for part in cell.parts if part.key in hidden or part.sensitive]
    hidden.update(part.key for part in unknown)

    def exposed() -> bool:
        if cell_hidden:
            return not unknown  # a hidden total would be the sum of its shown parts
        if len(unknown) < 2:
            return len(unknown) == 1
        return _pinned(unknown, sum(part.value for part in unknown))

    if not exposed():
        return
    spare = sorted(
        (part for part in cell.parts if part.shown and part.key not in hidden),
        key=lambda part: (part.value, part.key),
    )
    while spare and exposed():
        chosen = spare.pop(0)
        unknown.append(chosen)
        hidden.add(chosen.key)


def _pinned(unknown: list[_Cell], total: int) -> bool:
    """Whether a reader who knows the hidden cells' sum (the group's total less what is shown)
    and their ranges ("<5" is 0–4, "*" is 5 or more) can tell one of them exactly."""
    ranges = []
    for cell in unknown:
        if cell.value < SMALL_COUNT:
            ranges.append((0 if cell.shown else 1, SMALL_COUNT - 1))
        else:
            ranges.append((SMALL_COUNT, total))
    low_sum, high_sum = sum(low for low, _ in ranges), sum(high for _, high in ranges)
    for low, high in ranges:
        lowest = max(low, total - (high_sum - high))
        highest = min(high, total - (low_sum - low))
        if lowest >= highest:
            return True
    return False


def masked_figures(
    values: dict[str, Any],
    *,
    key: CellKey | None,
    hidden: dict[str, set[CellKey]],
    clinical: bool,
) -> dict[str, Any]:
    """A site's (or the network's) figures as a reader sees them."""
    if clinical or key is NETWORK:
        return values
    return {
        name: masked(value, clinical=False, hidden=key in hidden.get(name, {key}))
        for name, value in values.items()
    }


def masked_trend(
    months: dict[str, dict[str, Any]],
    *,
    key: CellKey | None,
    hidden_by_month: dict[str, dict[str, set[CellKey]]],
    clinical: bool,
) -> dict[str, dict[str, Any]]:
    """A trend as a reader sees it: each month masked with that month's decisions."""
    return {
        month: masked_figures(
            values, key=key, hidden=hidden_by_month.get(month, {}), clinical=clinical
        )
        for month, values in months.items()
    }
