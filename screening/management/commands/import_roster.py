"""`python manage.py import_roster --campaign ID FILE [--all-or-nothing] [--as USERNAME]` — the
same import as the browser's (`screening.services`); `import_roster --list-campaigns` lists the
campaigns, one per line, id first.

The import and its audit entry name who ran it: `--as USERNAME`, a user who may upload into the
campaign on its page. Without `--as` they name the campaign's liaison — the person answerable for
the school's rosters, who may undo the import — as the command always did, and say so."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from centre.models import User
from screening import selectors, services
from screening.models import Campaign, RosterImport


class Command(BaseCommand):
    help = "Import a screening roster (XLSX or CSV) into a campaign, or list the campaigns."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", nargs="?", help="The roster: .xlsx or .csv")
        parser.add_argument("--campaign", type=int, help="The campaign's id")
        parser.add_argument(
            "--all-or-nothing",
            action="store_true",
            help="Import nothing unless every row is valid.",
        )
        parser.add_argument(
            "--as",
            dest="username",
            help="Who runs the import, recorded as its uploader (default: the campaign's liaison).",
        )
        parser.add_argument(
            "--list-campaigns", action="store_true", help="One campaign per line, id first."
        )

    def handle(self, *args, **options) -> None:
        campaign: Campaign | None
        if options["list_campaigns"]:
            for campaign in Campaign.objects.select_related("school").order_by("id"):
                instruments = ",".join(campaign.instruments)
                self.stdout.write(
                    f"{campaign.pk}\t{campaign.school.code}\t{campaign.name}\t{instruments}"
                )
            return
        if not options["campaign"] or not options["file"]:
            raise CommandError("give --campaign ID and the FILE (or --list-campaigns)")
        campaign = Campaign.objects.filter(pk=options["campaign"]).first()
        if campaign is None:
            raise CommandError(f"no campaign {options['campaign']}: see --list-campaigns")
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        actor = self._actor(campaign, options["username"])
        outcome = services.roster_import_file(
            actor=actor,
            campaign=campaign,
            name=path.name,
            data=path.read_bytes(),
            all_or_nothing=options["all_or_nothing"],
        )
        if outcome.status in (RosterImport.Status.REFUSED, RosterImport.Status.FAILED):
            raise CommandError(outcome.message)
        for error in outcome.errors:
            self.stderr.write(f"row {error['row']}\t{error['column']}\t{error['reason']}")
        self.stdout.write(
            f"import {outcome.pk}: {outcome.total_rows} rows, {outcome.imported_rows} imported, "
            f"{outcome.unchanged_rows} already there, {len(outcome.errors)} errors"
            + (f" — {outcome.message}" if outcome.message else "")
        )

    def _actor(self, campaign: Campaign, username: str | None) -> User:
        """The user the import is recorded under, who must be allowed the page's upload."""
        if username:
            actor = User.objects.filter(username=username).first()
            if actor is None:
                raise CommandError(f"no user {username}")
        else:
            actor = campaign.liaison
            # On stdout: stderr lists the bad rows only, which scripts read.
            self.stdout.write(
                f"recorded as uploaded by {actor.get_username()}, the campaign's liaison "
                "(give --as USERNAME to name who runs the import)"
            )
        if not selectors.may_import_into(user=actor, campaign=campaign):
            raise CommandError(
                f"{actor.get_username()} may not upload rosters into campaign {campaign.pk}"
            )
        return actor
