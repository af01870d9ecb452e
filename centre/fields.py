"""Model fields of our own."""

from __future__ import annotations

import json
from typing import Any

from django.contrib.postgres.fields import ArrayField


class ChoiceList(ArrayField):  # type: ignore[type-arg]
    """A list of choices: a Postgres array, and on SQLite (the trial mode of `make run`, which has
    no arrays) the same list kept as JSON text. Nothing queries inside the list."""

    def db_type(self, connection: Any) -> str | None:
        if connection.vendor == "sqlite":
            return "text"
        return super().db_type(connection)

    def cast_db_type(self, connection: Any) -> str:
        if connection.vendor == "sqlite":
            return "text"
        return super().cast_db_type(connection)

    def get_placeholder(self, value: Any, compiler: Any, connection: Any) -> str:
        if connection.vendor == "sqlite":
            return "%s"  # the array's "::varchar(30)[]" cast is Postgres's
        return str(super().get_placeholder(value, compiler, connection))  # type: ignore[misc]  # the stubs lack it

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        if connection.vendor == "sqlite":
            return None if value is None else json.dumps(list(value))
        return super().get_db_prep_value(value, connection, prepared)

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if connection.vendor == "sqlite" and isinstance(value, str):
            return json.loads(value)
        return value
