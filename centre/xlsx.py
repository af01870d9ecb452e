"""XLSX downloads (error reports, templates, statistics): one way to write them, with formula
injection neutralised (ENGINEERING.md §4.5), and every download audited."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from typing import Any, TypeVar

from django.db import models
from django.http import HttpRequest, HttpResponse
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from centre.audit import audit_export

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# What a worksheet cannot hold (control characters): openpyxl refuses the whole workbook.
UNREADABLE = "\ufffd"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"


Cell = TypeVar("Cell")


def safe_cell(value: Cell) -> Cell | str:
    """A text that Excel would run as a formula is written as text (a leading apostrophe); a
    control character (a hostile roster cell echoed in its error report) is shown as �, not
    the reason the whole download fails."""
    if not isinstance(value, str):
        return value
    readable = ILLEGAL_CHARACTERS_RE.sub(UNREADABLE, value)
    return "'" + readable if readable.startswith(FORMULA_STARTS) else readable


def workbook_bytes(header: list[str], rows: Iterable[Iterable[Any]], title: str = "Sheet") -> bytes:
    return sheets_bytes([(title, [header, *rows])])


# What a sheet's title may not hold (Excel refuses the workbook), and its length.
SHEET_TITLE_FORBIDDEN = re.compile(r"[\\/*?:\[\]]")
SHEET_TITLE_MAX = 31


def sheet_title(text: str, taken: set[str]) -> str:
    """A title Excel accepts, unique in its workbook (`taken`, updated)."""
    base = SHEET_TITLE_FORBIDDEN.sub(" ", ILLEGAL_CHARACTERS_RE.sub("", text)).strip("' ") or "-"
    title, number = base[:SHEET_TITLE_MAX], 1
    while title.casefold() in taken:
        number += 1
        suffix = f" ({number})"
        title = base[: SHEET_TITLE_MAX - len(suffix)] + suffix
    taken.add(title.casefold())
    return title


def sheets_bytes(sheets: Iterable[tuple[str, Iterable[Iterable[Any]]]]) -> bytes:
    """A workbook of several sheets, each (title, rows), in order."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    taken: set[str] = set()
    for title, rows in sheets:
        sheet = workbook.create_sheet(title=sheet_title(title, taken))
        for row in rows:
            sheet.append([safe_cell(cell) for cell in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_response(
    request: HttpRequest,
    filename: str,
    header: list[str],
    rows: Iterable[Iterable[Any]],
    *,
    action: str,
    records: models.Model | Iterable[models.Model] | None = None,
) -> HttpResponse:
    """The download, audited (`audit_export`): every export says who took which file."""
    return xlsx_sheets_response(
        request, filename, [("Sheet", [header, *rows])], action=action, records=records
    )


def xlsx_sheets_response(
    request: HttpRequest,
    filename: str,
    sheets: Iterable[tuple[str, Iterable[Iterable[Any]]]],
    *,
    action: str,
    records: models.Model | Iterable[models.Model] | None = None,
    data: dict[str, Any] | None = None,
) -> HttpResponse:
    """A download of several sheets, audited like every other (`audit_export`)."""
    content = sheets_bytes(sheets)
    audit_export(request, action, records, filename=filename, data=data)
    response = HttpResponse(content, content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def csv_bytes(rows: Iterable[Iterable[Any]]) -> bytes:
    """UTF-8 with a byte-order mark (Excel in Chinese reads it as GB18030 without one), every
    cell through `safe_cell` as in a workbook: no formula runs, no control character."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow(["" if cell is None else safe_cell(cell) for cell in row])
    return buffer.getvalue().encode("utf-8-sig")


def csv_response(
    request: HttpRequest,
    filename: str,
    rows: Iterable[Iterable[Any]],
    *,
    action: str,
    records: models.Model | Iterable[models.Model] | None = None,
    data: dict[str, Any] | None = None,
) -> HttpResponse:
    """A CSV download (the header its first row), audited like every other (`audit_export`)."""
    content = csv_bytes(rows)
    audit_export(request, action, records, filename=filename, data=data)
    response = HttpResponse(content, content_type=CSV_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
