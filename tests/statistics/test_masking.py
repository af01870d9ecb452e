"""Small counts (DOMAIN.md §5.3, analyst: small cells suppressed): a reader without clinical
access (the statistics administrator) can neither read nor work out any count under 5 below the
network — not by choosing the small site (page, trend, export), not by subtracting the other
sites from the network, not by subtracting one window from another; clinical readers still see
exact figures, and the network stays exact."""

from __future__ import annotations

from fractions import Fraction
from io import BytesIO

import pytest
import time_machine
from openpyxl import load_workbook

from centre import statistics
from centre.models import Site
from centre.monthly_report import monthly_report_build
from screening import importing
from screening.models import RosterImport
from tests.support.accounts import switch_to
from tests.support.clock import at
from tests.support.rosters import csv_bytes, roster_rows

# New cases in April 2026, by site; March has 5 at K02-S001 and 1 at K03-S001. The city centre
# has none of its own, so the network is the sum of the county centres.
APRIL = {"K01": 6, "K02-S001": 7, "K03-S001": 2}
MARCH = {"K02-S001": 5, "K03-S001": 1}
WINDOWS = [("2026-03", "2026-03"), ("2026-04", "2026-04"), ("2026-03", "2026-04")]
FIGURES = ["new_cases", "active_cases", "screened_students"]


@pytest.fixture
def spread(make_case, campaign, staff_at):
    # A child is registered by the staff of the site they are registered at.
    counsellors = {
        code: staff_at(f"counsellor-{code.lower()}", "counsellor", code)
        for code in {*MARCH, *APRIL}
    }
    for month, counts in ((3, MARCH), (4, APRIL)):
        with time_machine.travel(at(2026, month, 10), tick=False):
            for code, count in counts.items():
                for _ in range(count):
                    make_case(counsellor=counsellors[code], site=Site.objects.get(code=code))
    with time_machine.travel(at(2026, 4, 12), tick=False):
        roster = RosterImport.objects.create(
            campaign=campaign, uploaded_by=campaign.liaison, original_name="r.csv"
        )
        importing.run_import(roster, csv_bytes(roster_rows(3)))  # 3 students at SCH-0101


def export(client, window, site: str = "") -> dict:
    with time_machine.travel(at(2026, 5, 2), tick=False):
        response = client.get(
            "/statistics/export.xlsx", {"from": window[0], "to": window[1], "site": site}
        )
    sheet = load_workbook(BytesIO(response.content)).active
    names = {label: name for name, label in export_labels().items()}  # the reader's labels
    rows = [[names.get(cell.value, cell.value) for cell in row] for row in sheet.iter_rows()]
    totals = {row[0]: row[1] for row in rows if row[0] and row[0] not in ("figure", "month")}
    header = next(row for row in rows if row[0] == "month")
    months = {
        row[0]: dict(zip(header[1:], row[1:], strict=True))
        for row in rows[rows.index(header) + 1 :]
    }
    return {"totals": totals, "months": months}


def export_labels() -> dict[str, str]:
    """Each name of the export's rows and its label in the default language."""
    names = [["figure", "month"]]
    names += [[figure.name, *(f"{figure.name}.{part}" for part, _ in figure.parts)]
              for figure in statistics.declared_figures()]  # fmt: skip
    flat = [name for row in names for name in row]
    return dict(zip(flat, statistics.labelled([flat])[0], strict=True))


def page(client, window, site: str = "") -> str:
    with time_machine.travel(at(2026, 5, 2), tick=False):
        return client.get("/statistics/", {"from": window[0], "to": window[1], "site": site}).text


def per_site_cells(html: str) -> dict[str, list[str]]:
    """The per-site table: site name → its cells as shown."""
    table = html.split('id="per-site"')[1].split("</table>")[0].split("<tbody>")[1]
    rows = {}
    for row in table.split("<tr>")[1:]:
        cells = [cell.split("</td>")[0] for cell in row.split("<td>")[1:]]
        if cells:  # not the "no site below this one" row
            rows[cells[0]] = cells[1:]
    return rows


