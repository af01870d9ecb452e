"""Validating a roster's rows: every cell checked, the answers scored and tiered on the server.
Error reports name rows, columns and reasons; a bad cell's value is kept apart (never a name), for
those who may see it."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from screening import scoring, selectors, tiers
from screening.importing.columns import (
    FIELD_ALIASES,
    INSTRUMENT_PREFIX,
    STORED_TEXT,
    SUPPLEMENTARY_COLUMNS,
    column_map,
    file_titles,
    is_header,
)
from screening.models import Campaign, Student
from screening.roster_files import sheets_after_header, text_of
from screening.roster_limits import RefusedRosterError, RosterLimits

if TYPE_CHECKING:
    from django.db.models import CharField
    from django.utils.functional import Promise

SEXES = {"男": "male", "女": "female", "m": "male", "f": "female", "male": "male"}
SEXES |= {"female": "female"}
PROGRESS_EVERY = 2000
# Where a result keeps PHQ-A's supplementary answers, beside the items (answers as given).
SUPPLEMENTARY_ANSWERS = "PHQ-A supplementary"
# Characters no stored text may hold: control characters (NUL, which Postgres refuses, among
# them; Excel writes them as _x0000_) and lone surrogates, which cannot be encoded at all.
FORBIDDEN_CHARACTERS = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


@dataclass
class Row:
    number: int
    student_no: str
    name: str
    sex: str
    grade: str
    class_name: str
    birth_date: datetime.date | None
    # Items by instrument; PHQ-A's supplementary answers (SUPPLEMENTARY_ANSWERS: yes/no or 0–3)
    answers: dict[str, list[int | None] | dict[str, bool | int]]
    scores: dict[str, dict[str, Any]]
    tier: tiers.ScoreTier


@dataclass
class Validated:
    rows: list[Row] = field(default_factory=list)
    # At most ROSTER_MAX_REPORTED_ERRORS: a file wrong in every cell must not grow without bound.
    errors: list[dict[str, Any]] = field(default_factory=list)
    errors_left_out: int = 0
    bad_rows: int = 0
    total_rows: int = 0

    def report(self, errors: list[dict[str, Any]]) -> None:
        room = max(settings.ROSTER_MAX_REPORTED_ERRORS - len(self.errors), 0)
        self.errors += errors[:room]
        self.errors_left_out += len(errors[room:])
        self.bad_rows += 1


def validate(
    data: bytes,
    name: str,
    campaign: Campaign,
    *,
    progress: Callable[[int], object] | None = None,
) -> Validated:
    """Every row of every sheet with the roster's header (a workbook a sheet per class): each
    sheet's columns mapped from its own header, row numbers its own, the sheet named in the
    report when there are several."""
    sheets = sheets_after_header(data, name, is_header=is_header)
    result = Validated()
    seen: dict[str, str] = {}
    withdrawn = selectors.withdrawn_student_numbers(campaign=campaign)
    for sheet, header, header_row, rows in sheets:
        fields, items = column_map(header, campaign)
        titles = file_titles(header, fields, items)
        for number, cells in enumerate(rows, start=header_row + 1):
            if not any(text_of(cell) for cell in cells):
                continue  # Excel keeps formatted empty rows
            result.total_rows += 1
            if result.total_rows > settings.ROSTER_MAX_ROWS:  # every sheet together
                RosterLimits().check_row(result.total_rows)
            student_no, row, errors = _validate_row(number, cells, fields, items, campaign)
            where = f"{sheet} {number}" if sheet else str(number)
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
                seen[student_no] = where
            if student_no in withdrawn:  # DOMAIN.md §5.2: nothing new once consent is withdrawn
                errors = [
                    _error(
                        number,
                        FIELD_ALIASES["student_no"][0],
                        _("consent to this campaign was withdrawn: the row is not imported"),
                    )
                ]
            if errors:
                for error in errors:  # the column as the file names it, and its sheet
                    error["column"] = titles.get(error["column"], error["column"])
                    if sheet:
                        error["sheet"] = sheet
                result.report(errors)
            elif row is not None:  # a row without errors is always given
                result.rows.append(row)
            if progress and result.total_rows % PROGRESS_EVERY == 0:
                progress(result.total_rows)
    if not result.total_rows:
        raise RefusedRosterError(_("The file has a header but no rows."))
    return result


def _error(number: int, column: str, reason: str | Promise, value: str = "") -> dict[str, Any]:
    """One bad cell. `value` is what was typed (cut short), kept apart from the reason: the report
    shows it only to whoever may see the row (screening.selectors.may_see_import_values)."""
    return {"row": number, "column": column, "reason": reason, "value": value[:20]}


def _stored_text(
    number: int,
    cells: list[Any],
    fields: dict[str, int],
    column: str,
    errors: list[dict[str, Any]],
) -> str:
    """The cell's text, checked against the Student field it is stored in."""
    text = text_of(_cell(cells, fields.get(column)))
    model_field = cast("CharField[Any, Any]", Student._meta.get_field(STORED_TEXT[column]))
    limit = model_field.max_length  # each STORED_TEXT field is a CharField: never None
    if limit is not None and len(text) > limit:
        reason = _("longer than %(limit)s characters") % {"limit": limit}
        errors.append(_error(number, column, reason))
    elif FORBIDDEN_CHARACTERS.search(text):
        errors.append(_error(number, column, _("contains control or invalid characters")))
    return text


