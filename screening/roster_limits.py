"""What refuses a roster, below both readers (`roster_files` for the file, `roster_xlsx` for a
workbook's sheet): the error that carries the uploader's message, the limits checked while a
roster is read, and the message for a workbook that unpacks to too much."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _


class RefusedRosterError(Exception):
    """The file as a whole cannot be imported; `message` says why, in the uploader's language."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def unpacks_too_much() -> str:
    """Why a workbook is refused whose parts unpack to more than a roster may."""
    return _("The workbook unpacks to more than %(megabytes)s MB; split it into several files.") % {
        "megabytes": settings.ROSTER_MAX_XLSX_UNCOMPRESSED_BYTES // 1_000_000
    }


class RosterLimits:
    """What a roster may be, checked while it is read (ROSTER_MAX_ROWS data rows,
    ROSTER_MAX_COLUMNS columns, ROSTER_MAX_CELLS non-empty cells): a file beyond them is refused
    before memory grows, whatever its declared size."""

    def __init__(self) -> None:
        self.rows = settings.ROSTER_MAX_ROWS
        self.columns = settings.ROSTER_MAX_COLUMNS
        self.cells = settings.ROSTER_MAX_CELLS
        self.cells_seen = 0

    def check_row(self, data_rows: int) -> None:
        """`data_rows`: how many rows after the header the roster reaches so far."""
        if data_rows > self.rows:
            raise RefusedRosterError(
                _("The roster has more than %(rows)s rows; split it into several files.")
                % {"rows": self.rows}
            )

    def check_column(self, column: int) -> None:
        """`column`: 1 for column A."""
        if column > self.columns:
            raise RefusedRosterError(
                _("The roster has a value beyond column %(columns)s; remove it and upload again.")
                % {"columns": self.columns}
            )

    def count_cells(self, count: int) -> None:
        self.cells_seen += count
        if self.cells_seen > self.cells:
            raise RefusedRosterError(
                _("The roster has more than %(cells)s filled cells; split it into several files.")
                % {"cells": self.cells}
            )
