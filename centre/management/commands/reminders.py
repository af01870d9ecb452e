"""`python manage.py reminders [--json]`: the outbox at a glance."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from centre.reminders import reminder_counts


class Command(BaseCommand):
    help = "Reminder counts by status: due (due now, not yet sent), queued, sending, sent, failed."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", dest="as_json", help="One JSON object.")

    def handle(self, *args: Any, as_json: bool = False, **options: Any) -> None:
        counts = reminder_counts()
        if as_json:
            self.stdout.write(json.dumps(counts))
            return
        for status, count in counts.items():
            self.stdout.write(f"{status:<8} {count}")
