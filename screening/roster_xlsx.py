"""Reading the first sheet of an XLSX roster as a stream of rows, with bounded memory.

Our own reader, on the standard library's expat: it never sizes the sheet first. The declared
<dimension> is ignored, cells are read one by one, and `RosterLimits` refuses a roster as soon as
a value lies beyond its rows or columns or there are too many filled cells — so a 2 kB workbook
with one cell at XFD1048576 costs nothing. Every part is read in chunks, counting the unpacked
bytes (the zip's own sizes may lie), and a document type declaration (entity expansion) is
refused outright. Values come out as Excel typed them: text, int for integral numbers, float,
bool, datetime for numbers in a date format."""

from __future__ import annotations

import datetime
import itertools
import posixpath
import re
import zipfile
from array import array
from collections.abc import Callable, Iterator
from typing import Any
from xml.parsers import expat

from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format
from openpyxl.utils.datetime import MAC_EPOCH, WINDOWS_EPOCH, from_excel
from openpyxl.utils.escape import unescape

from screening.roster_limits import RefusedRosterError, RosterLimits, unpacks_too_much

CHUNK = 64 * 1024
# Built-in number formats that are dates: the international ones and those of CJK locales.
DATE_FORMAT_IDS = frozenset([*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59)])
MAX_STYLES = 65_000  # Excel allows 64,000 cell formats
CELL_REFERENCE = re.compile(r"([A-Z]{1,3})(\d{1,7})")
DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"[A-Z]{1,3}\d+:[A-Z]{1,3}(\d{1,7})\"")


class DamagedWorkbookError(RefusedRosterError):
    def __init__(self) -> None:
        super().__init__(_("The Excel workbook is damaged and cannot be read."))


def first_sheet_rows(archive: zipfile.ZipFile) -> Iterator[list]:
    """The first sheet's rows from its first filled row, as lists of values (None when empty);
    rows with no value in between come out as empty lists."""
    budget = _Budget()
    sheet, epoch = _first_sheet(archive, budget)
    strings: _StringTable | list[str] = (
        _shared_strings(archive, budget) if "xl/sharedStrings.xml" in archive.NameToInfo else []
    )
    date_styles = _date_styles(archive, budget) if "xl/styles.xml" in archive.NameToInfo else set()
    reader = _SheetReader(strings, date_styles, epoch, RosterLimits())
    return _stream(archive, sheet, budget, reader)


def every_sheet_rows(archive: zipfile.ZipFile) -> list[tuple[str, Iterator[list]]]:
    """Each sheet's name and rows, in the workbook's order (a school's export has a sheet per
    class). The sheets share one budget of unpacked bytes and one set of limits (cells), so
    several sheets are bounded as one."""
    budget = _Budget()
    sheets, epoch = _sheets(archive, budget)
    strings: _StringTable | list[str] = (
        _shared_strings(archive, budget) if "xl/sharedStrings.xml" in archive.NameToInfo else []
    )
    date_styles = _date_styles(archive, budget) if "xl/styles.xml" in archive.NameToInfo else set()
    limits = RosterLimits()
    return [
        (name, _stream(archive, path, budget, _SheetReader(strings, date_styles, epoch, limits)))
        for name, path in sheets
    ]


def sheet_count(archive: zipfile.ZipFile) -> int:
    return len(_sheets(archive, _Budget())[0])


def _sheets(
    archive: zipfile.ZipFile, budget: _Budget
) -> tuple[list[tuple[str, str]], datetime.datetime]:
    """Every sheet's name and path, and the date epoch."""
    found: dict = {"sheets": [], "epoch": WINDOWS_EPOCH}

    def workbook_element(name: str, attributes: dict) -> None:
        name = _local(name)
        if name == "sheet":
            relation = next(
                (value for key, value in attributes.items() if _local(key) == "id"), None
            )
            found["sheets"].append((str(attributes.get("name", ""))[:31], relation))
        elif name == "workbookPr" and attributes.get("date1904") in ("1", "true"):
            found["epoch"] = MAC_EPOCH

    _parse(archive, "xl/workbook.xml", budget, _parser(workbook_element))
    targets = {}

    def relationship(name: str, attributes: dict) -> None:
        if _local(name) == "Relationship":
            targets[attributes.get("Id")] = attributes.get("Target", "")

    _parse(archive, "xl/_rels/workbook.xml.rels", budget, _parser(relationship))
    sheets = []
    for sheet_name, relation in found["sheets"]:
        target = targets.get(relation)
        if not target:
            raise DamagedWorkbookError
        path = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
        path = posixpath.normpath(path)
        if path not in archive.NameToInfo:
            raise DamagedWorkbookError
        sheets.append((sheet_name, path))
    if not sheets:
        raise DamagedWorkbookError
    return sheets, found["epoch"]


def declared_rows(archive: zipfile.ZipFile) -> int:
    """The row count the sheet declares — for a progress bar only, as it may lie."""
    sheet, _epoch = _first_sheet(archive, _Budget())
    with archive.open(sheet) as part:
        found = DIMENSION.search(part.read(CHUNK))
    return int(found.group(1)) if found else 0


