from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from centre.audit_actions import AuditActions
from centre.navigation import NavigationItem, Workspace
from centre.retention import RetentionPolicy, Unit
from centre.roles import Role

# What the core writes to the audit log (centre.audit_actions).
CENTRE_AUDIT_ACTIONS = AuditActions(
    actions=(
        "centre.session.login",
        "centre.session.logout",
        "centre.session.second_factor",
        "centre.session.locked_out",
        "centre.session.expired",
        "centre.session.ended",
        "centre.user.two_factor_enrolled",
        "centre.user.two_factor_reset",
        "centre.user.recovery_codes_renewed",
        "centre.user.created",
        "centre.user.changed",
        "centre.user.deleted",
        "centre.user.password_changed",
        "centre.user.role_granted",
        "centre.user.role_revoked",
        "centre.user.permission_granted",
        "centre.user.permission_revoked",
        "centre.role.permission_granted",
        "centre.role.permission_revoked",
        "centre.site.moved",
        "centre.school.moved",
        "centre.reminder.resent",
        "centre.reminder.given_up",
        "centre.statistics.exported",
        "centre.monthly_report.exported",
        "centre.monthly_report.requested",
        "centre.audit_log.exported",
        "centre.audit_log.purged",
        "centre.audit_chain.verified",
        "centre.bulk_access.alerted",
        "centre.break_glass_review.created",
        "centre.legal_hold.placed",
        "centre.legal_hold.released",
        "centre.retention.previewed",
        "centre.retention.erased",
        "centre.retention.applied",
        "centre.retention.failed",
    ),
    records={
        "centre.session": _("Session"),  # signing in and out
        "centre.user": _("Account"),
        "centre.role": _("Role"),
        "centre.site": _("Site"),
        "centre.school": _("School"),
        "centre.reminder": _("Reminder"),
        "centre.statistics": _("Statistics"),
        "centre.monthly_report": _("Monthly report"),
        "centre.audit_log": _("Audit log"),
        "centre.audit_chain": _("Audit log's hash chain"),
        "centre.bulk_access": _("Bulk access to client records"),
        "centre.break_glass_review": _("Break-glass review"),
        "centre.legal_hold": _("Legal hold"),
        "centre.retention": _("Retention run"),
    },
    verbs={
        "login": _("signed in"),
        "logout": _("signed out"),
        "second_factor": _("second sign-in step"),
        "locked_out": _("locked out"),
        "expired": _("ended at its longest time"),
        "ended": _("ended"),
        "two_factor_enrolled": _("second sign-in step set up"),
        "two_factor_reset": _("second sign-in step reset"),
        "recovery_codes_renewed": _("new recovery codes made"),
        "password_changed": _("password changed"),
        "role_granted": _("role granted"),
        "role_revoked": _("role revoked"),
        "permission_granted": _("permission granted"),
        "permission_revoked": _("permission revoked"),
        "resent": _("sent again"),
        "given_up": _("given up"),
        "verified": _("verified"),
        "purged": _("purged past its retention period"),
        "alerted": _("reported to the auditors"),
        "placed": _("placed"),
        "released": _("released"),
        "previewed": _("previewed"),
        "applied": _("applied"),
        "failed": _("stopped by an error"),
        "erased": _("a batch erased"),
    },
    record_types=(
        ("centre.user", _("Account")),
        ("auth.group", _("Role")),
        ("centre.site", _("Site")),
        ("centre.school", _("School")),
        ("centre.monthlyreport", _("Monthly report")),
        ("centre.reminder", _("Reminder")),
        ("centre.auditentry", _("Audit entry")),
    ),
    targets={
        "centre.breakglassreview": "centre.break_glass_review",
        "centre.monthlyreport": "centre.monthly_report",
        "centre.legalhold": "centre.legal_hold",
    },
)


class CentreConfig(AppConfig):
    name = "centre"
    verbose_name = _("Centre")
    audit_actions = CENTRE_AUDIT_ACTIONS
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
