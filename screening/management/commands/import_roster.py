"""`python manage.py import_roster --campaign ID FILE [--all-or-nothing]` — the same import as
the browser's; `import_roster --list-campaigns` lists the campaigns, one per line, id first."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from screening import services
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
            "--list-campaigns", action="store_true", help="One campaign per line, id first."
        )

    def handle(self, *args, **options) -> None:
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
        roster_import = RosterImport.objects.create(
            campaign=campaign,
            uploaded_by=campaign.liaison,
            original_name=path.name,
            all_or_nothing=options["all_or_nothing"],
        )
        outcome = services.roster_import_run(roster_import, path.read_bytes())
        if outcome.status in (RosterImport.Status.REFUSED, RosterImport.Status.FAILED):
            raise CommandError(outcome.message)
        for error in outcome.errors:
            self.stderr.write(f"row {error['row']}\t{error['column']}\t{error['reason']}")
        self.stdout.write(
            f"import {outcome.pk}: {outcome.total_rows} rows, {outcome.imported_rows} imported, "
            f"{outcome.unchanged_rows} already there, {len(outcome.errors)} errors"
            + (f" — {outcome.message}" if outcome.message else "")
        )
