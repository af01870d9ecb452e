from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from centre.audit_actions import AuditActions
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

# What counselling writes to the audit log (centre.audit_actions).
COUNSELLING_AUDIT_ACTIONS = AuditActions(
    actions=(
        "counselling.case.break_glass",
        "counselling.case.viewed",
        "counselling.case.listed",
        "counselling.case.printed",
        "counselling.case.opened",
        "counselling.case.changed",
        "counselling.case.status_changed",
        "counselling.case.reopened",
        "counselling.case.risk_changed",
        "counselling.case.assigned",
        "counselling.case.shared",
        "counselling.case.unshared",
        "counselling.client.created",
        "counselling.client.viewed",
        "counselling.client.listed",
        "counselling.client.searched",
        "counselling.guardian.added",
        "counselling.guardian.changed",
        "counselling.consent.given",
        "counselling.consent.withdrawn",
        "counselling.consent.crisis_exception",
        "counselling.session.viewed",
        "counselling.session.listed",
        "counselling.session.logged",
        "counselling.session.changed",
        "counselling.appointment.listed",
        "counselling.appointment.planned",
        "counselling.appointment.cancelled",
        "counselling.appointment.done",
        "counselling.follow_up.viewed",
        "counselling.follow_up.added",
        "counselling.follow_up.planned",
        "counselling.follow_up.moved",
        "counselling.follow_up.done",
        "counselling.follow_up.missed",
        "counselling.follow_up.cancelled",
        "counselling.referral.listed",
        "counselling.referral.created",
        "counselling.referral.advanced",
        "counselling.referral.printed",
        "counselling.safety_plan.saved",
        "counselling.case_conference.recorded",
        "counselling.export.viewed",
    ),
    records={
        "counselling.case": _("Case file"),
        "counselling.client": _("Child's details"),
        "counselling.guardian": _("Guardian"),
        # Not the screening consent: the auditor tells the two apart in the filter.
        "counselling.consent": _("Counselling consent"),
        "counselling.session": _("Counselling session"),
        "counselling.appointment": _("Planned appointment"),
        "counselling.follow_up": _("Follow-up"),
        "counselling.referral": _("Referral"),
        "counselling.safety_plan": _("Safety plan"),
        "counselling.case_conference": _("Case conference"),
        "counselling.export": _("Case file export"),
    },
    verbs={
        "break_glass": _("break-glass access"),
        "status_changed": _("status changed"),
        "risk_changed": _("risk level changed"),
        "assigned": _("assigned"),
        "shared": _("shared"),
        "unshared": _("share revoked"),
        "crisis_exception": _("crisis exception"),
        "logged": _("logged"),
        "advanced": _("moved on"),
    },
    record_types=(
        ("counselling.case", _("Case file")),
        ("counselling.client", _("Child's details")),
        ("counselling.counsellingsession", _("Counselling session")),
        ("counselling.referral", _("Referral")),
    ),
    targets={
        "counselling.counsellingsession": "counselling.session",
        "counselling.followup": "counselling.follow_up",
        "counselling.caseconference": "counselling.case_conference",
        "counselling.safetyplan": "counselling.safety_plan",
    },
)


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
    audit_actions = COUNSELLING_AUDIT_ACTIONS
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
