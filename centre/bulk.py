"""Inserting many rows at once: COPY on Postgres (ENGINEERING.md §4.1: 0.2 s for 50,000 rows
against 1.5 s for bulk_create and its per-value preparation), bulk_create elsewhere (the embedded
SQLite of a trial run). Rows must be validated before: one bad value aborts a whole COPY."""

from __future__ import annotations

import csv
import datetime
import io
import json
from collections.abc import Iterable

from django.db import connection, models

NULL = "\\N"
BATCH = 10_000  # rows per COPY: bounded memory, few round trips


def insert_rows(model: type[models.Model], columns: list[str], rows: Iterable[tuple]) -> int:
    """Insert `rows` (tuples in the order of `columns`, the model's column names); None is NULL.
    Returns how many rows were inserted."""
    if connection.vendor != "postgresql":
        objects = [model(**dict(zip(columns, row, strict=True))) for row in rows]
        return len(model.objects.bulk_create(objects, batch_size=2000))
    table = model._meta.db_table
    statement = (
        f"COPY {connection.ops.quote_name(table)} "
        f"({', '.join(connection.ops.quote_name(column) for column in columns)}) "
        f"FROM STDIN WITH (FORMAT csv, NULL '{NULL}')"
    )
    total, buffer, writer, pending = 0, *_new_buffer(), 0
    for row in rows:
        writer.writerow([_copy_value(value) for value in row])
        pending += 1
        if pending == BATCH:
            _flush(statement, buffer)
            total += pending
            (buffer, writer), pending = _new_buffer(), 0
    if pending:
        _flush(statement, buffer)
        total += pending
    return total


def _new_buffer():
    buffer = io.StringIO()
    return buffer, csv.writer(buffer, lineterminator="\n")


def _flush(statement: str, buffer: io.StringIO) -> None:
    buffer.seek(0)
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(statement, buffer)


def _copy_value(value):
    if value is None:
        return NULL
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return value
