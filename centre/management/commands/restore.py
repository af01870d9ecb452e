"""`python manage.py restore BACKUP [--database NAME]` (`make restore BACKUP=…`): put a backup
back, into this database (replacing what is there) or into another existing one, and its files
into the media storage."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from centre.backup import backup_restore
from centre.errors import ServiceError


class Command(BaseCommand):
    help = "Restore a backup made by `manage.py backup`."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", type=Path, help="The backup's directory.")
        parser.add_argument("--database", default=None, help="Another existing database.")

    def handle(self, *args: Any, source: Path, database: str | None = None, **options: Any) -> None:
        try:
            backup_restore(source=source, database_name=database)
        except ServiceError as error:
            raise CommandError(str(error.message)) from error
        self.stdout.write(f"restored {source}")
