"""Importing an event's sign-in sheet (XLSX, or CSV in UTF-8, UTF-8 with BOM or GB18030 — which
reads the GBK Chinese Excel writes), read by screening's roster machinery
(`screening.roster_files`: the same limits, title rows above the header passed over, a workbook
read a sheet per class, every hostile file refused with a message, never a crash).

A row is one person who signed in. Columns (English, or as Chinese sheets name them):
`name`/姓名, `organisation`/单位 (also 工作单位, 所在单位), `audience`/身份 (学生, 家长, 教师,
工作人员, 其他 or students, parents, teachers, staff, others); any other column (序号, 电话,
签名…) is passed over and never read. What the sheet gives:

- the attendance: with an `audience` column, the event's counts by audience become the sheet's
  (the rows of each audience), replacing what was typed — the same sheet twice changes nothing;
- for a training, the trainee list: with a `name` column each row is a trainee (name and
  organisation), added unless already listed, and the head count raised to the list.

A name is read only for a training's trainees (adults, service workers); at any other event
(school lectures: minors) the names are never read nor kept. Every row is validated first;
the report lists row, column and reason. By default the valid rows are imported; "all or
nothing" imports nothing unless every row is valid."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from centre.audit import audit_log
from centre.errors import ServiceError
from centre.models import User
from centre.versioning import save_versioned
from outreach.models import Event, Trainee
from outreach.services.trainees import trainee_text_problems
from screening.importing import FORBIDDEN_CHARACTERS
from screening.roster_files import sheets_after_header, text_of
from screening.roster_limits import RefusedRosterError, RosterLimits

COLUMN_ALIASES = {
    "name": ("name", "姓名"),
    "organisation": ("organisation", "organization", "单位", "工作单位", "所在单位"),
    "audience": ("audience", "身份", "类别"),
}
AUDIENCE_ALIASES = {
    "students": ("学生", "student", "students"),
    "parents": ("家长", "parent", "parents"),
    "teachers": ("教师", "老师", "teacher", "teachers"),
    "staff": ("工作人员", "职工", "staff"),
    "others": ("其他", "其它", "other", "others"),
}
AUDIENCE_OF = {
    alias: audience for audience, aliases in AUDIENCE_ALIASES.items() for alias in aliases
}


class RefusedSheetError(ServiceError):
    """The file as a whole cannot be imported (its message says why); nothing was changed."""

    code = "refused_sheet"


@dataclass
class SheetRow:
    number: int
    audience: str  # "" when the sheet gives none
    name: str
    organisation: str


@dataclass
class SheetReport:
    """What the import found and did. `errors`: at most ROSTER_MAX_REPORTED_ERRORS, each
    {row, column, reason, sheet?} as screening's report (never a value typed)."""

    rows: list[SheetRow] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    errors_left_out: int = 0
    bad_rows: int = 0
    total_rows: int = 0
    ignored_columns: list[str] = field(default_factory=list)
    has_audience: bool = False  # whether a sheet had the audience column
    imported: bool = False
    counts: dict[str, int] | None = None
    trainees_added: int = 0
    trainees_already_listed: int = 0

    def report(self, errors: list[dict[str, Any]]) -> None:
        room = max(settings.ROSTER_MAX_REPORTED_ERRORS - len(self.errors), 0)
        self.errors += errors[:room]
        self.errors_left_out += len(errors[room:])
        self.bad_rows += 1


def _column_of(title: str) -> str | None:
    lowered = title.strip().lower()
    return next((name for name, aliases in COLUMN_ALIASES.items() if lowered in aliases), None)


def is_header(titles: list[str]) -> bool:
    """A sign-in sheet's header names the audience or the name (a title row above it does
    not)."""
    return any(_column_of(title) in ("audience", "name") for title in titles if title)


def _columns(header: list[str], event: Event) -> tuple[dict[str, int], list[str]]:
    columns: dict[str, int] = {}
    ignored = []
    for index, title in enumerate(header):
        name = _column_of(title) if title else None
        if name and name not in columns:
            columns[name] = index
        elif title:
            ignored.append(title)
    training = event.kind == Event.Kind.TRAINING
    if not training:
        columns.pop("name", None)  # names at other events are never read
        columns.pop("organisation", None)
    if "audience" not in columns and not (training and "name" in columns):
        message = (
            _("Missing columns: 身份 (audience), or 姓名 (name) for the trainee list.")
            if training
            else _("Missing columns: 身份 (audience).")
        )
        raise RefusedSheetError(message)
    return columns, ignored


def _cell(cells: list[Any], index: int | None) -> str:
    if index is None or index >= len(cells):
        return ""
    return text_of(cells[index])


