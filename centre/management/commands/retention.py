"""`python manage.py retention [--dry-run] [--json]`: apply the retention windows now (the
monthly beat does it too), or with --dry-run count what would go. Counts per record type only,
never names; each run, dry or not, is an audit entry (centre.retention). Rows past their window
kept by a legal hold (centre.legal_holds) are counted on a line of their own."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from centre.retention import held_counts, policies, retention_run


class Command(BaseCommand):
    help = "Erase or de-identify records past their retention window (--dry-run: count them)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Count, change nothing.")
        parser.add_argument("--json", action="store_true", dest="as_json", help="One JSON object.")

    def handle(
        self, *args: Any, dry_run: bool = False, as_json: bool = False, **options: Any
    ) -> None:
        counts = retention_run(dry_run=dry_run)
        held = held_counts()
        if as_json:
            self.stdout.write(json.dumps({"dry_run": dry_run, "counts": counts, "held": held}))
            return
        for policy in policies():
            verb = "would go" if dry_run else "done"
            if not policy.erases:
                verb = "kept (append-only)"
            window = f"{policy.window()} {policy.unit}"
            if policy.after:
                window += f" after {policy.after}"
            self.stdout.write(
                f"{policy.record_type:<28} {counts[policy.record_type]:>8}  {verb}  ({window})"
            )
            if held.get(policy.record_type):
                self.stdout.write(f"{'':<28} {held[policy.record_type]:>8}  kept: legal hold")