def _cell(cells: list[Any], index: int | None) -> Any:
    if index is None or index >= len(cells):
        return None
    return cells[index]


def _validate_row(
    number: int,
    cells: list[Any],
    fields: dict[str, int],
    items: dict[str, list[int]],
    campaign: Campaign,
) -> tuple[str, Row | None, list[dict[str, Any]]]:
    """The row's student number, the row if valid, and its errors."""
    errors: list[dict[str, Any]] = []

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
    supplementary = _supplementary(number, cells, fields, errors)
    values_by_instrument: dict[str, list[int | None]] = {}
    for instrument, indexes in items.items():
        values, item_errors = _items(number, cells, indexes, instrument)
        errors += item_errors
        if not item_errors:
            values_by_instrument[instrument] = values
    answers, scores, tier, scoring_errors = score_answers(
        number, values_by_instrument, supplementary, campaign
    )
    errors += scoring_errors
    if errors or tier is None:
        return student_no, None, errors
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


def score_answers(
    number: int,
    values_by_instrument: dict[str, list[int | None]],
    supplementary: dict[str, bool | int],
    campaign: Campaign,
) -> tuple[
    dict[str, list[int | None] | dict[str, bool | int]],
    dict[str, dict[str, Any]],
    tiers.ScoreTier | None,
    list[dict[str, Any]],
]:
    """One student's answers scored on the server and tiered: the stored answers, the scores,
    the tier (None when an answer is refused) and the errors. A roster row and an online
    submission both come here (screening.services.online)."""
    answers: dict[str, list[int | None] | dict[str, bool | int]] = {}
    scores: dict[str, dict[str, Any]] = {}
    results: dict[str, scoring.ScoreResult] = {}
    errors: list[dict[str, Any]] = []
    for instrument, values in values_by_instrument.items():
        extra = supplementary if instrument == scoring.PHQA else None
        try:
            outcome = scoring.score(instrument, values, supplementary=extra)
        except scoring.ScoringError as error:
            errors.append(_scoring_error(number, instrument, values, error))
            continue
        answers[instrument] = values
        if extra:
            answers[SUPPLEMENTARY_ANSWERS] = extra
        scores[instrument] = _scored(outcome)
        results[instrument] = outcome
    if errors:
        return answers, scores, None, errors
    phq = results.get(scoring.PHQA) or results.get(scoring.PHQ9)
    tier = tiers.score_tier(
        phq=phq,
        gad=results.get(scoring.GAD7),
        sdq=results.get(scoring.SDQ),
        phq_referral_cutoff=campaign.phq_referral_cutoff,
        phq_supplementary=supplementary if scoring.PHQA in results else None,
    )
    return answers, scores, tier, []


def _items(
    number: int, cells: list[Any], indexes: list[int], instrument: str
) -> tuple[list[int | None], list[dict[str, Any]]]:
    prefix = INSTRUMENT_PREFIX[instrument]
    highest = 2 if instrument == scoring.SDQ else 3
    values: list[int | None] = []
    errors: list[dict[str, Any]] = []
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


YES = frozenset({"是", "有", "yes", "y", "1", "true"})
NO = frozenset({"否", "无", "没有", "no", "n", "0", "false"})


def _supplementary(
    number: int, cells: list[Any], fields: dict[str, int], errors: list[dict[str, Any]]
) -> dict[str, bool | int]:
    """PHQ-A's supplementary answers in the row (the columns the file has; an empty cell is not
    asked), each checked: yes or no, functional difficulty 0–3."""
    answers: dict[str, bool | int] = {}
    for column, question in SUPPLEMENTARY_COLUMNS.items():
        raw = _cell(cells, fields.get(column))
        text = text_of(raw).lower()
        if text == "":
            continue
        if scoring.PHQA_SUPPLEMENTARY[question] is int:
            value = _integer(raw)
            if value is None or not 0 <= value <= 3:
                errors.append(_error(number, column, _("value out of range (0–3)"), text))
            else:
                answers[question] = value
        elif text in YES or text in NO:
            answers[question] = text in YES
        else:
            errors.append(_error(number, column, _("answer 是 or 否"), text))
    return answers


def _integer(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = text_of(value)
    # isdecimal, not isdigit: "²" is a digit that int() refuses (and full-width １ is fine).
    return int(text) if text.isdecimal() else None


def _scoring_error(
    number: int, instrument: str, values: list[int | None], error: scoring.ScoringError
) -> dict[str, Any]:
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


def _scored(result: scoring.ScoreResult) -> dict[str, Any]:
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


def _date(value: object) -> tuple[datetime.date | None, str]:
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
