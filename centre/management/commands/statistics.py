"""`python manage.py statistics --from YYYY-MM --to YYYY-MM [--site CODE] --json`: the figures of
a window (months inclusive, in the centre's time zone) for the network or a site and the sites
below it."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from centre import statistics
from centre.models import Site


class Command(BaseCommand):
    help = "The centre's figures for a window of months, network-wide or for a site subtree."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--from", dest="first", required=True, help="First month, YYYY-MM")
        parser.add_argument("--to", dest="last", required=True, help="Last month, YYYY-MM")
        parser.add_argument("--site", help="A site's code: that site and the sites below it")
        parser.add_argument("--json", action="store_true", dest="as_json", help="One JSON object")

    def handle(
        self, *args: Any, first: str, last: str, site: str | None, as_json: bool, **options: Any
    ) -> None:
        try:
            window = statistics.Window.parse(first, last)
        except ValueError as error:
            raise CommandError(str(error)) from error
        site_path = None
        if site:
            found = Site.objects.filter(code=site).first()
            if found is None:
                raise CommandError(f"no site {site!r}")
            site_path = found.path
        figures = statistics.figures(window, site_path=site_path)
        if as_json:
            self.stdout.write(json.dumps(figures, ensure_ascii=False))
            return
        self.stdout.write(f"{window.label()} {site or 'network'}")
        for name, value in figures.items():
            self.stdout.write(f"  {name:<26} {value}")