def test_choosing_a_small_site_shows_it_masked_on_the_page_trend_and_export(client, spread):
    switch_to(client, "stats")
    april = export(client, ("2026-04", "2026-04"), "K03")
    assert april["totals"]["new_cases"] == "<5"
    assert april["months"]["2026-04"]["new_cases"] == "<5"
    assert april["totals"]["referrals_by_state"] == "*"  # breakdowns stay at the network
    html = page(client, ("2026-04", "2026-04"), "K03")
    figures = html.split('id="figures"')[1].split("</dl>")[0]
    values = [dd.split("</dd>")[0] for dd in figures.split("<dd>")[1:]]
    assert values[2] == "&lt;5"  # new cases
    assert 'id="masking-legend"' in html
    chart = html.split('<figure class="card chart">')[2].split("</svg>")[0]  # new cases
    assert "04: &lt;5" in chart
    network = export(client, ("2026-04", "2026-04"))
    assert network["totals"]["new_cases"] == 15  # the network is exact
    assert network["months"]["2026-04"]["new_cases"] == 15


def test_clinical_readers_see_exact_figures(client, spread):
    switch_to(client, "supervisor")
    k01_april = export(client, ("2026-04", "2026-04"), "K01")
    assert k01_april["totals"]["new_cases"] == 6
    assert k01_april["totals"]["screened_students"] == 3
    rows = per_site_cells(page(client, ("2026-04", "2026-04"), "K01"))
    assert all("&lt;5" not in cell and "*" not in cell for cells in rows.values() for cell in cells)
    assert ">3<" in page(client, ("2026-04", "2026-04"), "K01").split('id="per-school"')[1]


def test_subtracting_sites_from_the_network_gives_nothing_back(client, spread):
    """The issue's attack: K03 hidden alone, the network less K01 and K02 would give it."""
    switch_to(client, "stats")
    rows = per_site_cells(page(client, ("2026-04", "2026-04")))
    new_cases = {name: cells[1] for name, cells in rows.items()}
    names = {site.code: site.name for site in Site.objects.all()}
    assert new_cases[names["K03"]] == "&lt;5"
    hidden = [name for name, value in new_cases.items() if not value.isdigit()]
    assert len(hidden) >= 2
    assert new_cases[names["K01"]] == "*"  # the smallest other cell is withheld with it


def test_no_count_under_5_below_the_network_can_be_read_or_derived(client, spread):
    """Everything a statistics administrator can read, for every site and window, put into
    the equations that tie the figures together (a site is its own records plus its child sites;
    a window is its months): no count under 5 is shown below the network, and none is
    determined by what is shown."""
    switch_to(client, "stats")
    sites = list(Site.objects.all())
    shown: dict[tuple, object] = {}

    def read(quantity, value):
        if quantity in shown and isinstance(shown[quantity], int) and isinstance(value, int):
            assert shown[quantity] == value, quantity
        if quantity not in shown or isinstance(value, int):
            shown[quantity] = value

    for window in WINDOWS:
        for site in [None, *sites]:
            code = site.code if site else ""
            where = "network" if site is None or site.parent_id is None else site.code
            figures = export(client, window, code)["totals"]
            for figure in FIGURES:
                read((figure, window, where), figures[figure])
            html = page(client, window, code)
            for name, cells in per_site_cells(html).items():
                child = next(s for s in sites if s.name == name)
                read(("new_cases", window, child.code), _number(cells[1]))
                read(("active_cases", window, child.code), _number(cells[2]))
    exact = {}
    for window in WINDOWS:
        with time_machine.travel(at(2026, 5, 2), tick=False):
            values = statistics.per_site(statistics.Window.parse(*window), sites)
        for site in sites:
            where = "network" if site.parent_id is None else site.code
            for figure in FIGURES:
                exact[(figure, window, where)] = values[site.pk].get(figure, 0)
    for quantity, value in shown.items():
        if quantity[2] != "network":
            assert not (isinstance(value, int) and value < 5), quantity
    for figure in FIGURES:
        unknowns = _determined(figure, shown, exact, sites)
        for quantity in unknowns:
            assert exact[quantity] >= 5, f"{quantity} = {exact[quantity]} can be worked out"