class _Budget:
    """The unpacked bytes every part read so far adds up to (ROSTER_MAX_XLSX_UNCOMPRESSED_BYTES)."""

    def __init__(self) -> None:
        self.left = settings.ROSTER_MAX_XLSX_UNCOMPRESSED_BYTES

    def spend(self, size: int) -> None:
        self.left -= size
        if self.left < 0:
            raise RefusedRosterError(unpacks_too_much())


def _parser(start: Callable, end: Callable | None = None, text: Callable | None = None):
    """An expat parser calling `start(name, attributes)`, `end(name)` and `text(data)`; names
    keep their prefix (`x:c`): handlers compare local names (`_local`)."""
    parser = expat.ParserCreate()
    parser.buffer_text = True

    def refuse_doctype(*args) -> None:
        raise DamagedWorkbookError

    parser.StartDoctypeDeclHandler = refuse_doctype
    parser.EntityDeclHandler = refuse_doctype
    parser.StartElementHandler = start
    if end:
        parser.EndElementHandler = end
    if text:
        parser.CharacterDataHandler = text
    return parser


def _local(name: str) -> str:
    return name.rpartition(":")[2] if ":" in name else name


def _chunks(archive: zipfile.ZipFile, path: str, budget: _Budget) -> Iterator[bytes]:
    try:
        with archive.open(path) as part:
            while chunk := part.read(CHUNK):
                budget.spend(len(chunk))
                yield chunk
    except (KeyError, zipfile.BadZipFile, EOFError, OSError) as error:
        raise DamagedWorkbookError from error


def _parse(archive, path: str, budget: _Budget, parser) -> None:
    try:
        for chunk in _chunks(archive, path, budget):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except expat.ExpatError as error:
        raise DamagedWorkbookError from error


def _stream(archive, path: str, budget: _Budget, reader: _SheetReader) -> Iterator[list]:
    parser = _parser(reader.start, reader.end, reader.text)
    try:
        for chunk in _chunks(archive, path, budget):
            parser.Parse(chunk, False)
            yield from reader.take()
        parser.Parse(b"", True)
    except expat.ExpatError as error:
        raise DamagedWorkbookError from error
    yield from reader.take()


def _first_sheet(archive: zipfile.ZipFile, budget: _Budget) -> tuple[str, datetime.datetime]:
    """The path of the workbook's first sheet, and its date epoch (1900 or 1904)."""
    sheets, epoch = _sheets(archive, budget)
    return sheets[0][1], epoch


