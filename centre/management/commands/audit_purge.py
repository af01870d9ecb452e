"""`python manage.py audit_purge --before DAY --by AUDITOR --export FILE [--dry-run]`: remove
the audit entries written before DAY, once past AUDIT_RETENTION_YEARS (at least 3), into the new
file FILE (audit_export's lines), leaving an anchor the chain verifies from
(centre.audit_purge). Run as the owner of the tables, never as the application's role; the
dry run says what would go and writes nothing."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser

from centre.audit_purge import audit_purge
from centre.errors import ServiceError
from centre.models import User


class Command(BaseCommand):
    help = (
        "Purge the audit entries written before a day past the retention window, into an"
        " export file, leaving an anchor the chain verifies from. Run as the tables' owner."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--before", required=True, help="The day (YYYY-MM-DD), not included")
        parser.add_argument("--by", required=True, help="The auditor who signed the purge off")
        parser.add_argument("--export", help="A new file for the purged entries (required)")
        parser.add_argument("--dry-run", action="store_true", help="Say what would go; no change")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            before = datetime.date.fromisoformat(options["before"])
        except ValueError as error:
            raise CommandError(f"--before: {error}") from error
        if not options["dry_run"] and not options["export"]:
            raise CommandError("--export FILE: where the purged entries are written first")
        by = User.objects.filter(username=options["by"], is_active=True).first()
        if by is None:
            raise CommandError(f"no active account {options['by']!r}")
        export = Path(options["export"] or "")
        if not options["dry_run"] and export.exists():
            raise CommandError(f"{export} exists already: give a new file")
        try:
            plan, anchor = audit_purge(
                before=before, by=by, export=export, dry_run=options["dry_run"]
            )
        except PermissionDenied as error:
            raise CommandError(f"{options['by']!r} is not an auditor") from error
        except ServiceError as error:
            raise CommandError(f"refused ({error.code}): {error.message}") from error
        span = f"chain positions {plan.first_position}–{plan.last_position}"
        if anchor is None:
            self.stdout.write(
                f"dry run: {plan.count} entries would go ({span}); nothing was changed."
            )
            return
        self.stdout.write(
            f"purged {plan.count} entries ({span}) into {export} (sha256"
            f" {anchor.export_sha256}); the chain now starts after position"
            f" {anchor.chain_position}, chain hash {anchor.chain_hash}."
        )
