"""Demo sites, schools, accounts and each app's realistic records. Idempotent."""

from __future__ import annotations

import importlib
import os
import secrets
from collections.abc import Callable
from typing import Any

from django.apps import AppConfig, apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils.module_loading import module_has_submodule

from centre import demo as centre_demo


class Command(BaseCommand):
    help = "Create demo sites, schools, one account per role and realistic records (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even though DEBUG is off (never in production).",
        )
        parser.add_argument(
            "--new-recovery-codes",
            action="store_true",
            help="Print new recovery codes for every demo account (the old ones stop working).",
        )

    def handle(
        self, *args: Any, force: bool, new_recovery_codes: bool = False, **options: Any
    ) -> None:
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo creates accounts with known passwords: it runs only with DEBUG=true, "
                "or with --force on a database that holds no real records."
            )
        password = os.environ.get("DEMO_PASSWORD") or None
        generated = None
        if password is None and centre_demo.missing_accounts():
            generated = password = secrets.token_urlsafe(9)

        with transaction.atomic():
            for app_config in self._apps_with_demo_data():
                module = importlib.import_module(f"{app_config.name}.demo")
                module.seed(password=password, log=self._log_for(app_config.label))

        self._print_recovery_codes(renew=new_recovery_codes)
        if generated:
            self.stdout.write(
                self.style.WARNING(
                    f"Demo password for every demo account (shown once): {generated}\n"
                    "Set DEMO_PASSWORD and run seed_demo again to choose another."
                )
            )
        elif os.environ.get("DEMO_PASSWORD"):
            self.stdout.write("Demo accounts use the password in DEMO_PASSWORD.")
        else:
            self.stdout.write(
                "Demo accounts already existed; their password was shown when they were created. "
                "Set DEMO_PASSWORD and run seed_demo again to reset it."
            )

    def _print_recovery_codes(self, *, renew: bool) -> None:
        """The second sign-in step of a trial run (README "Demo accounts"): each demo account
        without a device (or all, with --new-recovery-codes) gets recovery codes, printed once;
        each signs in once. Real accounts enrol an authenticator app at their first sign-in."""
        made = centre_demo.recovery_codes(renew=renew)
        if not made:
            return
        self.stdout.write(
            self.style.WARNING(
                "Recovery codes for the second sign-in step (shown once; each works once; "
                "`seed_demo --new-recovery-codes` prints new ones):"
            )
        )
        for username, codes in made.items():
            self.stdout.write(f"  {username:<12} {' '.join(codes)}")

    @staticmethod
    def _apps_with_demo_data() -> list[AppConfig]:
        """centre first, then the other apps in INSTALLED_APPS order."""
        found = [
            config
            for config in apps.get_app_configs()
            if config.name == config.label and module_has_submodule(config.module, "demo")
        ]
        return sorted(found, key=lambda config: config.name != "centre")

    def _log_for(self, label: str) -> Callable[[str], None]:
        return lambda message: self.stdout.write(f"[{label}] {message}")
