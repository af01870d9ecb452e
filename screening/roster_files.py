"""Reading a roster file: XLSX or CSV (UTF-8, UTF-8 with BOM, GB18030), checked before a single
row is read (ENGINEERING.md §4.3–4.4). Everything that is refused raises `RefusedRosterError` with a
message for the person who uploaded it; nothing here touches the database."""

from __future__ import annotations

import csv
import io
import itertools
import re
import zipfile
from collections.abc import Callable, Iterator

from django.conf import settings
from django.utils.translation import gettext as _

from screening.roster_limits import RefusedRosterError, RosterLimits, unpacks_too_much
from screening.roster_xlsx import declared_rows, every_sheet_rows, first_sheet_rows, sheet_count

XLSX_MAGIC = b"PK\x03\x04"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
UTF8_BOM = b"\xef\xbb\xbf"


def rows_of(data: bytes, name: str) -> tuple[list[str], Iterator[list]]:
    """The header and an iterator over the data rows (lists of cell values)."""
    if not data:
        raise RefusedRosterError(_("The file is empty."))
    if len(data) > settings.ROSTER_MAX_BYTES:
        raise RefusedRosterError(
            _("The file is larger than %(megabytes)s MB; split it into several files.")
            % {"megabytes": settings.ROSTER_MAX_BYTES // 1_000_000}
        )
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    is_zip = data.startswith(XLSX_MAGIC)
    if extension == "xlsx":
        if not is_zip:
            raise RefusedRosterError(_("This file is called .xlsx but is not an Excel workbook."))
        rows = _xlsx_rows(data)
    elif extension == "csv":
        if is_zip:
            raise RefusedRosterError(_("This file is called .csv but is an archive or a workbook."))
        rows = _csv_rows(data)
    else:
        raise RefusedRosterError(_("Upload an Excel workbook (.xlsx) or a CSV file (.csv)."))
    header = next(rows, None)
    if header is None or not any(text_of(cell) for cell in header):
        raise RefusedRosterError(_("The file has no header row."))
    return [text_of(cell) for cell in header], rows


# How many rows above the header a roster may have: a title, the school, the date, a blank line.
MAX_TITLE_ROWS = 5


def rows_after_header(
    data: bytes, name: str, *, is_header: Callable[[list[str]], bool]
) -> tuple[list[str], int, Iterator[list]]:
    """Like `rows_of`, for a roster as schools export it: a title row or a few above the header
    are passed over. The header is the first of the first rows that `is_header` recognises, else
    the first row (whose columns then say what is wrong). Returns the header, its number among
    the rows read (1 for the first), and the rows after it."""
    first, rows = rows_of(data, name)
    looked: list[list] = [first]
    while not is_header([text_of(cell) for cell in looked[-1]]) and len(looked) <= MAX_TITLE_ROWS:
        following = next(rows, None)
        if following is None:
            break
        looked.append(following)
    found = [text_of(cell) for cell in looked[-1]]
    if is_header(found):
        return found, len(looked), rows
    return first, 1, itertools.chain(looked[1:], rows)


def sheets_after_header(
    data: bytes, name: str, *, is_header: Callable[[list[str]], bool]
) -> list[tuple[str, list[str], int, Iterator[list]]]:
    """A roster's sheets that have a header `is_header` recognises (below a few title rows):
    each sheet's name, header, header row and rows. A workbook exported a sheet per class is
    read whole; sheets without the header (notes, a cover) are passed over. A CSV, or a
    workbook whose sheets have no such header, is one sheet as `rows_after_header` reads it."""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if (
        extension != "xlsx"
        or not data.startswith(XLSX_MAGIC)
        or len(data) > settings.ROSTER_MAX_BYTES
    ):
        return [("", *rows_after_header(data, name, is_header=is_header))]
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        uncompressed = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        return [("", *rows_after_header(data, name, is_header=is_header))]  # says it is damaged
    if uncompressed > settings.ROSTER_MAX_XLSX_UNCOMPRESSED_BYTES:
        raise RefusedRosterError(unpacks_too_much())
    if sheet_count(archive) == 1:
        return [("", *rows_after_header(data, name, is_header=is_header))]
    found = []
    sheets = every_sheet_rows(archive)
    for sheet_name, rows in sheets:
        looked: list[list] = []
        for row in rows:
            looked.append(row)
            header = [text_of(cell) for cell in row]
            if is_header(header):
                found.append((sheet_name, header, len(looked), rows))
                break
            if len(looked) > MAX_TITLE_ROWS:
                break
    return found or [("", *rows_after_header(data, name, is_header=is_header))]


def text_of(value) -> str:
    """A cell as text, the same whichever format it came from: a number Excel stored as
    20260011.0 reads 20260011, as in the CSV; text (leading zeros and all) is kept as typed, less
    the surrounding whitespace."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip().lstrip("\ufeff")


def _xlsx_rows(data: bytes) -> Iterator[list]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        uncompressed = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as error:
        raise RefusedRosterError(_("The Excel workbook is damaged and cannot be read.")) from error
    if uncompressed > settings.ROSTER_MAX_XLSX_UNCOMPRESSED_BYTES:
        # A zip bomb, or simply too much: refused before anything is unpacked.
        raise RefusedRosterError(unpacks_too_much())
    # Read by our own streaming reader (roster_xlsx), never by one that sizes the sheet first:
    # python-calamine allocates the whole range up to the farthest cell (XFD1048576 aborts the
    # process) and openpyxl trusts the declared dimension.
    return first_sheet_rows(archive)


def _csv_rows(data: bytes) -> Iterator[list]:
    limits = RosterLimits()
    # Before parsing: the csv module builds a whole line as one list, so a line of a million
    # commas would cost 8 bytes a field. A comma is never part of a multibyte character in
    # UTF-8 or GB18030; commas inside quotes count too, which only errs on the safe side.
    if re.search(rb"(?:,[^,\n]*){%d}" % limits.columns, data):
        limits.check_column(limits.columns + 1)
    reader = csv.reader(io.StringIO(decode_csv(data), newline=""))
    for records in itertools.count(0):
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:  # a field over csv.field_size_limit(), a stray NUL…
            raise RefusedRosterError(
                _("Line %(line)s of the file cannot be read as CSV (a cell too long or broken).")
                % {"line": reader.line_num}
            ) from error
        while row and not row[-1].strip():
            row.pop()  # Excel pads short rows with empty cells
        if row:
            limits.check_column(len(row))
            limits.count_cells(sum(1 for cell in row if cell))
        limits.check_row(records)  # the header is record 0
        yield row


def decode_csv(data: bytes) -> str:
    """UTF-8 (with or without BOM), else GB18030 — never GBK, which loses characters such as
    䶮. UTF-16 and anything else is refused."""
    if data.startswith(UTF16_BOMS):
        raise RefusedRosterError(
            _("The file is in UTF-16. Save it as CSV UTF-8 (or Excel .xlsx) and upload again.")
        )
    if data.startswith(UTF8_BOM):
        data = data[len(UTF8_BOM) :]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError as error:
            raise RefusedRosterError(
                _("The file's encoding is not supported. Save it as CSV UTF-8 or Excel .xlsx.")
            ) from error
    if "\x00" in text:
        raise RefusedRosterError(
            _("The file's encoding is not supported. Save it as CSV UTF-8 or Excel .xlsx.")
        )
    return text


def estimated_rows(data: bytes, name: str) -> int:
    """How many data rows to expect, for the progress bar only (0 when it cannot be told
    cheaply): a workbook's declared dimension, which may lie, so never more than a roster may
    have."""
    try:
        if data.startswith(XLSX_MAGIC):
            declared = declared_rows(zipfile.ZipFile(io.BytesIO(data)))
        else:
            declared = data.count(b"\n")
        return min(max(declared - 1, 0), settings.ROSTER_MAX_ROWS)
    except Exception:  # only an estimate: the import itself reports what is wrong
        return 0
