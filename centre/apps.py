from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from centre.navigation import NavigationItem, Workspace
from centre.retention import RetentionPolicy, Unit
from centre.roles import Role


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

    # What centre gives itself, declared like every app's (centre/declarations.py).
    message_templates = {
        "monthly_report_ready": "centre.monthly_report.report_ready_message",
        "audit_chain_failed": "centre.audit_alerts.chain_failed_message",
        "audit_bulk_access": "centre.audit_alerts.bulk_access_message",
    }
    # Counted, never erased by the application (README "Retention and backups").
    retention_policies = (
        RetentionPolicy(
            record_type="centre.auditentry",
            label=_("Audit entries"),
            setting="AUDIT_RETENTION_YEARS",
            unit=Unit.YEARS,
            expired="centre.retention.audit_entries_expired",
            erases=False,
            order=90,
        ),
    )
    workspace = Workspace(view="centre.views.StatisticsView", url_name="statistics", order=50)
    navigation = (
        NavigationItem(_("Audit log"), "audit-log", roles=frozenset({Role.AUDITOR}), order=80),
        NavigationItem(
            _("Administration"),
            "admin:index",
            roles=frozenset({Role.SYSTEM_ADMINISTRATOR}),
            order=90,
        ),
        NavigationItem(
            _("Reminders"),
            "reminders",
            roles=frozenset({Role.SUPERVISOR, Role.SYSTEM_ADMINISTRATOR}),
            order=85,
        ),
        NavigationItem(_("API"), "api-docs", roles=frozenset(Role), order=95),
    )

    def ready(self) -> None:
        from django.core import checks
        from django.db.models.signals import post_migrate

        from centre.declaration_checks import check_declarations
        from centre.roles import sync_after_migrate

        # After migrate and after every test flush: role groups match the declarations.
        post_migrate.connect(sync_after_migrate, sender=self, dispatch_uid="centre-sync-roles")
        checks.register(check_declarations)

        from centre import signals  # noqa: F401  (connects the login audit)
        from centre.db_values import register as register_lenient_date_reads

        register_lenient_date_reads()
        from centre.api import refuse_datetime_overflow

        refuse_datetime_overflow()
        from centre.widgets import refuse_nul_in_moments

        refuse_nul_in_moments()
