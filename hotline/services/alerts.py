"""Crisis alerts: raised from a call, told AT ONCE to the primary on call, acknowledged, acted
on and closed; every step an AlertEvent on the alert's timeline, versioned and audited by id.

Texts never name a child, a caller or a risk: "A hotline alert needs you: open the portal"."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from centre import escalation
from centre.audit import audit_log
from centre.models import Reminder, Site, User
from centre.reminders import Message, reminder_plan, reminders_dispatch_now
from centre.roles import Role
from centre.versioning import save_versioned
from hotline.models import AlertEvent, Call, CrisisAlert
from hotline.services.rota import on_call_now

MAX_NOTE = 2000


def acknowledge_minutes() -> int:
    return int(getattr(settings, "HOTLINE_ACKNOWLEDGE_MINUTES", 5))


def escalation_minutes() -> int:
    return int(getattr(settings, "HOTLINE_ESCALATION_MINUTES", 5))


# Message templates (HotlineConfig.message_templates) ------------------------------------------


def _link(params: dict[str, Any]) -> str:
    try:
        return reverse("hotline:alert", args=[params["alert"]])
    except NoReverseMatch:
        return ""


def _alert_raised(params: dict[str, Any]) -> Message:
    return Message(
        title=_("A hotline alert needs you"),
        body=_("Open the portal and acknowledge it."),
        link=_link(params),
    )


def _alert_sms(params: dict[str, Any]) -> Message:
    return Message(title=_("A hotline alert needs you: open the portal"))


def _alert_escalated(params: dict[str, Any]) -> Message:
    return Message(
        title=_("A hotline alert has not been acknowledged"),
        body=_("Open the portal and acknowledge it."),
        link=_link(params),
    )


# Who may act ---------------------------------------------------------------------------------


def may_handle(user: User, alert: CrisisAlert, at: datetime.datetime | None = None) -> bool:
    """The assignee, anyone on call at the site, the crisis team or supervisors of its tree."""
    if not user.is_active:
        return False
    if alert.assignee_id == user.pk:
        return True
    on_call = on_call_now(alert.site, at)
    if user in (on_call.primary, on_call.backup):
        return True
    in_tree = user.site is not None and alert.site.path.startswith(user.site.path)
    return in_tree and (user.has_role(Role.CRISIS_TEAM) or user.has_role(Role.SUPERVISOR))


def _tell(*, alert: CrisisAlert, step: str, person: User) -> list[int]:
    """An inbox message and, where the person has a phone, an SMS — planned now."""
    params = {"alert": alert.pk}
    planned = [
        reminder_plan(
            key=escalation.escalation_key(target=alert, step=step, recipient=person),
            channel=Reminder.Channel.INBOX,
            due_at=timezone.now(),
            template="hotline_alert_raised",
            params=params,
            recipient=person,
            target=alert,
            site=alert.site,
        )
    ]
    if person.phone:
        planned.append(
            reminder_plan(
                key=f"{escalation.escalation_key(target=alert, step=step, recipient=person)}:sms",
                channel=Reminder.Channel.SMS,
                due_at=timezone.now(),
                template="hotline_alert_sms",
                params=params,
                recipient=person,
                phone=person.phone,
                target=alert,
                site=alert.site,
            )
        )
    return [row.pk for row in planned]


def _event(
    alert: CrisisAlert, kind: str, actor: User | None, note: str = "", step: str = ""
) -> AlertEvent:
    return AlertEvent.objects.create(alert=alert, kind=kind, actor=actor, note=note, step=step)


def _note(note: str) -> str:
    note = (note or "").strip()
    if "\x00" in note:
        raise ValidationError({"note": _("The note contains a character that is not allowed.")})
    if len(note) > MAX_NOTE:
        raise ValidationError({"note": _("At most %(count)s characters.") % {"count": MAX_NOTE}})
    return note


# Services ------------------------------------------------------------------------------------


@transaction.atomic
def raise_alert(*, actor: User, call: Call | None = None, site: Site) -> CrisisAlert:
    """Raise an alert at `site` (from `call`, when there is one), assign it to the primary on
    call and tell them at once: the outbox rows are dispatched on commit, not at the beat."""
    if call is not None:
        open_alert = call.alerts.exclude(status=CrisisAlert.Status.CLOSED).first()
        if open_alert is not None:  # the crisis button after a saved crisis call: one alert
            return open_alert
    now = timezone.now()
    on_call = on_call_now(site, now)
    alert = CrisisAlert.objects.create(
        site=site,
        call=call,
        raised_by=actor,
        raised_at=now,
        assignee=on_call.primary,
        acknowledge_by=now + datetime.timedelta(minutes=acknowledge_minutes()),
    )
    _event(alert, AlertEvent.Kind.RAISED, actor)
    ids: list[int] = []
    if on_call.primary is not None:
        ids = _tell(alert=alert, step="primary", person=on_call.primary)
        _event(alert, AlertEvent.Kind.TOLD, None, step="primary")
    audit_log(
        actor=actor,
        action="hotline.alert.raised",
        target=alert,
        data={
            "site": site.pk,
            "call": call.pk if call else None,
            "assignee": on_call.primary.pk if on_call.primary else None,
        },
    )
    if ids:
        transaction.on_commit(lambda: reminders_dispatch_now(ids))
    return alert


@transaction.atomic
def acknowledge(*, actor: User, alert: CrisisAlert, expected_version: int) -> CrisisAlert:
    if not may_handle(actor, alert):
        raise PermissionDenied
    if alert.status != CrisisAlert.Status.OPEN:
        raise ValidationError(_("This alert has already been acknowledged."))
    now = timezone.now()
    save_versioned(
        alert,
        expected_version=expected_version,
        fields={
            "status": CrisisAlert.Status.ACKNOWLEDGED,
            "acknowledged_by": actor,
            "acknowledged_at": now,
            "assignee": actor,
        },
    )
    _event(alert, AlertEvent.Kind.ACKNOWLEDGED, actor)
    audit_log(actor=actor, action="hotline.alert.acknowledged", target=alert)
    return alert


@transaction.atomic
def add_action(*, actor: User, alert: CrisisAlert, note: str) -> AlertEvent:
    if not may_handle(actor, alert):
        raise PermissionDenied
    if alert.status == CrisisAlert.Status.CLOSED:
        raise ValidationError(_("This alert is closed."))
    note = _note(note)
    if not note:
        raise ValidationError({"note": _("Write what was done.")})
    event = _event(alert, AlertEvent.Kind.ACTION, actor, note=note)
    audit_log(actor=actor, action="hotline.alert.action_added", target=alert)
    return event


@transaction.atomic
def close(*, actor: User, alert: CrisisAlert, expected_version: int, note: str = "") -> CrisisAlert:
    if not may_handle(actor, alert):
        raise PermissionDenied
    if alert.status == CrisisAlert.Status.CLOSED:
        raise ValidationError(_("This alert is closed."))
    note = _note(note)
    fields: dict[str, Any] = {
        "status": CrisisAlert.Status.CLOSED,
        "closed_at": timezone.now(),
        "closed_by": actor,
    }
    if alert.acknowledged_at is None:  # closing answers it too: the ladder stops
        fields |= {"acknowledged_by": actor, "acknowledged_at": fields["closed_at"]}
    save_versioned(alert, expected_version=expected_version, fields=fields)
    _event(alert, AlertEvent.Kind.CLOSED, actor, note=note)
    audit_log(actor=actor, action="hotline.alert.closed", target=alert)
    return alert


# The escalation ladder (beat, every minute) ---------------------------------------------------

LADDER = [
    ("backup", "backup_told_at"),
    ("supervisor", "supervisor_told_at"),
    ("lead", "lead_told_at"),
]


def _recipients(alert: CrisisAlert, step: str) -> list[User]:
    if step == "backup":
        backup = on_call_now(alert.site).backup
        return [backup] if backup is not None else []
    if step == "supervisor":
        return list(
            User.objects.filter(
                is_active=True, site=alert.site, groups__name=str(Role.SUPERVISOR)
            ).distinct()
        )
    usernames = list(getattr(settings, "HOTLINE_LEAD_USERNAMES", []))
    if usernames:
        return list(User.objects.filter(is_active=True, username__in=usernames))
    root = alert.site.path.split("/")[0] + "/"
    return list(
        User.objects.filter(
            is_active=True, site__path=root, groups__name=str(Role.SUPERVISOR)
        ).distinct()
    )


def escalate_alerts() -> int:
    """Climb the ladder for open alerts: backup when `acknowledge_by` passed, the site's
    supervisors one interval later, the centre's lead two; each step once per alert."""
    now = timezone.now()
    interval = datetime.timedelta(minutes=escalation_minutes())
    total = 0
    for k, (step, marker) in enumerate(LADDER):
        overdue = (
            CrisisAlert.objects.filter(
                status=CrisisAlert.Status.OPEN, acknowledge_by__lte=now - k * interval
            )
            .select_related("site")
            .order_by("raised_at", "id")
        )

        def notice(alert: CrisisAlert, step: str = step) -> escalation.Notice:
            return escalation.Notice(
                recipients=_recipients(alert, step),
                template="hotline_alert_escalated",
                params={"alert": alert.pk},
                site=alert.site,
            )

        total += escalation.escalate_overdue(overdue, step=step, marker=marker, notice=notice)
        # The timeline: one "escalated" event per step claimed (by this run or a killed one).
        told = AlertEvent.objects.filter(
            alert=OuterRef("pk"), kind=AlertEvent.Kind.ESCALATED, step=step
        )
        for alert_id in (
            CrisisAlert.objects.filter(
                status=CrisisAlert.Status.OPEN, **{f"{marker}__isnull": False}
            )
            .filter(~Exists(told))
            .values_list("id", flat=True)
        ):
            AlertEvent.objects.create(alert_id=alert_id, kind=AlertEvent.Kind.ESCALATED, step=step)
    if total:
        transaction.on_commit(_dispatch_escalations)
    return total


def _dispatch_escalations() -> None:
    ids = list(
        Reminder.objects.filter(
            status=Reminder.Status.PENDING, template="hotline_alert_escalated"
        ).values_list("id", flat=True)
    )
    if ids:
        reminders_dispatch_now(ids)
