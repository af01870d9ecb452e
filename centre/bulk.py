"""Inserting many rows at once: COPY on Postgres (ENGINEERING.md §4.1: 0.2 s for 50,000 rows
against 1.5 s for bulk_create and its per-value preparation), bulk_create elsewhere (the embedded
SQLite of a trial run). Rows must be validated before: one bad value aborts a whole COPY."""

from __future__ import annotations

import datetime
import io
import json
from collections.abc import Iterable
from typing import Any

from django.db import connection, models

from centre.encryption import EncryptedTextField, encrypt

NULL = "\\N"
BATCH = 10_000  # rows per COPY: bounded memory, few round trips


class UnstorableValueError(ValueError):
    """A value no text column can hold (NUL). Names the column, never the value."""


def insert_rows(
    model: type[models.Model], columns: list[str], rows: Iterable[tuple[Any, ...]]
) -> int:
    """Insert `rows` (tuples in the order of `columns`, the model's column names); None is NULL.
    Returns how many rows were inserted."""
    if connection.vendor != "postgresql":
        objects = [model(**dict(zip(columns, row, strict=True))) for row in rows]
        return len(model._default_manager.bulk_create(objects, batch_size=2000))
    rows = _encrypted(model, columns, rows)
    table = model._meta.db_table
    statement = (
        f"COPY {connection.ops.quote_name(table)} "
        f"({', '.join(connection.ops.quote_name(column) for column in columns)}) "
        f"FROM STDIN WITH (FORMAT csv, NULL '{NULL}')"
    )
    total, buffer, pending = 0, io.StringIO(), 0
    for row in rows:
        buffer.write(_copy_line(columns, row))
        pending += 1
        if pending == BATCH:
            _flush(statement, buffer)
            total += pending
            buffer, pending = io.StringIO(), 0
    if pending:
        _flush(statement, buffer)
        total += pending
    return total


def _encrypted(
    model: type[models.Model], columns: list[str], rows: Iterable[tuple[Any, ...]]
) -> Iterable[tuple[Any, ...]]:
    """`rows` with the values of encrypted columns encrypted, as a save would (COPY skips the
    fields' own preparation)."""
    by_column = {field.column: field for field in model._meta.concrete_fields}
    positions = [
        position
        for position, column in enumerate(columns)
        if isinstance(by_column.get(column), EncryptedTextField)
    ]
    if not positions:
        return rows
    return (
        tuple(
            encrypt(str(value)) if position in positions and value is not None else value
            for position, value in enumerate(row)
        )
        for row in rows
    )


def _flush(statement: str, buffer: io.StringIO) -> None:
    buffer.seek(0)
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(statement, buffer)


def _copy_line(columns: list[str], row: tuple[Any, ...]) -> str:
    fields = (_copy_field(column, value) for column, value in zip(columns, row, strict=True))
    return ",".join(fields) + "\n"


def _copy_field(column: str, value: object) -> str:
    """Every value but NULL is quoted: a quoted field is never read as NULL, so a cell that is
    exactly the NULL marker is stored as typed."""
    if value is None:
        return NULL
    text = _copy_text(value)
    # Postgres text cannot hold NUL, nor jsonb an escaped one: refused before the COPY starts.
    if "\x00" in text or (isinstance(value, dict | list) and "\\u0000" in text):
        raise UnstorableValueError(f"column {column}: a NUL character cannot be stored")
    return '"' + text.replace('"', '""') + '"'


def _copy_text(value: object) -> str:
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return str(value)
