"""Reading dates and moments Python cannot hold. Postgres stores years from 4713 BC to 294276 AD;
Python's from 1 to 9999. A moment typed as 0001-01-01 00:00 in Shanghai is 1 BC in UTC: stored
without complaint, it made psycopg2 raise on every read of every list that row is in (a county's
caseloads answered 500 until someone fixed the row by hand).

The field rules (`centre.field_rules`) keep such values out now; rows written before, or by hand,
are read clamped to the first or last day Python can convert to any time zone, so the page shows
an absurd date someone can correct, instead of no page at all."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

EARLIEST_MOMENT = datetime.datetime(1, 1, 2, tzinfo=datetime.UTC)
LATEST_MOMENT = datetime.datetime(9999, 12, 30, tzinfo=datetime.UTC)


def _clamped_moment(text: str) -> datetime.datetime:
    return EARLIEST_MOMENT if text.endswith("BC") or text.startswith("-") else LATEST_MOMENT


def _clamped_date(text: str) -> datetime.date:
    return datetime.date.min if text.endswith("BC") else datetime.date.max


def lenient(
    base: Callable[[Any, Any], Any],
    clamp: Callable[[str], Any],
    *,
    earliest: datetime.datetime | None = None,
    latest: datetime.datetime | None = None,
) -> Callable[[Any, Any], Any]:
    """`base`'s cast, but a value beyond Python's range is clamped rather than raised on."""

    def cast(text: Any, cursor: Any) -> Any:  # the column's text (None for NULL), psycopg2's cursor
        try:
            value = base(text, cursor)
        except ValueError:
            return clamp(text)
        if earliest is not None and value is not None and value.tzinfo is not None:
            value = min(max(value, earliest), latest)
        return value

    return cast


def register() -> None:
    """Replace psycopg2's casts of timestamptz and date, for every connection of the process."""
    try:
        from psycopg2 import extensions
    except ImportError:  # SQLite trial mode without psycopg2: nothing to register
        return
    moment = extensions.new_type(
        extensions.PYDATETIMETZ.values,
        "LENIENT_TIMESTAMPTZ",
        lenient(
            extensions.PYDATETIMETZ,
            _clamped_moment,
            earliest=EARLIEST_MOMENT,
            latest=LATEST_MOMENT,
        ),
    )
    day = extensions.new_type(
        extensions.PYDATE.values, "LENIENT_DATE", lenient(extensions.PYDATE, _clamped_date)
    )
    extensions.register_type(moment)
    extensions.register_type(day)
