"""`python manage.py reminders [--json]`: the outbox at a glance."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand

from centre.reminders import reminder_counts


class Command(BaseCommand):
    help = "Reminder counts by status: due (due now, not yet sent), queued, sending, sent, failed."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--json", action="store_true", dest="as_json", help="One JSON object.")

    def handle(self, *args, as_json: bool = False, **options) -> None:
        counts = reminder_counts()
        if as_json:
            self.stdout.write(json.dumps(counts))
            return
        for status, count in counts.items():
            self.stdout.write(f"{status:<8} {count}")
