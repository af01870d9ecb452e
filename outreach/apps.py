from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from centre.audit_actions import AuditActions
from centre.navigation import NavigationItem, Workspace
from centre.retention import RetentionPolicy, Unit
from centre.roles import Role

# Events, series, attendance, participants
OUT1_EVENT_WORK = [
    "outreach.view_event",
    "outreach.add_event",
    "outreach.change_event",
    "outreach.view_series",
    "outreach.add_series",
    "outreach.change_series",
    "outreach.view_participant",
    "outreach.add_participant",
    "outreach.delete_participant",
    "outreach.view_trainee",
    "outreach.add_trainee",
]
OUT1_ROLE_PERMISSIONS: dict[str, list[str]] = {
    "outreach_coordinator": OUT1_EVENT_WORK,
    "supervisor": OUT1_EVENT_WORK,
    # A counsellor reads and records the attendance of the events they facilitate (the API's
    # model permissions; which events is outreach.selectors' business, planning the services').
    "counsellor": ["outreach.view_event", "outreach.change_event"],
}
OUT1_NAVIGATION: tuple[NavigationItem, ...] = (
    NavigationItem(
        _("Outreach events"),
        "outreach:events",
        frozenset({Role.OUTREACH_COORDINATOR, Role.SUPERVISOR}),
        order=40,
    ),
)

# Calendar, targets, statistics
OUT2_PLANNING = [
    "outreach.view_sitetarget",
    "outreach.change_sitetarget",
]
OUT2_ROLE_PERMISSIONS: dict[str, list[str]] = {
    "outreach_coordinator": OUT2_PLANNING,
    "supervisor": OUT2_PLANNING,
}
_OUTREACH_STAFF = frozenset({Role.OUTREACH_COORDINATOR, Role.SUPERVISOR})
OUT2_NAVIGATION: tuple[NavigationItem, ...] = (
    NavigationItem(_("Outreach calendar"), "outreach:calendar", _OUTREACH_STAFF, order=41),
    NavigationItem(_("Outreach targets"), "outreach:targets", _OUTREACH_STAFF, order=42),
)
OUT2_MESSAGE_TEMPLATES = {
    "outreach_target_behind": "outreach.services.targets.target_behind_message",
}

# Partners and agreements, trainees, sign-in sheet import
OPARTNERS_WORK = [
    "outreach.view_partner",
    "outreach.add_partner",
    "outreach.change_partner",
    "outreach.view_agreement",
    "outreach.add_agreement",
    "outreach.change_agreement",
    "outreach.view_trainee",
    "outreach.add_trainee",
    "outreach.delete_trainee",
]
OPARTNERS_ROLE_PERMISSIONS: dict[str, list[str]] = {
    "outreach_coordinator": OPARTNERS_WORK,
    "supervisor": OPARTNERS_WORK,
}
OPARTNERS_NAVIGATION: tuple[NavigationItem, ...] = (
    NavigationItem(_("Partners"), "outreach:partners", _OUTREACH_STAFF, order=43),
)

# What outreach writes to the audit log (centre.audit_actions).
OUTREACH_AUDIT_ACTIONS = AuditActions(
    actions=(
        "outreach.event.created",
        "outreach.event.updated",
        "outreach.event.viewed",
        "outreach.event.listed",
        "outreach.event.held",
        "outreach.event.cancelled",
        "outreach.event.attendance_recorded",
        "outreach.event.sheet_imported",
        "outreach.event.trainees_counted",
        "outreach.series.created",
        "outreach.series.cancelled",
        "outreach.participant.added",
        "outreach.participant.removed",
        "outreach.participant.viewed",
        "outreach.participant.listed",
        "outreach.trainee.added",
        "outreach.trainee.removed",
        "outreach.trainee.viewed",
        "outreach.trainee.listed",
        "outreach.partner.created",
        "outreach.partner.updated",
        "outreach.agreement.created",
        "outreach.agreement.updated",
        "outreach.site_target.changed",
        "outreach.calendar_feed.read",
        "outreach.calendar_feed.reset",
        "outreach.calendar_feed.ended",
    ),
    records={
        "outreach.event": _("Outreach event"),
        "outreach.series": _("Outreach event series"),
        "outreach.participant": _("Group participant"),
        "outreach.trainee": _("Trainee"),
        "outreach.partner": _("Partner"),
        "outreach.agreement": _("Partner agreement"),
        "outreach.site_target": _("Outreach target"),
        "outreach.calendar_feed": _("Calendar feed"),
    },
    verbs={
        "held": _("marked as held"),
        "attendance_recorded": _("attendance recorded"),
        "sheet_imported": _("sign-in sheet imported"),
        "trainees_counted": _("trainees counted"),
        "reset": _("new address made"),
        "ended": _("ended"),
    },
    record_types=(
        ("outreach.event", _("Outreach event")),
        ("outreach.trainee", _("Trainee")),
        ("outreach.partner", _("Partner")),
    ),
    targets={
        "outreach.sitetarget": "outreach.site_target",
        "outreach.calendarfeed": "outreach.calendar_feed",
    },
)


def _merged(*grants: dict[str, list[str]]) -> dict[str, list[str]]:
    merged: dict[str, list[str]] = {}
    for grant in grants:
        for role, permissions in grant.items():
            merged.setdefault(role, [])
            merged[role] += [p for p in permissions if p not in merged[role]]
    return merged


class OutreachConfig(AppConfig):
    name = "outreach"
    verbose_name = _("Outreach")

    # Model permissions open pages and actions; which events a user sees is decided by
    # outreach.selectors, never by a role alone.
    audit_actions = OUTREACH_AUDIT_ACTIONS
    role_permissions = _merged(
        OUT1_ROLE_PERMISSIONS, OUT2_ROLE_PERMISSIONS, OPARTNERS_ROLE_PERMISSIONS
    )
    workspace = Workspace(view="outreach.views.WorkspaceView", url_name="outreach:home", order=40)
    navigation = (*OUT1_NAVIGATION, *OUT2_NAVIGATION, *OPARTNERS_NAVIGATION)
    statistics_provider = "outreach.statistics"  # out2
    retention_policies = (
        # Before the case files they name (a participant PROTECTs its case).
        RetentionPolicy(
            record_type="outreach.participant",
            label=_("Group participants from closed case files"),
            setting="COUNSELLING_RETENTION_YEARS",
            unit=Unit.YEARS,
            expired="outreach.retention.participants_expired",
            order=10,
        ),
    )
    message_templates = {**OUT2_MESSAGE_TEMPLATES}
