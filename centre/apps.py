from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CentreConfig(AppConfig):
    name = "centre"
    verbose_name = _("Centre")
    role_permissions = {
        "counsellor": ["centre.view_site", "centre.view_school"],
        "supervisor": ["centre.view_site", "centre.view_school"],
        "school_liaison": ["centre.view_school"],
        "hotline_operator": ["centre.view_site"],
        "crisis_team": ["centre.view_site"],
        "outreach_coordinator": ["centre.view_site", "centre.view_school"],
        "statistics_administrator": [
            "centre.view_site",
            "centre.view_school",
            "centre.view_statistics",
        ],
        "auditor": ["centre.view_auditentry"],
        "system_administrator": [
            "centre.view_user",
            "centre.add_user",
            "centre.change_user",
            "centre.view_site",
            "centre.add_site",
            "centre.change_site",
            "centre.view_school",
            "centre.add_school",
            "centre.change_school",
            "auth.view_group",
        ],
    }

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from centre.roles import sync_after_migrate

        # After migrate and after every test flush: role groups match the declarations.
        post_migrate.connect(sync_after_migrate, sender=self, dispatch_uid="centre-sync-roles")

        from centre import navigation, signals  # noqa: F401  (connects the login audit)
        from centre.db_values import register as register_lenient_date_reads

        register_lenient_date_reads()
        from centre.api import refuse_datetime_overflow

        refuse_datetime_overflow()
        from centre.reminders import register_template
        from centre.statistics import _report_ready

        register_template("monthly_report_ready", _report_ready)
        from centre.roles import Role
        from centre.views import StatisticsView

        navigation.register_workspace(StatisticsView, "statistics", order=50)
        navigation.register(
            navigation.NavigationItem(
                _("Audit log"), "audit-log", roles=frozenset({Role.AUDITOR}), order=80
            ),
            navigation.NavigationItem(
                _("Administration"),
                "admin:index",
                roles=frozenset({Role.SYSTEM_ADMINISTRATOR}),
                order=90,
            ),
            navigation.NavigationItem(
                _("Reminders"),
                "reminders",
                roles=frozenset({Role.SUPERVISOR, Role.SYSTEM_ADMINISTRATOR}),
                order=85,
            ),
            navigation.NavigationItem(_("API"), "api-docs", roles=frozenset(Role), order=95),
        )
