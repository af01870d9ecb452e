"""Importing a screening roster: map the columns, validate every row, score and tier on the server,
then store — the valid rows (default) or nothing unless every row is valid (`all_or_nothing`).

The same service serves the browser (through a Celery task with a progress bar) and
`manage.py import_roster`. Uploading the same roster again changes nothing; an import can be
undone as a whole. Error reports name rows, columns and reasons; a bad cell's value is kept
apart (never a name), for those who may see it."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from centre.audit import audit_log
from centre.bulk import insert_rows
from screening import scoring, tiers
from screening.models import (
    Campaign,
    RosterImport,
    ScreeningResult,
    Student,
    TrackingTask,
)
from screening.roster_files import RefusedRosterError, estimated_rows, rows_of, text_of

# Column names in English and as Chinese Excel writes them.
FIELD_ALIASES = {
    "student_no": ("student_no", "学号"),
    "name": ("name", "姓名"),
    "sex": ("sex", "性别"),
    "grade": ("grade", "年级"),
    "class": ("class", "班级"),
    "birth_date": ("birth_date", "出生日期"),
}
ITEM_COLUMN = re.compile(r"^(PHQ9|PHQA|GAD7|SDQ)_(\d{1,2})$", re.IGNORECASE)
PREFIX_INSTRUMENT = {
    "PHQ9": scoring.PHQ9,
    "PHQA": scoring.PHQA,
    "GAD7": scoring.GAD7,
    "SDQ": scoring.SDQ,
}
INSTRUMENT_PREFIX = {instrument: prefix for prefix, instrument in PREFIX_INSTRUMENT.items()}
ITEM_COUNT = {scoring.PHQ9: 9, scoring.PHQA: 9, scoring.GAD7: 7, scoring.SDQ: 25}
SEXES = {"男": "male", "女": "female", "m": "male", "f": "female", "male": "male"}
SEXES |= {"female": "female"}
PROGRESS_EVERY = 2000
# Roster column → the Student field its text is stored in; each value is checked against the
# field itself (max_length), so a change of the model cannot let a value through that crashes
# the COPY.
STORED_TEXT = {
    "student_no": "student_no",
    "name": "full_name",
    "grade": "grade",
    "class": "class_name",
}
# Characters no stored text may hold: control characters (NUL, which Postgres refuses, among
# them; Excel writes them as _x0000_) and lone surrogates, which cannot be encoded at all.
FORBIDDEN_CHARACTERS = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
# How long the next action may wait, by tier, when there is no crisis task (DOMAIN.md §2.4).
NEXT_ACTION = {
    tiers.RED: (TrackingTask.Kind.INTERVIEW, datetime.timedelta(hours=4)),
    tiers.ORANGE: (TrackingTask.Kind.INTERVIEW, datetime.timedelta(days=3)),
    tiers.YELLOW: (TrackingTask.Kind.INTERVIEW, datetime.timedelta(days=14)),
    tiers.BLUE: (TrackingTask.Kind.WATCH, datetime.timedelta(days=120)),
}


@dataclass
class Row:
    number: int
    student_no: str
    name: str
    sex: str
    grade: str
    class_name: str
    birth_date: datetime.date | None
    answers: dict[str, list]
    scores: dict[str, dict]
    tier: tiers.ScoreTier


@dataclass
class Validated:
    rows: list[Row] = field(default_factory=list)
    # At most ROSTER_MAX_REPORTED_ERRORS: a file wrong in every cell must not grow without bound.
    errors: list[dict] = field(default_factory=list)
    errors_left_out: int = 0
    bad_rows: int = 0
    total_rows: int = 0

    def report(self, errors: list[dict]) -> None:
        room = max(settings.ROSTER_MAX_REPORTED_ERRORS - len(self.errors), 0)
        self.errors += errors[:room]
        self.errors_left_out += len(errors[room:])
        self.bad_rows += 1


def column_map(header: list[str], campaign: Campaign) -> tuple[dict[str, int], dict[str, list]]:
    """Field → column index and instrument → item column indexes; refuses unknown columns and
    missing instruments."""
    fields: dict[str, int] = {}
    items: dict[str, dict[int, int]] = {}
    unknown = []
    for index, title in enumerate(header):
        if not title:
            continue
        name = next(
            (field for field, aliases in FIELD_ALIASES.items() if title.lower() in aliases), None
        )
        match = ITEM_COLUMN.match(title)
        if name:
            fields[name] = index
        elif match and PREFIX_INSTRUMENT[match.group(1).upper()] in campaign.instruments:
            instrument = PREFIX_INSTRUMENT[match.group(1).upper()]
            items.setdefault(instrument, {})[int(match.group(2))] = index
        else:
            unknown.append(title)
    if unknown:
        raise RefusedRosterError(
            _("Unknown columns: %(columns)s. Use the template's columns.")
            % {"columns": "、".join(unknown)}
        )
    missing = [name for name in ("student_no", "name") if name not in fields]
    for instrument in campaign.instruments:
        expected = range(1, ITEM_COUNT[instrument] + 1)
        prefix = INSTRUMENT_PREFIX[instrument]
        missing += [f"{prefix}_{n}" for n in expected if n not in items.get(instrument, {})]
    if missing:
        message = _("Missing columns: %(columns)s.") % {"columns": "、".join(missing)}
        raise RefusedRosterError(message)
    return fields, {
        instrument: [columns[n] for n in range(1, ITEM_COUNT[instrument] + 1)]
        for instrument, columns in items.items()
    }


def validate(data: bytes, name: str, campaign: Campaign, *, progress=None) -> Validated:
    header, rows = rows_of(data, name)
    fields, items = column_map(header, campaign)
    result = Validated()
    seen: dict[str, int] = {}
    for number, cells in enumerate(rows, start=2):
        if not any(text_of(cell) for cell in cells):
            continue  # Excel keeps formatted empty rows
        result.total_rows += 1
        student_no, row, errors = _validate_row(number, cells, fields, items, campaign)
        if student_no in seen:
            errors.append(
                _error(
                    number,
                    FIELD_ALIASES["student_no"][0],
                    _("duplicate student number (first at row %(row)s)")
                    % {"row": seen[student_no]},
                )
            )
        elif student_no:
            seen[student_no] = number
        if errors:
            result.report(errors)
        else:
            result.rows.append(row)
        if progress and result.total_rows % PROGRESS_EVERY == 0:
            progress(result.total_rows)
    if not result.total_rows:
        raise RefusedRosterError(_("The file has a header but no rows."))
    return result


def _error(number: int, column: str, reason: str, value: str = "") -> dict:
    """One bad cell. `value` is what was typed (cut short), kept apart from the reason: the report
    shows it only to whoever may see the row (screening.selectors.may_see_import_values)."""
    return {"row": number, "column": column, "reason": reason, "value": value[:20]}


def _stored_text(number: int, cells, fields, column: str, errors: list) -> str:
    """The cell's text, checked against the Student field it is stored in."""
    text = text_of(_cell(cells, fields.get(column)))
    model_field = Student._meta.get_field(STORED_TEXT[column])
    if len(text) > model_field.max_length:
        reason = _("longer than %(limit)s characters") % {"limit": model_field.max_length}
        errors.append(_error(number, column, reason))
    elif FORBIDDEN_CHARACTERS.search(text):
        errors.append(_error(number, column, _("contains control or invalid characters")))
    return text


