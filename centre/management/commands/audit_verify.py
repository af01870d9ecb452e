"""`python manage.py audit_verify [--since DAY|TIME] [--until DAY|TIME] [--first-id N]
[--last-id N]`: check the audit log's hash chain (centre.audit_chain), whole or the stretch that
holds the entries asked for. Names the first entry that does not verify and exits 1; exits 1
too when entries have waited for the sealer longer than AUDIT_SEAL_MAX_DELAY_MINUTES. After a
purge (`audit_purge`) the chain is checked from its latest anchor, and the anchor against the
purge's own audit entry."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from centre.audit_alerts import break_reason
from centre.audit_chain import audit_chain_verify, parse_moment


class Command(BaseCommand):
    help = "Verify the audit log's hash chain; name the first broken entry (exit status 1)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--since", help="Entries written from this day or time (ISO)")
        parser.add_argument("--until", help="… up to this day or time, not included")
        parser.add_argument("--first-id", type=int, help="Entries from this id")
        parser.add_argument("--last-id", type=int, help="… up to this id, included")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            since = parse_moment(options["since"]) if options["since"] else None
            until = parse_moment(options["until"]) if options["until"] else None
        except ValueError as error:
            raise CommandError(f"--since/--until: {error}") from error
        verification = audit_chain_verify(
            since=since, until=until, first_id=options["first_id"], last_id=options["last_id"]
        )
        broken = verification.broken
        if broken is not None:
            raise CommandError(
                f"entry {broken.entry_id} (chain position {broken.position}) does not verify:"
                f" {break_reason(broken.reason)}. {verification.checked} entries before it verify."
            )
        if verification.seal_overdue:
            raise CommandError(
                f"{verification.unsealed} entries are not sealed, the oldest written at"
                f" {verification.oldest_unsealed_at:%Y-%m-%d %H:%M %Z}: is the beat running?"
            )
        span = (
            f"positions {verification.first_position}–{verification.last_position}"
            if verification.checked
            else "no sealed entries in the range"
        )
        anchor = verification.anchor
        start = (
            f" It starts after the purge anchor at position {anchor.chain_position}"
            f" (chain hash {anchor.chain_hash}: the --previous of the next offline check)."
            if anchor is not None
            else ""
        )
        self.stdout.write(
            f"audit chain verified: {verification.checked} entries ({span});"
            f" {verification.unsealed} waiting for the sealer.{start}"
        )
