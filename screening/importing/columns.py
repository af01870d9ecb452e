"""A roster's columns: their names in English and as Chinese Excel writes them, the item columns of
each instrument, and the header → column index map (unknown and missing columns refuse the file)."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from screening import scoring
from screening.models import Campaign
from screening.roster_limits import RefusedRosterError

# Column names in English and as Chinese Excel writes them.
FIELD_ALIASES = {
    "student_no": ("student_no", "学号"),
    "name": ("name", "姓名"),
    "sex": ("sex", "性别"),
    "grade": ("grade", "年级"),
    "class": ("class", "班级"),
    "birth_date": ("birth_date", "出生日期"),
}
# PHQ-A's supplementary questions (DOMAIN.md §1.2), optional columns PHQA_A…PHQA_D as the form
# letters them: yes/no (是/否, 1/0) but (b), functional difficulty 0–3.
SUPPLEMENTARY_COLUMNS = {
    "PHQA_A": "dysthymia_past_year",
    "PHQA_B": "functional_difficulty",
    "PHQA_C": "serious_thoughts_past_month",
    "PHQA_D": "lifetime_attempt",
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
# Roster column → the Student field its text is stored in; each value is checked against the
# field itself (max_length), so a change of the model cannot let a value through that crashes
# the COPY.
STORED_TEXT = {
    "student_no": "student_no",
    "name": "full_name",
    "grade": "grade",
    "class": "class_name",
}


def column_map(
    header: list[str], campaign: Campaign
) -> tuple[dict[str, int], dict[str, list[int]]]:
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
        supplementary = title.upper() if title.upper() in SUPPLEMENTARY_COLUMNS else None
        if name:
            fields[name] = index
        elif supplementary and scoring.PHQA in campaign.instruments:
            fields[supplementary] = index
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


def is_header(titles: list[str]) -> bool:
    """A roster's header names at least the student number and the name (a title row above it,
    "XX中学2026年秋季心理健康筛查名单", does not)."""
    named = {title.lower() for title in titles if title}
    return all(named & set(FIELD_ALIASES[field]) for field in ("student_no", "name"))


def file_titles(
    header: list[str], fields: dict[str, int], items: dict[str, list[int]]
) -> dict[str, str]:
    """Each column's name in the error report → its title as the file wrote it (学号, not
    `student_no`; phq9_3 as typed)."""
    titles = {
        FIELD_ALIASES.get(field, (field,))[0]: header[index] for field, index in fields.items()
    }
    for instrument, indexes in items.items():
        prefix = INSTRUMENT_PREFIX[instrument]
        titles |= {f"{prefix}_{n}": header[index] for n, index in enumerate(indexes, start=1)}
    return titles
