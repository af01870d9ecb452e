"""Importing a screening roster: map the columns (`columns`), validate every row, scoring and
tiering it on the server (`validation`), then store — the valid rows (default) or nothing unless
every row is valid (`all_or_nothing`) (`storing`).

The same service serves the browser (through a Celery task with a progress bar) and
`manage.py import_roster` (`screening.services.roster_import_run`). Uploading the same roster
again changes nothing; an import can be undone as a whole. What other code imports is re-exported
here."""

from screening.importing.columns import (
    FIELD_ALIASES,
    INSTRUMENT_PREFIX,
    ITEM_COUNT,
    STORED_TEXT,
    SUPPLEMENTARY_COLUMNS,
    column_map,
)
from screening.importing.storing import (
    RESULT_COLUMNS,
    STUDENT_COLUMNS,
    TASK_COLUMNS,
    run_import,
    store_rows,
)
from screening.importing.validation import (
    FORBIDDEN_CHARACTERS,
    SUPPLEMENTARY_ANSWERS,
    Row,
    Validated,
    score_answers,
    validate,
)

__all__ = [
    "FIELD_ALIASES",
    "FORBIDDEN_CHARACTERS",
    "INSTRUMENT_PREFIX",
    "ITEM_COUNT",
    "RESULT_COLUMNS",
    "STORED_TEXT",
    "STUDENT_COLUMNS",
    "SUPPLEMENTARY_ANSWERS",
    "SUPPLEMENTARY_COLUMNS",
    "TASK_COLUMNS",
    "Row",
    "Validated",
    "column_map",
    "run_import",
    "score_answers",
    "store_rows",
    "validate",
]
