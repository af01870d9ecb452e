from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

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
