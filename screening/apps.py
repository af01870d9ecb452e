from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from centre.audit_actions import AuditActions
from centre.navigation import NavigationItem, Workspace
from centre.retention import RetentionPolicy, Unit
from centre.roles import Role
from centre.today import TodaySection

SCREENING_WORK = [
    "screening.view_campaign",
    "screening.add_campaign",
    "screening.add_rosterimport",
    "screening.view_trackingtask",
]

# What screening writes to the audit log (centre.audit_actions).
SCREENING_AUDIT_ACTIONS = AuditActions(
    actions=(
        "screening.campaign.created",
        "screening.campaign.consent_recorded",
        "screening.roster.imported",
        "screening.roster.undone",
        "screening.roster_import.viewed",
        "screening.roster_errors.exported",
        "screening.roster_template.exported",
        "screening.consent.viewed",
        "screening.consent.listed",
        "screening.consent.given",
        "screening.consent.withdrawn",
        "screening.student.left",
        "screening.student.left_undone",
        "screening.leaving.listed",
        "screening.result.viewed",
        "screening.result.listed",
        "screening.result.tier_changed",
        "screening.result.downgrade_requested",
        "screening.result.downgrade_approved",
        "screening.result.downgrade_declined",
        "screening.result.downgrade_lapsed",
        "screening.task.viewed",
        "screening.task.done",
        "screening.task.referred",
        "screening.task.consent_withdrawn",
        "screening.task_sheet.exported",
        "screening.task_sheet.printed",
        "screening.referral_form.viewed",
        "screening.online.opened",
        "screening.online.closed",
        "screening.online.started",
        "screening.online.submitted",
        "screening.online.code_reissued",
        "screening.online.codes_reprinted",
        "screening.online_slips.viewed",
        "screening.online_not_yet.printed",
    ),
    records={
        "screening.campaign": _("Screening campaign"),
        "screening.roster": _("Roster"),
        "screening.roster_import": _("Roster import"),
        "screening.roster_errors": _("Roster error report"),
        "screening.roster_template": _("Roster template"),
        # Not the counselling consent: the auditor tells the two apart in the filter.
        "screening.consent": _("Screening consent"),
        "screening.student": _("Student"),
        "screening.leaving": _("Students leaving school"),
        "screening.result": _("Screening result"),
        "screening.task": _("Screening task"),
        "screening.task_sheet": _("Task sheet for class teachers"),
        "screening.referral_form": _("Screening referral form"),
        "screening.online": _("Online self-assessment"),
        "screening.online_window": _("Class opened online"),
        "screening.online_session": _("Online self-assessment session"),
        "screening.online_slips": _("Sign-in slips of a class opened online"),
        "screening.online_not_yet": _("Sheet of students not answered yet"),
    },
    verbs={
        "consent_recorded": _("consent basis recorded"),
        "undone": _("undone"),
        "left": _("marked as left school"),
        "left_undone": _("marked as still at school"),
        "tier_changed": _("tier changed"),
        "downgrade_requested": _("lower tier requested"),
        "downgrade_approved": _("lower tier approved"),
        "downgrade_declined": _("lower tier declined"),
        "downgrade_lapsed": _("lower tier request lapsed"),
        "referred": _("referred (green channel)"),
        "consent_withdrawn": _("consent withdrawn"),
        "code_reissued": _("new code issued"),
        "codes_reprinted": _("slips reprinted"),
    },
    record_types=(
        ("screening.screeningresult", _("Screening result")),
        ("screening.rosterimport", _("Roster import")),
        ("screening.student", _("Student")),
    ),
    targets={
        "screening.screeningresult": "screening.result",
        "screening.rosterimport": "screening.roster_import",
        "screening.trackingtask": "screening.task",
        "screening.onlinewindow": "screening.online_window",
        "screening.onlinesession": "screening.online_session",
    },
)


class ScreeningConfig(AppConfig):
    name = "screening"
    verbose_name = _("Screening")
    # Which campaigns and results a user sees is decided by screening.selectors.
    role_permissions = {
        "school_liaison": SCREENING_WORK,
        "counsellor": [*SCREENING_WORK, "screening.view_screeningresult"],
        "supervisor": [*SCREENING_WORK, "screening.view_screeningresult"],
        "crisis_team": ["screening.view_trackingtask"],
    }

    # What screening gives the core (centre/declarations.py).
    audit_actions = SCREENING_AUDIT_ACTIONS
    statistics_provider = "screening.statistics"
    # Records that stand for one child, counted by the bulk-access alert (centre.audit_alerts).
    client_records = ("screening.student", "screening.screeningresult")
    retention_policies = (
        RetentionPolicy(
            record_type="screening.screeningresult",
            label=_("Unflagged students' item-level answers"),
            setting="SCREENING_ITEM_RETENTION_MONTHS",
            unit=Unit.MONTHS,
            expired="screening.retention.unflagged_answers_expired",
            apply="screening.retention.answers_deidentify",
            order=40,
        ),
        RetentionPolicy(
            record_type="screening.left_school",
            label=_("Item-level answers of unflagged students who left the school"),
            setting="SCREENING_LEAVING_GRACE_DAYS",
            unit=Unit.DAYS,
            expired="screening.retention.left_school_answers_expired",
            apply="screening.retention.answers_deidentify",
            order=40,
        ),
        RetentionPolicy(
            record_type="screening.rosterimport",
            label=_("Uploaded roster files"),
            setting="SCREENING_ITEM_RETENTION_MONTHS",
            unit=Unit.MONTHS,
            expired="screening.retention.roster_files_expired",
            apply="screening.retention.roster_files_erase",
            order=41,
        ),
    )
    message_templates = {
        "screening_crisis_overdue": "screening.services._crisis_overdue",
        "screening_crisis_overdue_batch": "screening.services._crisis_overdue_batch",
        "screening_tier_request": "screening.services._tier_request",
        "screening_school_concern": "screening.services._school_concern",
        "screening_online_action_now": "screening.services.online._action_now",
        "screening_online_not_yet": "screening.services.online._not_yet",
    }
    workspace = Workspace(view="screening.views.WorkspaceView", url_name="screening:home", order=20)
    today_sections = (
        TodaySection(
            _("Crisis assessments"),
            rows="screening.today.crisis_tasks",
            template="screening/_today_crisis_tasks.html",
            order=20,
        ),
    )
    navigation = (
        NavigationItem(
            _("Tracking board"),
            "screening:board",
            frozenset({Role.SCHOOL_LIAISON, Role.COUNSELLOR, Role.SUPERVISOR, Role.CRISIS_TEAM}),
            order=21,
        ),
    )