def _number(cell: str):
    return int(cell) if cell.isdigit() else cell


def _determined(figure, shown, exact, sites) -> list[tuple]:
    """The hidden quantities of `figure` that the shown ones determine, by exact elimination:
    each site is the sum of its child sites and its own records (known when it has none), a
    two-month window the sum of its months (for flow figures)."""
    parents = {site.pk: site.parent_id for site in sites}
    code = {site.pk: ("network" if site.parent_id is None else site.code) for site in sites}
    equations = []
    for window in WINDOWS:
        for site in sites:
            children = [code[pk] for pk, parent in parents.items() if parent == site.pk]
            if children:
                own = exact[(figure, window, code[site.pk])] - sum(
                    exact[(figure, window, child)] for child in children
                )
                terms = {(figure, window, code[site.pk]): 1}
                terms |= {(figure, window, child): -1 for child in children}
                if own:
                    terms[("own", figure, window, code[site.pk])] = -1
                equations.append((terms, 0))
    if figure == "new_cases":
        for site in sites:
            where = code[site.pk]
            terms = {(figure, WINDOWS[2], where): 1, (figure, WINDOWS[0], where): -1}
            terms[(figure, WINDOWS[1], where)] = -1
            equations.append((terms, 0))
    known = {q: v for q, v in shown.items() if isinstance(v, int) and q[0] == figure}
    rows = []
    for terms, constant in equations:
        row = {q: Fraction(c) for q, c in terms.items() if q not in known}
        rhs = Fraction(constant) - sum(c * known[q] for q, c in terms.items() if q in known)
        if row:
            rows.append((row, rhs))
    return [
        quantity
        for quantity in {q for row, _ in rows for q in row if q[0] == figure}
        if _pinned_down(quantity, rows)
    ]


def _pinned_down(target, rows) -> bool:
    """Whether the linear equations `rows` fix `target` (Gaussian elimination over fractions)."""
    variables = sorted({q for row, _ in rows for q in row}, key=lambda q: (q != target, str(q)))
    matrix = [[row.get(v, Fraction(0)) for v in variables] for row, _ in rows]
    # Eliminate every other variable; `target` is fixed iff a row reduces to target alone.
    pivot_row = 0
    pivots = []
    for column in range(len(variables) - 1, -1, -1):
        found = next((r for r in range(pivot_row, len(matrix)) if matrix[r][column] != 0), None)
        if found is None:
            continue
        matrix[pivot_row], matrix[found] = matrix[found], matrix[pivot_row]
        for r in range(len(matrix)):
            if r != pivot_row and matrix[r][column] != 0:
                factor = matrix[r][column] / matrix[pivot_row][column]
                matrix[r] = [
                    a - factor * b for a, b in zip(matrix[r], matrix[pivot_row], strict=True)
                ]
        pivots.append(column)
        pivot_row += 1
    index = variables.index(target)
    return any(
        row[index] != 0 and all(value == 0 for i, value in enumerate(row) if i != index)
        for row in matrix
    )


def test_the_monthly_report_keeps_the_network_exact(spread):
    with time_machine.travel(at(2026, 5, 1, 6), tick=False):
        report = monthly_report_build()
    sheet = load_workbook(BytesIO(report.file.read())).active
    rows = {row[0].value: row[1].value for row in sheet.iter_rows() if row[0].value}
    assert rows["new_cases"] == 15  # stored with the figures' names, labelled when downloaded
    assert rows["screened_students"] == 3
