"""XLSX downloads (error reports, templates, statistics): one way to write them, with formula
injection neutralised (ENGINEERING.md §4.5), and every download audited."""

from __future__ import annotations

import io
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
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append([safe_cell(cell) for cell in header])
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
    audit_export(request, action, records, filename=filename)
    response = HttpResponse(workbook_bytes(header, rows), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
