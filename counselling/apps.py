from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from centre.navigation import Home, NavigationItem, Workspace
from centre.retention import RetentionPolicy, Unit
from centre.roles import Role

CLINICAL_WORK = [
    "counselling.view_client",
    "counselling.add_client",
    "counselling.change_client",
    "counselling.view_case",
    "counselling.add_case",
    "counselling.change_case",
    "counselling.view_counsellingsession",
    "counselling.add_counsellingsession",
    "counselling.change_counsellingsession",
    "counselling.view_referral",
    "counselling.add_referral",
    "counselling.change_referral",
    "counselling.view_safetyplan",
    "counselling.add_safetyplan",
    "counselling.view_appointment",
    "counselling.add_appointment",
    "counselling.change_appointment",
]


class CounsellingConfig(AppConfig):
    name = "counselling"
    verbose_name = _("Counselling")
    # Model permissions open pages and actions; which cases a user sees is decided by
    # counselling.selectors.case_visible_to, never by a role alone.
    role_permissions = {
        "counsellor": CLINICAL_WORK,
        "supervisor": [
            *CLINICAL_WORK,
            "counselling.view_caseconference",
            "counselling.add_caseconference",
        ],
        "crisis_team": ["counselling.view_case", "counselling.view_counsellingsession"],
    }

    # What counselling gives the core (centre/declarations.py).
    statistics_provider = "counselling.statistics"
    # Records that stand for one child, counted by the bulk-access alert (centre.audit_alerts).
    client_records = ("counselling.client", "counselling.case")
    retention_policies = (
        RetentionPolicy(
            record_type="counselling.case",
            label=_("Counselling case files"),
            setting="COUNSELLING_RETENTION_YEARS",
            unit=Unit.YEARS,
            expired="counselling.retention.cases_expired",
            apply="counselling.retention.cases_erase",
            order=20,
        ),
        RetentionPolicy(
            record_type="counselling.client",
            label=_("Registrations, guardians and consents"),
            setting="CONSENT_RETENTION_YEARS",
            unit=Unit.YEARS,
            expired="counselling.retention.registrations_expired",
            apply="counselling.retention.registrations_erase",
            after="counselling.case",
            order=25,
        ),
    )
    message_templates = {
        "break_glass_opened": "counselling.services.access._break_glass_opened",
        "follow_up_due": "counselling.services.follow_ups._follow_up_due",
        "follow_up_call": "counselling.services.follow_ups._follow_up_call",
        "follow_up_overdue": "counselling.services.follow_ups._follow_up_overdue",
        "follow_ups_overdue": "counselling.services.follow_ups._follow_ups_overdue",
        "follow_up_sms": "counselling.services.follow_ups._follow_up_sms",
        "case_conference_due": "counselling.services.conferences._case_conference_due",
        "follow_up_digest": "counselling.services.follow_ups._follow_up_digest",
        # The same words as a follow-up's SMS: an appointment at a time, a number to change it.
        "appointment_sms": "counselling.services.follow_ups._follow_up_sms",
    }
    workspace = Workspace(
        view="counselling.views.CaseloadView", url_name="counselling:caseload", order=10
    )
    home = Home(url_name="counselling:today", roles=frozenset({Role.COUNSELLOR}), order=10)
    navigation = (
        NavigationItem(
            _("Today"),
            "counselling:today",
            frozenset({Role.COUNSELLOR, Role.SUPERVISOR}),
            order=9,
        ),
        NavigationItem(
            _("Case conferences"), "counselling:conferences", frozenset({Role.SUPERVISOR}), order=11
        ),
        NavigationItem(
            _("Find a case"), "counselling:crisis-search", frozenset({Role.CRISIS_TEAM}), order=12
        ),
    )