def _cell(cells: list, index: int | None):
    if index is None or index >= len(cells):
        return None
    return cells[index]


def _validate_row(number, cells, fields, items, campaign) -> tuple[str, Row | None, list]:
    """The row's student number, the row if valid, and its errors."""
    errors: list[dict] = []

    def column(field_name: str) -> str:
        return FIELD_ALIASES[field_name][0]

    student_no = _stored_text(number, cells, fields, "student_no", errors)
    if not student_no:
        errors.append(_error(number, column("student_no"), _("missing student number")))
    name = _stored_text(number, cells, fields, "name", errors)
    if not name:
        errors.append(_error(number, column("name"), _("missing name")))
    grade = _stored_text(number, cells, fields, "grade", errors)
    class_name = _stored_text(number, cells, fields, "class", errors)
    sex_text = text_of(_cell(cells, fields.get("sex"))).lower()
    sex = SEXES.get(sex_text, "")
    if sex_text and not sex:
        errors.append(_error(number, column("sex"), _("sex is 男 or 女"), sex_text))
    raw_birth_date = _cell(cells, fields.get("birth_date"))
    birth_date, problem = _date(raw_birth_date)
    if problem:
        errors.append(_error(number, column("birth_date"), problem, text_of(raw_birth_date)))
    answers, scores, results = {}, {}, {}
    for instrument, indexes in items.items():
        values, item_errors = _items(number, cells, indexes, instrument)
        errors += item_errors
        if item_errors:
            continue
        try:
            outcome = scoring.score(instrument, values)
        except scoring.ScoringError as error:
            errors.append(_scoring_error(number, instrument, values, error))
            continue
        answers[instrument] = values
        scores[instrument] = _scored(outcome)
        results[instrument] = outcome
    if errors:
        return student_no, None, errors
    phq = results.get(scoring.PHQA) or results.get(scoring.PHQ9)
    tier = tiers.score_tier(
        phq=phq,
        gad=results.get(scoring.GAD7),
        sdq=results.get(scoring.SDQ),
        phq_referral_cutoff=campaign.phq_referral_cutoff,
    )
    row = Row(
        number=number,
        student_no=student_no,
        name=name,
        sex=sex,
        grade=grade,
        class_name=class_name,
        birth_date=birth_date,
        answers=answers,
        scores=scores,
        tier=tier,
    )
    return student_no, row, []


