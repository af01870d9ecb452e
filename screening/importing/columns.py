"""A roster's columns: their names in English and as Chinese Excel writes them, the item columns of
each instrument, and the header → column index map (unknown and missing columns refuse the file)."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from screening import scoring
from screening.models import Campaign
from screening.roster_files import RefusedRosterError

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
