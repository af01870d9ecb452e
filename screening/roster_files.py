"""Reading a roster file: XLSX or CSV (UTF-8, UTF-8 with BOM, GB18030), checked before a single
row is read (ENGINEERING.md §4.3–4.4). Everything that is refused raises `RefusedRosterError` with a
message for the person who uploaded it; nothing here touches the database."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator

from django.conf import settings
from django.utils.translation import gettext as _

XLSX_MAGIC = b"PK\x03\x04"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
UTF8_BOM = b"\xef\xbb\xbf"


class RefusedRosterError(Exception):
    """The file as a whole cannot be imported; `message` says why, in the uploader's language."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


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


def text_of(value) -> str:
    if value is None:
        return ""
    return str(value).strip().lstrip("\ufeff")


def _xlsx_rows(data: bytes) -> Iterator[list]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        uncompressed = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as error:
        raise RefusedRosterError(_("The Excel workbook is damaged and cannot be read.")) from error
    if uncompressed > settings.ROSTER_MAX_XLSX_UNCOMPRESSED_BYTES:
        # A zip bomb, or simply too much: refused before openpyxl unpacks anything.
        raise RefusedRosterError(
            _("The workbook unpacks to more than %(megabytes)s MB; split it into several files.")
            % {"megabytes": settings.ROSTER_MAX_XLSX_UNCOMPRESSED_BYTES // 1_000_000}
        )
    # python-calamine (Rust) reads a 50,000-row sheet ten times faster than openpyxl.
    from python_calamine import CalamineWorkbook

    try:
        sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)
        rows = sheet.to_python(skip_empty_area=False)
    except Exception as error:  # calamine raises its own kinds for a broken workbook
        raise RefusedRosterError(_("The Excel workbook is damaged and cannot be read.")) from error
    return iter(rows)


def _csv_rows(data: bytes) -> Iterator[list]:
    return csv.reader(io.StringIO(decode_csv(data), newline=""))


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
    """How many data rows to expect, for the progress bar (0 when it cannot be told cheaply)."""
    try:
        if data.startswith(XLSX_MAGIC):
            archive = zipfile.ZipFile(io.BytesIO(data))
            if sum(info.file_size for info in archive.infolist()) > (
                settings.ROSTER_MAX_XLSX_UNCOMPRESSED_BYTES
            ):
                return 0
            from python_calamine import CalamineWorkbook

            sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)
            return max(sheet.total_height - 1, 0)
        return max(data.count(b"\n") - 1, 0)
    except Exception:  # only an estimate: the import itself reports what is wrong
        return 0
