"""`python manage.py audit_export --since DAY|TIME [--until DAY|TIME] [--output FILE]`: the
audit log as JSON lines for an external log store (README "Security": the audit log's copy off
the host), one sealed entry a line in chain order, with its content as hashed and its hashes:

    {"chain_hash": …, "content_hash": …, "entry": {"action": …, "id": …, …},
     "position": 41, "previous_hash": …}

Entries not sealed yet are left for the next export (the sealer runs every minute). Check a
file without the portal: `python tools/audit_verify_offline.py FILE`."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from centre.audit_chain import export_lines, parse_moment


class Command(BaseCommand):
    help = "Write the sealed audit entries of a window as JSON lines (stdout or --output)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--since", required=True, help="From this day or time (ISO)")
        parser.add_argument("--until", help="Up to this day or time, not included")
        parser.add_argument("--output", help="A file to write (default: standard output)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            since = parse_moment(options["since"])
            until = parse_moment(options["until"]) if options["until"] else None
        except ValueError as error:
            raise CommandError(f"--since/--until: {error}") from error
        lines = export_lines(since=since, until=until)
        written = 0
        if options["output"]:
            with open(options["output"], "w", encoding="utf-8") as output:
                for line in lines:
                    output.write(f"{line}\n")
                    written += 1
            self.stderr.write(f"{written} entries written to {options['output']}")
            return
        for line in lines:
            self.stdout.write(line)
            written += 1
        self.stderr.write(f"{written} entries written")