def _items(number, cells, indexes, instrument) -> tuple[list, list[dict]]:
    prefix = INSTRUMENT_PREFIX[instrument]
    highest = 2 if instrument == scoring.SDQ else 3
    values, errors = [], []
    for position, index in enumerate(indexes, start=1):
        raw = _cell(cells, index)
        text = text_of(raw)
        if text == "":
            values.append(None)
            continue
        value = _integer(raw)
        if value is None or not 0 <= value <= highest:
            errors.append(
                _error(
                    number,
                    f"{prefix}_{position}",
                    _("value out of range (0–%(highest)s)") % {"highest": highest},
                    text,
                )
            )
        values.append(value)
    return values, errors


def _integer(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = text_of(value)
    # isdecimal, not isdigit: "²" is a digit that int() refuses (and full-width １ is fine).
    return int(text) if text.isdecimal() else None


def _scoring_error(number, instrument, values, error: scoring.ScoringError) -> dict:
    prefix = INSTRUMENT_PREFIX[instrument]
    if error.code == "incomplete":
        position = values.index(None) + 1
        reason = (
            _("PHQ item 9 missing (never imputed)")
            if position == 9 and instrument in (scoring.PHQ9, scoring.PHQA)
            else _("item %(position)s missing") % {"position": position}
        )
        return _error(number, f"{prefix}_{position}", reason)
    return _error(number, f"{prefix}_1", error.message)


def _scored(result: scoring.ScoreResult) -> dict:
    return {
        "total": result.total,
        "band": result.band,
        "crisis_flag": result.crisis_flag,
        "risk_review_flag": result.risk_review_flag,
        "subscales": result.subscales,
        "subscale_bands": result.subscale_bands,
        "impact": result.impact,
        "norm_set": result.norm_set,
    }


def _date(value) -> tuple[datetime.date | None, str]:
    if value is None or text_of(value) == "":
        return None, ""
    if isinstance(value, datetime.datetime):
        day = value.date()
    elif isinstance(value, datetime.date):
        day = value
    else:
        text = text_of(value).replace("/", "-").replace(".", "-")
        if re.fullmatch(r"\d{8}", text):
            text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
        try:
            year, month, day_of_month = (int(part) for part in text.split("-"))
            day = datetime.date(year, month, day_of_month)
        except ValueError:
            return None, _("impossible date")
    age = (timezone.localdate() - day).days / 365.25
    if not 4 <= age <= 25:
        return None, _("impossible date")
    return day, ""


# Storing ---------------------------------------------------------------------------------------


def run_import(roster_import: RosterImport, data: bytes) -> RosterImport:
    """Validate and store one roster; the import row tells the progress and the outcome."""
    campaign = roster_import.campaign

    def progress(done: int) -> None:
        RosterImport.objects.filter(pk=roster_import.pk).update(done_rows=done)

    # A conditional claim: a second delivery of the task, or an import the sweep already ended,
    # runs nothing.
    claimed = RosterImport.objects.filter(
        pk=roster_import.pk, status=RosterImport.Status.WAITING
    ).update(
        status=RosterImport.Status.RUNNING,
        started_at=timezone.now(),
        total_rows=estimated_rows(data, roster_import.original_name)
        if len(data) <= settings.ROSTER_MAX_BYTES
        else 0,
    )
    if not claimed:
        roster_import.refresh_from_db()
        return roster_import
    try:
        validated = validate(data, roster_import.original_name, campaign, progress=progress)
    except RefusedRosterError as refused:
        _finish(roster_import, status=RosterImport.Status.REFUSED, message=refused.message)
        return roster_import
    roster_import.total_rows = validated.total_rows
    roster_import.errors = validated.errors
    if validated.bad_rows and roster_import.all_or_nothing:
        _finish(
            roster_import,
            status=RosterImport.Status.DONE,
            message=_("Nothing was imported: %(count)s rows have errors (all or nothing).")
            % {"count": validated.bad_rows},
        )
        return roster_import
    imported, unchanged = _store(roster_import, validated.rows)
    roster_import.imported_rows, roster_import.unchanged_rows = imported, unchanged
    _finish(roster_import, status=RosterImport.Status.DONE, message=_listed(validated))
    audit_log(
        actor=roster_import.uploaded_by,
        action="screening.roster.imported",
        target=roster_import,
        data={"imported": imported, "unchanged": unchanged, "errors": len(validated.errors)},
    )
    return roster_import


def _listed(validated: Validated) -> str:
    if not validated.errors_left_out:
        return ""
    return _("%(count)s rows have errors; the report lists the first %(listed)s errors only.") % {
        "count": validated.bad_rows,
        "listed": len(validated.errors),
    }


def _finish(roster_import: RosterImport, *, status: str, message: str = "") -> None:
    roster_import.status = status
    roster_import.message = message
    roster_import.done_rows = roster_import.total_rows
    roster_import.finished_at = timezone.now()
    roster_import.save(
        update_fields=[
            "status",
            "message",
            "total_rows",
            "done_rows",
            "errors",
            "imported_rows",
            "unchanged_rows",
            "finished_at",
        ]
    )


@transaction.atomic
def _store(roster_import: RosterImport, rows: list[Row]) -> tuple[int, int]:
    """Students the school does not know yet, then one result per student new to the campaign,
    then the tasks of the flagged ones — each as one COPY (centre.bulk)."""
    campaign = roster_import.campaign
    school = campaign.school
    now = timezone.now()
    known = _student_ids(school, [row.student_no for row in rows])
    insert_rows(
        Student,
        STUDENT_COLUMNS,
        (
            (now, now, school.pk, row.student_no, row.name, row.sex, row.grade, row.class_name,
             row.birth_date, roster_import.pk)
            for row in rows
            if row.student_no not in known
        ),
    )  # fmt: skip
    known = _student_ids(school, [row.student_no for row in rows])
    already = set(
        ScreeningResult.objects.filter(campaign=campaign).values_list("student_id", flat=True)
    )
    new_rows = [row for row in rows if known[row.student_no] not in already]
    insert_rows(
        ScreeningResult,
        RESULT_COLUMNS,
        (_result_values(roster_import, row, known[row.student_no], now) for row in new_rows),
    )
    result_ids = dict(
        ScreeningResult.objects.filter(roster_import=roster_import).values_list("student_id", "pk")
    )
    insert_rows(
        TrackingTask,
        TASK_COLUMNS,
        (
            (now, now, result_ids[known[row.student_no]], kind, due_at, "open")
            for row in new_rows
            for kind, due_at in _tasks(row, now)
        ),
    )
    return len(new_rows), len(rows) - len(new_rows)


STUDENT_COLUMNS = [
    "created_at",
    "updated_at",
    "school_id",
    "student_no",
    "full_name",
    "sex",
    "grade",
    "class_name",
    "birth_date",
    "first_import_id",
]
RESULT_COLUMNS = [
    "campaign_id",
    "student_id",
    "roster_import_id",
    "answers",
    "scores",
    "phq_total",
    "gad_total",
    "sdq_total",
    "crisis_flag",
    "score_tier",
    "settled_tier",
    "tier",
    "tier_confirmed",
    "cssrs_band",
    "screened_at",
]
TASK_COLUMNS = ["created_at", "updated_at", "result_id", "kind", "due_at", "status"]


def _student_ids(school, numbers: list[str]) -> dict[str, int]:
    return dict(
        Student.objects.filter(school=school, student_no__in=numbers).values_list(
            "student_no", "pk"
        )
    )


def _result_values(roster_import, row: Row, student_id: int, now) -> tuple:
    def total(instrument: str) -> int | None:
        return row.scores.get(instrument, {}).get("total")

    phq = total(scoring.PHQA) if scoring.PHQA in row.scores else total(scoring.PHQ9)
    return (
        roster_import.campaign_id,
        student_id,
        roster_import.pk,
        row.answers,
        row.scores,
        phq,
        total(scoring.GAD7),
        total(scoring.SDQ),
        row.tier.provisional,
        row.tier.tier,
        row.tier.settled_tier,
        row.tier.tier,
        False,
        "",
        now,
    )


def _tasks(row: Row, now) -> list[tuple[str, datetime.datetime]]:
    if row.tier.crisis_task_sla_hours is not None:
        due = now + datetime.timedelta(hours=row.tier.crisis_task_sla_hours)
        return [(TrackingTask.Kind.CRISIS_ASSESSMENT, due)]
    if row.tier.tier in NEXT_ACTION:
        kind, delay = NEXT_ACTION[row.tier.tier]
        return [(kind, now + delay)]
    return []