class _StringTable:
    """The shared strings, packed: blocks of joined text and their offsets, a few bytes a string
    instead of a Python object each (2.5 million strings: about 30 MB, not 200)."""

    BLOCK = 4096

    def __init__(self) -> None:
        self.blocks: list[tuple[str, array]] = []
        self.pending: list[str] = []
        self.count = 0

    def append(self, text: str) -> None:
        self.pending.append(text)
        self.count += 1
        if len(self.pending) == self.BLOCK:
            self.seal()

    def seal(self) -> None:
        if self.pending:
            offsets = array("I", itertools.accumulate(map(len, self.pending), initial=0))
            self.blocks.append(("".join(self.pending), offsets))
            self.pending = []

    def __getitem__(self, index: int) -> str:
        if not 0 <= index < self.count:
            raise IndexError(index)
        text, offsets = self.blocks[index // self.BLOCK]
        position = index % self.BLOCK
        return text[offsets[position] : offsets[position + 1]]


def _shared_strings(archive: zipfile.ZipFile, budget: _Budget) -> _StringTable:
    """The shared string table, at most as many strings as a roster may have cells."""
    limit = settings.ROSTER_MAX_CELLS
    strings = _StringTable()
    state: dict[str, Any] = {"parts": None, "capture": False, "phonetic": False}

    def start(name: str, attributes: dict) -> None:
        name = _local(name)
        if name == "si":
            state["parts"] = []
        elif name == "rPh":
            state["phonetic"] = True  # the reading of a name, not the name
        elif name == "t" and state["parts"] is not None and not state["phonetic"]:
            state["capture"] = True

    def end(name: str) -> None:
        name = _local(name)
        if name == "t":
            state["capture"] = False
        elif name == "rPh":
            state["phonetic"] = False
        elif name == "si" and state["parts"] is not None:
            strings.append(unescape("".join(state["parts"])))
            state["parts"] = None
            if strings.count > limit:
                RosterLimits().count_cells(strings.count)

    def text(data: str) -> None:
        if state["capture"]:
            state["parts"].append(data)

    _parse(archive, "xl/sharedStrings.xml", budget, _parser(start, end, text))
    strings.seal()
    return strings


def _date_styles(archive: zipfile.ZipFile, budget: _Budget) -> set[int]:
    """Indexes of the cell formats that show a number as a date."""
    custom: dict[int, str] = {}
    formats: list[int] = []
    state = {"in_cell_formats": False}

    def start(name: str, attributes: dict) -> None:
        name = _local(name)
        if name == "numFmt":
            custom[_number(attributes.get("numFmtId"))] = attributes.get("formatCode", "")
        elif name == "cellXfs":
            state["in_cell_formats"] = True
        elif name == "xf" and state["in_cell_formats"]:
            formats.append(_number(attributes.get("numFmtId", "0")))
            if len(formats) > MAX_STYLES:
                raise DamagedWorkbookError

    def end(name: str) -> None:
        name = _local(name)
        if name == "cellXfs":
            state["in_cell_formats"] = False

    _parse(archive, "xl/styles.xml", budget, _parser(start, end))
    return {
        index
        for index, format_id in enumerate(formats)
        if (format_id in custom and is_date_format(custom[format_id]))
        or (format_id not in custom and format_id in DATE_FORMAT_IDS)
        or (format_id not in custom and is_date_format(BUILTIN_FORMATS.get(format_id, "")))
    }


def _number(text: str | None) -> int:
    try:
        return int(text or "0")
    except ValueError as error:
        raise DamagedWorkbookError from error


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


class _SheetReader:
    """Expat handlers for a sheet: collects each row's filled cells, checks them against the
    limits as they come, and hands out finished rows (`take`)."""

    def __init__(self, strings, date_styles, epoch, limits: RosterLimits) -> None:
        self.strings, self.date_styles, self.epoch, self.limits = (
            strings,
            date_styles,
            epoch,
            limits,
        )
        self.ready: list[list] = []
        self.first_row = 0  # the row number of the first filled row (the header)
        self.last_row = 0  # the number of the last row handed out
        self.row = 0
        self.column = 0
        self.values: dict[int, object] = {}
        self.cell_type = self.cell_style = None
        self.parts: list[str] | None = None
        self.capture = self.phonetic = False

    def take(self) -> list[list]:
        ready, self.ready = self.ready, []
        return ready

    def start(self, name: str, attributes: dict) -> None:
        if ":" in name:
            name = _local(name)
        if name == "c":
            self._start_cell(attributes)
        elif name in ("v", "t") and self.parts is not None and not self.phonetic:
            self.capture = name == "v" or self.cell_type == "inlineStr"
        elif name == "rPh":
            self.phonetic = True  # the reading of a name, not the name
        elif name == "row":
            number = _number(attributes.get("r")) if "r" in attributes else self.row + 1
            if number <= self.row:
                raise DamagedWorkbookError  # rows come in order
            self.row, self.column, self.values = number, 0, {}

    def _start_cell(self, attributes: dict) -> None:
        reference = attributes.get("r")
        if reference:
            matched = CELL_REFERENCE.fullmatch(reference)
            if not matched or int(matched.group(2)) != self.row:
                raise DamagedWorkbookError
            self.column = _column_number(matched.group(1))
        else:
            self.column += 1
        self.cell_type = attributes.get("t", "n")
        self.cell_style = attributes.get("s")
        self.parts = []

    def text(self, data: str) -> None:
        if self.capture:  # only inside a cell's value, whose parts are a list
            self.parts.append(data)  # type: ignore[union-attr]

    def end(self, name: str) -> None:
        if ":" in name:
            name = _local(name)
        if name in ("v", "t"):
            self.capture = False
        elif name == "rPh":
            self.phonetic = False
        elif name == "c" and self.parts is not None:
            value = self._value("".join(self.parts))
            self.parts = None
            if value is not None and value != "":
                self.limits.check_column(self.column)
                self.limits.count_cells(1)
                self.values[self.column] = value
        elif name == "row" and self.values:
            self._hand_out()

    def _hand_out(self) -> None:
        if not self.first_row:
            self.first_row, self.last_row = self.row, self.row - 1
        self.limits.check_row(self.row - self.first_row)
        self.ready.extend([] for _ in range(self.row - self.last_row - 1))
        cells: list[object] = [None] * max(self.values)
        for column, value in self.values.items():
            cells[column - 1] = value
        self.ready.append(cells)
        self.last_row = self.row

    def _value(self, raw: str):
        kind = self.cell_type
        try:
            if kind == "s":
                return self.strings[int(raw)] if raw else None
            if kind in ("inlineStr", "str"):
                return unescape(raw)
            if kind == "b":
                return raw.strip() in ("1", "true")
            if kind == "e":
                return raw
            if kind == "d":
                return datetime.datetime.fromisoformat(raw) if raw else None
            if not raw:
                return None
            number = float(raw)
            if self.cell_style and int(self.cell_style) in self.date_styles:
                return _date_or_number(number, self.epoch)
            return int(number) if number.is_integer() else number
        except (ValueError, IndexError, OverflowError) as error:
            raise DamagedWorkbookError from error


def _date_or_number(number: float, epoch: datetime.datetime):
    """A number in a date format is a date, unless it is none (the row then reports it)."""
    try:
        return from_excel(number, epoch)
    except (ValueError, OverflowError):
        return int(number) if number.is_integer() else number
