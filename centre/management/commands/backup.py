"""`python manage.py backup [--directory DIR]` (`make backup`): the database (pg_dump custom
format) and the media storage, in a new directory under BACKUP_DIR; prints its path."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from centre.backup import backup_create
from centre.errors import ServiceError


class Command(BaseCommand):
    help = "Back up the database and the uploaded and generated files."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--directory", type=Path, default=None, help="Default: BACKUP_DIR.")

    def handle(self, *args: Any, directory: Path | None = None, **options: Any) -> None:
        try:
            target = backup_create(directory=directory or Path(settings.BACKUP_DIR))
        except ServiceError as error:
            raise CommandError(str(error.message)) from error
        self.stdout.write(str(target))
