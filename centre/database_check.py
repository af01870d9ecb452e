"""Stop early, with instructions, when the database server does not answer.

`make test` runs this before pytest (and tests/conftest.py calls `database_problem()` too), so the
suite never silently falls back to another database. `make run` runs it with `--create`, which
also creates the configured Postgres database when the server has none of that name.
"""

from __future__ import annotations

import os
import sys

HOW_TO_START = (
    "Start Postgres, for example:\n"
    "  pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start\n"
    "or point DATABASE_URL at a running server: "
    "DATABASE_URL=postgres://USER@HOST:5432/portal make test"
)


def database_problem() -> str | None:
    """None when the configured database answers, else what went wrong and how to fix it."""
    import warnings

    from django.db import connection
    from django.db.utils import OperationalError

    if connection.vendor == "sqlite":
        return None  # the embedded default: SQLite makes its file on first use
    try:
        # The maintenance database: the test database itself may not exist yet.
        with warnings.catch_warnings(), connection._nodb_cursor() as cursor:
            warnings.simplefilter("ignore", RuntimeWarning)
            cursor.execute("SELECT 1")
    except OperationalError as error:
        settings = connection.settings_dict
        where = f"{settings.get('HOST') or 'local socket'}:{settings.get('PORT') or 5432}"
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
        return f"Postgres at {where} does not answer ({first_line}).\n{HOW_TO_START}"
    finally:
        connection.close()
    return None


def create_database_if_missing() -> None:
    from django.db import connection

    if connection.vendor != "postgresql":
        return  # SQLite makes its file on first use
    name = connection.settings_dict["NAME"]
    with connection._nodb_cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f"CREATE DATABASE {connection.ops.quote_name(name)}")
            print(f"Created the database {name}.")  # noqa: T201


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "centre.settings.test")
    import django

    django.setup()
    problem = database_problem()
    if problem:
        sys.exit(problem)
    if "--create" in sys.argv[1:]:
        create_database_if_missing()
