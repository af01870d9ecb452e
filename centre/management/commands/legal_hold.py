"""`python manage.py legal_hold --by AUDITOR place TYPE ID --reason …`, `… release TYPE ID`,
`… list`: legal holds (centre.legal_holds), which retention never erases. Placed and released
in the name of an auditor's account, each audited; the list shows types and ids only."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser

from centre.errors import ServiceError
from centre.legal_holds import legal_hold_place, legal_hold_release
from centre.models import LegalHold, User


class Command(BaseCommand):
    help = "Place, release or list legal holds (records retention keeps past their window)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--by", required=True, help="The auditor's username.")
        actions = parser.add_subparsers(dest="action", required=True)
        place = actions.add_parser("place")
        place.add_argument("target_type", help="app_label.model, e.g. counselling.case")
        place.add_argument("target_id")
        place.add_argument("--reason", required=True)
        release = actions.add_parser("release")
        release.add_argument("target_type")
        release.add_argument("target_id")
        actions.add_parser("list")

    def handle(self, *args: Any, by: str, action: str, **options: Any) -> None:
        actor = User.objects.filter(username=by, is_active=True).first()
        if actor is None:
            raise CommandError(f"no active account {by!r}")
        try:
            if action == "place":
                hold = legal_hold_place(
                    actor=actor,
                    target_type=options["target_type"],
                    target_id=options["target_id"],
                    reason=options["reason"],
                )
                self.stdout.write(f"held: {hold.target_type} {hold.target_id}")
            elif action == "release":
                self._release(actor, options["target_type"], options["target_id"])
            else:
                self._list(actor)
        except PermissionDenied as error:
            raise CommandError(f"{by!r} is not an auditor") from error
        except ServiceError as error:
            raise CommandError(f"refused: {error.code}") from error

    def _release(self, actor: User, target_type: str, target_id: str) -> None:
        hold = LegalHold.objects.filter(
            target_type=target_type, target_id=target_id, released_at__isnull=True
        ).first()
        if hold is None:
            raise CommandError("no hold in force on that record")
        legal_hold_release(actor=actor, hold=hold)
        self.stdout.write(f"released: {target_type} {target_id}")

    def _list(self, actor: User) -> None:
        from centre.roles import Role

        if not actor.has_role(Role.AUDITOR):
            raise PermissionDenied
        for hold in LegalHold.objects.filter(released_at__isnull=True).order_by("placed_at"):
            self.stdout.write(
                f"{hold.target_type} {hold.target_id} since {hold.placed_at:%Y-%m-%d}"
            )
