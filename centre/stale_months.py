"""Postgres triggers that tell the statistics roll-up which months changed.

An app whose records feed a rolled-up figure installs, from a migration, one statement-level
trigger function per table. In the writer's own transaction it appends a `centre_stalemonth`
row for every month the statement touches: the months of the `months` columns of the inserted
rows, of the deleted rows, and of the old and the new values of updated rows whose `watched`
columns changed (an update of anything else — a version bump, a note — marks nothing). `fan_out`
adds months of other tables' records when a dimension changes (a case moved to another site moves
its sessions with it). TRUNCATE marks every rolled-up month of the provider.

Statement-level triggers with transition tables cost one INSERT per statement, so a COPY of
50,000 rows writes a handful of marks, not 50,000. On SQLite (the embedded trial mode) nothing is
installed and the statistics count every month from the records."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.apps.registry import Apps
from django.conf import settings
from django.db.backends.base.schema import BaseDatabaseSchemaEditor


@dataclass(frozen=True)
class Watch:
    table: str
    provider: str
    months: list[str] = field(default_factory=list)  # timestamp columns that place a row
    watched: list[str] = field(default_factory=list)  # columns whose change moves a figure
    # SELECTs of `month` over other tables joined to the updated rows (`old_rows`, `new_rows`),
    # for dimension columns such as a case's site.
    fan_out: list[str] = field(default_factory=list)
    # SELECTs of `month` over other tables joined to `{rows}` (an alias `s`): run on the inserted
    # rows, the deleted rows, and the old and the new of updated rows whose `watched` columns
    # changed — for a row whose month is another table's (a code placed by its window's opening).
    joined: list[str] = field(default_factory=list)

    @property
    def function(self) -> str:
        return f"{self.table}_stale_months"


def month_of(expression: str) -> str:
    """The month (a date, the 1st) of a timestamp in the centre's time zone, as the statistics
    count it. The zone is written into the trigger when the migration runs: TIME_ZONE is fixed
    in the settings, and a change of it needs the triggers installed again."""
    return f"date_trunc('month', {expression} AT TIME ZONE '{settings.TIME_ZONE}')::date"


def _marks(provider: str, selects: list[str]) -> str:
    if not selects:
        return "NULL;"
    union = "\n            UNION ALL ".join(selects)
    return f"""INSERT INTO centre_stalemonth (provider, month)
        SELECT DISTINCT '{provider}', month FROM (
            {union}
        ) months WHERE month IS NOT NULL;"""


def _months_of(
    rows: str, aliases: tuple[str, ...], columns: list[str], where: str = ""
) -> list[str]:
    """One scan of the transition rows, each row giving the months of its columns."""
    if not columns:
        return []
    values = ", ".join(
        f"({month_of(f'{alias}.{column}')})" for column in columns for alias in aliases
    )
    return [f"SELECT m.month FROM {rows}, LATERAL (VALUES {values}) AS m(month){where}"]


def _joined(watch: Watch, changed: str) -> tuple[list[str], list[str], list[str]]:
    """The `joined` SELECTs for inserted, deleted and updated rows."""

    def moved(side: str) -> str:
        pairs = "old_rows o JOIN new_rows n ON o.id = n.id"
        return f"(SELECT {side}.* FROM {pairs} WHERE {changed or 'false'}) s"

    return (
        [select.format(rows="new_rows s") for select in watch.joined],
        [select.format(rows="old_rows s") for select in watch.joined],
        [select.format(rows=moved(side)) for select in watch.joined for side in ("o", "n")],
    )


def function_sql(watch: Watch) -> str:
    changed = " OR ".join(f"o.{column} IS DISTINCT FROM n.{column}" for column in watch.watched)
    joined_inserted, joined_deleted, joined_updated = _joined(watch, changed)
    inserted = _months_of("new_rows n", ("n",), watch.months) + joined_inserted
    deleted = _months_of("old_rows o", ("o",), watch.months) + joined_deleted
    updated = _months_of(
        "old_rows o JOIN new_rows n ON o.id = n.id", ("o", "n"), watch.months,
        f" WHERE {changed or 'false'}",
    ) + watch.fan_out + joined_updated  # fmt: skip
    return f"""
CREATE OR REPLACE FUNCTION {watch.function}() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        {_marks(watch.provider, inserted)}
    ELSIF TG_OP = 'DELETE' THEN
        {_marks(watch.provider, deleted)}
    ELSIF TG_OP = 'UPDATE' THEN
        {_marks(watch.provider, updated)}
    ELSE
        INSERT INTO centre_stalemonth (provider, month)
        SELECT provider, month FROM centre_rolledupmonth WHERE provider = '{watch.provider}';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER {watch.table}_stale_insert AFTER INSERT ON {watch.table}
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {watch.function}();
CREATE TRIGGER {watch.table}_stale_update AFTER UPDATE ON {watch.table}
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION {watch.function}();
CREATE TRIGGER {watch.table}_stale_delete AFTER DELETE ON {watch.table}
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION {watch.function}();
CREATE TRIGGER {watch.table}_stale_truncate AFTER TRUNCATE ON {watch.table}
    FOR EACH STATEMENT EXECUTE FUNCTION {watch.function}();
"""


# What RunPython runs: the registry of the migration's moment and the schema editor.
Operation = Callable[[Apps, BaseDatabaseSchemaEditor], None]


def drop_sql(watch: Watch) -> str:
    drops = "".join(
        f"DROP TRIGGER IF EXISTS {watch.table}_stale_{event} ON {watch.table};\n"
        for event in ("insert", "update", "delete", "truncate")
    )
    return f"{drops}DROP FUNCTION IF EXISTS {watch.function}();\n"


def installer(watches: list[Watch]) -> tuple[Operation, Operation]:
    """RunPython operations' (forward, backward) for a migration; Postgres only."""

    def forward(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        if schema_editor.connection.vendor == "postgresql":
            for watch in watches:
                schema_editor.execute(function_sql(watch), params=None)

    def backward(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        if schema_editor.connection.vendor == "postgresql":
            for watch in watches:
                schema_editor.execute(drop_sql(watch), params=None)

    return forward, backward
