from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from centre.audit_actions import AuditActions
from centre.navigation import NavigationItem, Workspace
from centre.retention import RetentionPolicy, Unit
from centre.roles import Role

# Model permissions open pages and actions; which records a user sees is decided by
# hotline.selectors.

# Calls
CALL_PERMISSIONS: dict[str, list[str]] = {
    "hotline_operator": [
        "hotline.view_call",
        "hotline.add_call",
        "hotline.change_call",
        "hotline.add_callerflag",
        "hotline.add_mandatoryreport",
    ],
    "supervisor": [
        "hotline.view_call",
        "hotline.change_call",
        "hotline.add_callerflag",
        "hotline.add_mandatoryreport",
    ],
    "crisis_team": ["hotline.view_call"],
}

# Alerts, rota
ALERT_PERMISSIONS: dict[str, list[str]] = {
    "supervisor": [
        "hotline.view_crisisalert",
        "hotline.change_crisisalert",
        "hotline.view_rotashift",
        "hotline.add_rotashift",
        "hotline.change_rotashift",
        "hotline.delete_rotashift",
    ],
    "crisis_team": [
        "hotline.view_crisisalert",
        "hotline.change_crisisalert",
        "hotline.view_rotashift",
    ],
    "hotline_operator": [
        "hotline.view_crisisalert",
        "hotline.add_crisisalert",
        "hotline.view_rotashift",
    ],
}
ALERT_MESSAGE_TEMPLATES = {
    "hotline_alert_raised": "hotline.services.alerts._alert_raised",
    "hotline_alert_sms": "hotline.services.alerts._alert_sms",
    "hotline_alert_escalated": "hotline.services.alerts._alert_escalated",
}

# Callbacks, handover
CALLBACK_PERMISSIONS: dict[str, list[str]] = {
    "hotline_operator": ["hotline.view_callback", "hotline.change_callback"],
    "supervisor": ["hotline.view_callback", "hotline.change_callback"],
}

# What the hotline writes to the audit log (centre.audit_actions).
HOTLINE_AUDIT_ACTIONS = AuditActions(
    actions=(
        "hotline.call.started",
        "hotline.call.saved",
        "hotline.call.changed",
        "hotline.call.viewed",
        "hotline.call.listed",
        "hotline.call.searched",
        "hotline.call.linked",
        "hotline.call.case_opened",
        "hotline.callerflag.set",
        "hotline.mandatoryreport.recorded",
        "hotline.alert.raised",
        "hotline.alert.viewed",
        "hotline.alert.listed",
        "hotline.alert.acknowledged",
        "hotline.alert.action_added",
        "hotline.alert.closed",
        "hotline.callback.planned",
        "hotline.callback.listed",
        "hotline.callback.outcome",
        "hotline.callback.withdrawn",
        "hotline.handover.written",
        "hotline.handover.read",
        "hotline.handover.listed",
        "hotline.rotashift.added",
        "hotline.rotashift.changed",
        "hotline.rotashift.removed",
    ),
    records={
        "hotline.call": _("Hotline call"),
        "hotline.callerflag": _("Caller flag"),
        "hotline.mandatoryreport": _("Mandatory report"),
        "hotline.alert": _("Crisis alert"),
        "hotline.callback": _("Callback"),
        "hotline.handover": _("Shift handover note"),
        "hotline.rotashift": _("On-call shift"),
    },
    verbs={
        "linked": _("linked to a case file"),
        "case_opened": _("case file opened from it"),
        "set": _("set"),
        "raised": _("raised"),
        "acknowledged": _("acknowledged"),
        "action_added": _("action added"),
        "outcome": _("outcome recorded"),
        "written": _("written"),
    },
    record_types=(
        ("hotline.call", _("Hotline call")),
        ("hotline.crisisalert", _("Crisis alert")),
        ("hotline.callback", _("Callback")),
    ),
    targets={
        "hotline.crisisalert": "hotline.alert",
        "hotline.shifthandover": "hotline.handover",
    },
)


def _merged(*grants: dict[str, list[str]]) -> dict[str, list[str]]:
    merged: dict[str, list[str]] = {}
    for grant in grants:
        for role, permissions in grant.items():
            merged.setdefault(role, [])
            merged[role] += [p for p in permissions if p not in merged[role]]
    return merged


class HotlineConfig(AppConfig):
    name = "hotline"
    verbose_name = _("Hotline")

    audit_actions = HOTLINE_AUDIT_ACTIONS
    role_permissions = _merged(CALL_PERMISSIONS, ALERT_PERMISSIONS, CALLBACK_PERMISSIONS)
    message_templates = {
        **ALERT_MESSAGE_TEMPLATES,  # alerts (hot2)
    }
    workspace = Workspace(view="hotline.views.WorkspaceView", url_name="hotline:home", order=30)
    statistics_provider = "hotline.statistics"  # statistics (hstats)
    # Records that stand for one child, counted by the bulk-access alert (centre.audit_alerts).
    client_records = ("hotline.call",)
    retention_policies = (
        RetentionPolicy(
            record_type="hotline.crisisalert",
            label=_("Crisis alerts"),
            setting="HOTLINE_RETENTION_YEARS",
            unit=Unit.YEARS,
            expired="hotline.retention.alerts_expired",
            order=30,
        ),
        RetentionPolicy(
            record_type="hotline.call",
            label=_("Hotline calls"),
            setting="HOTLINE_RETENTION_YEARS",
            unit=Unit.YEARS,
            expired="hotline.retention.calls_expired",
            order=31,
        ),
        RetentionPolicy(
            record_type="hotline.callerflag",
            label=_("Caller flags"),
            setting="HOTLINE_RETENTION_YEARS",
            unit=Unit.YEARS,
            expired="hotline.retention.caller_flags_expired",
            order=32,
        ),
    )
    navigation = (
        # Calls
        NavigationItem(
            _("Calls"),
            "hotline:calls",
            frozenset({Role.HOTLINE_OPERATOR, Role.SUPERVISOR, Role.CRISIS_TEAM}),
            order=31,
        ),
        NavigationItem(
            _("New call"), "hotline:call-new", frozenset({Role.HOTLINE_OPERATOR}), order=32
        ),
        # Alerts, rota
        NavigationItem(
            _("Crisis board"),
            "hotline:alerts",
            frozenset({Role.CRISIS_TEAM, Role.SUPERVISOR, Role.HOTLINE_OPERATOR}),
            order=31,
        ),
        NavigationItem(
            _("On-call rota"),
            "hotline:rota",
            frozenset({Role.CRISIS_TEAM, Role.SUPERVISOR, Role.HOTLINE_OPERATOR}),
            order=32,
        ),
        # Callbacks, handover
        NavigationItem(
            _("Callbacks"),
            "hotline:callbacks",
            frozenset({Role.SUPERVISOR, Role.HOTLINE_OPERATOR}),
            order=33,
        ),
        NavigationItem(
            _("Shift handover"),
            "hotline:handover",
            frozenset({Role.SUPERVISOR, Role.HOTLINE_OPERATOR}),
            order=33,
        ),
        NavigationItem(
            _("Wallboard"),
            "hotline:wallboard",
            frozenset({Role.SUPERVISOR, Role.HOTLINE_OPERATOR, Role.CRISIS_TEAM}),
            order=34,
        ),
    )
