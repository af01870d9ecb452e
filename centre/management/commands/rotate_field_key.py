"""`python manage.py rotate_field_key [--batch N] [--json]`: every encrypted value under the
current key of FIELD_ENCRYPTION_KEYS, and every blind index under FIELD_INDEX_KEY.

Rotation (README "Security"): put a new key first in FIELD_ENCRYPTION_KEYS, keep the old ones
after it, restart the portal (it now writes with the new key and reads with all), run this
command, then drop the old keys. The portal may stay up: each row is rewritten only if it still
holds the value read. Re-running is safe; a run with nothing to do reports only "current".
`--generate-key` prints a fresh key and touches nothing.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from centre import encryption
from centre.settings.environment import new_field_key


class Command(BaseCommand):
    help = "Re-encrypt every encrypted column with the current key, in batches, and report counts."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", type=int, default=encryption.BATCH, help="Rows a statement.")
        parser.add_argument("--json", action="store_true", dest="as_json", help="One JSON object.")
        parser.add_argument(
            "--generate-key", action="store_true", help="Print a new key and do nothing else."
        )

    def handle(
        self,
        *args: Any,
        batch: int = encryption.BATCH,
        as_json: bool = False,
        generate_key: bool = False,
        **options: Any,
    ) -> None:
        if generate_key:
            self.stdout.write(new_field_key())
            return
        if batch < 1:
            raise CommandError("--batch: at least 1.")
        report = self._rotate(batch)
        if as_json:
            self.stdout.write(json.dumps(report))
        else:
            self._print(report)
        unreadable = sum(counts["unreadable"] for counts in report["columns"].values())
        if unreadable:
            raise CommandError(
                f"{unreadable} values are under a key FIELD_ENCRYPTION_KEYS no longer lists (or "
                "damaged) and were left as they are: add the old key back after the current one "
                "and run this again."
            )

    def _rotate(self, batch: int) -> dict[str, Any]:
        columns: dict[str, dict[str, Any]] = {}
        indexes: dict[str, int] = {}
        for table in encryption.encrypted_tables():
            for column in table.columns:
                counts = encryption.reencrypt_column(connection, table.table, column, batch=batch)
                columns[f"{table.table}.{column}"] = asdict(counts)
            for index in table.indexes:
                changed = encryption.reindex_column(
                    connection,
                    table.table,
                    index.column,
                    index.source,
                    batch=batch,
                    normalise=index.normalise,
                )
                indexes[f"{table.table}.{index.column}"] = changed
        return {"key": encryption.keyring().current_id, "columns": columns, "indexes": indexes}

    def _print(self, report: dict[str, Any]) -> None:
        self.stdout.write(f"current key {report['key']}")
        for column, counts in report["columns"].items():
            self.stdout.write(
                f"{column}: {counts['reencrypted']} re-encrypted, {counts['encrypted']} "
                f"encrypted from plain text, {counts['current']} current, "
                f"{counts['unreadable']} unreadable"
                + (f" (ids {counts['unreadable_ids']}…)" if counts["unreadable"] else "")
            )
        for index, changed in report["indexes"].items():
            self.stdout.write(f"{index}: {changed} recomputed")