def validate_sheet(data: bytes, name: str, event: Event) -> SheetReport:
    """Every row of every sheet with a sign-in header, checked; nothing is stored."""
    try:
        sheets = sheets_after_header(data, name, is_header=is_header)
        report = SheetReport()
        seen: dict[tuple[str, str], str] = {}
        for sheet, header, header_row, rows in sheets:
            columns, ignored = _columns(header, event)
            report.has_audience = report.has_audience or "audience" in columns
            report.ignored_columns += [
                title for title in ignored if title not in report.ignored_columns
            ]
            titles = {column: header[index] for column, index in columns.items()}
            for number, cells in enumerate(rows, start=header_row + 1):
                if not any(text_of(cell) for cell in cells):
                    continue  # Excel keeps formatted empty rows
                report.total_rows += 1
                if report.total_rows > settings.ROSTER_MAX_ROWS:  # every sheet together
                    RosterLimits().check_row(report.total_rows)
                row, errors = _validate_row(number, cells, columns, titles, event)
                where = f"{sheet} {number}" if sheet else str(number)
                if row is not None and row.name:
                    key = (row.name, row.organisation)
                    if key in seen:
                        errors.append(
                            _error(
                                number,
                                titles["name"],
                                _("the same trainee twice (first at row %(row)s)")
                                % {"row": seen[key]},
                            )
                        )
                    else:
                        seen[key] = where
                if errors:
                    for error in errors:
                        if sheet:
                            error["sheet"] = sheet
                    report.report(errors)
                elif row is not None:
                    report.rows.append(row)
    except RefusedRosterError as error:
        raise RefusedSheetError(error.message) from error
    if not report.total_rows:
        raise RefusedSheetError(_("The file has a header but no rows."))
    return report


def _error(number: int, column: str, reason: str) -> dict[str, Any]:
    return {"row": number, "column": column, "reason": reason}


def _validate_row(
    number: int, cells: list[Any], columns: dict[str, int], titles: dict[str, str], event: Event
) -> tuple[SheetRow | None, list[dict[str, Any]]]:
    errors: list[dict[str, Any]] = []
    audience = ""
    if "audience" in columns:
        text = _cell(cells, columns["audience"])
        audience = AUDIENCE_OF.get(text.lower(), "")
        if not text:
            if "name" not in columns:
                errors.append(_error(number, titles["audience"], _("missing audience")))
        elif not audience:
            errors.append(
                _error(
                    number,
                    titles["audience"],
                    _("audience is 学生, 家长, 教师, 工作人员 or 其他"),
                )
            )
    name = organisation = ""
    if "name" in columns:
        name = _cell(cells, columns["name"])
        organisation = _cell(cells, columns.get("organisation"))
        for column, text in (("name", name), ("organisation", organisation)):
            if FORBIDDEN_CHARACTERS.search(text):
                errors.append(
                    _error(number, titles[column], _("contains control or invalid characters"))
                )
        if not errors:
            for column, problem in trainee_text_problems(name, organisation).items():
                errors.append(_error(number, titles.get(column, column), problem))
    if errors:
        return None, errors
    return SheetRow(number=number, audience=audience, name=name, organisation=organisation), []


@transaction.atomic
def sheet_import(
    *,
    actor: User,
    event: Event,
    data: bytes,
    name: str,
    all_or_nothing: bool = False,
    replace_counts: bool = False,
) -> SheetReport:
    """Validate the sheet, then import its valid rows (or nothing, with `all_or_nothing`, when a
    row is bad): the attendance counts and, for a training, the trainees. Counts already
    recorded are replaced only when the caller confirmed it (`replace_counts`); otherwise
    nothing is imported."""
    if event.status == Event.Status.CANCELLED:
        raise ServiceError(_("This event is cancelled: nothing is imported."), code="cancelled")
    report = validate_sheet(data, name, event)
    if all_or_nothing and report.bad_rows:
        _audit(actor, event, report)
        return report
    locked = Event.objects.select_for_update().get(pk=event.pk)
    if report.has_audience and locked.attendance_total and not replace_counts:
        raise ServiceError(
            _(
                "This event already has attendance counts: tick “Replace the counts recorded” "
                "to replace them with the sheet's. Nothing was imported."
            ),
            code="counts_recorded",
            field="replace_counts",
        )
    fields: dict[str, int] = {}
    if report.has_audience:
        counts = dict.fromkeys(Event.AUDIENCES, 0)
        for row in report.rows:
            if row.audience:
                counts[row.audience] += 1
        fields |= counts
        report.counts = counts
    if event.kind == Event.Kind.TRAINING:
        listed = set(locked.trainees.values_list("name", "organisation"))
        new = [
            row for row in report.rows if row.name and (row.name, row.organisation) not in listed
        ]
        report.trainees_already_listed = sum(
            1 for row in report.rows if row.name and (row.name, row.organisation) in listed
        )
        Trainee.objects.bulk_create(
            Trainee(event=locked, name=row.name, organisation=row.organisation) for row in new
        )
        report.trainees_added = len(new)
        total = len(listed) + len(new)
        if total > locked.trainees_count:
            fields["trainees_count"] = total
    if fields:
        save_versioned(locked, expected_version=locked.version, fields=fields)
        for key, value in fields.items():
            setattr(event, key, value)
        event.version = locked.version
    report.imported = bool(report.rows)
    _audit(actor, event, report)
    return report


def _audit(actor: User, event: Event, report: SheetReport) -> None:
    audit_log(
        actor=actor,
        action="outreach.event.sheet_imported",
        target=event,
        data={
            "rows": report.total_rows,
            "valid": len(report.rows),
            "bad_rows": report.bad_rows,
            "imported": report.imported,
            "trainees_added": report.trainees_added,
        },
    )
