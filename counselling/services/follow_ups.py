"""Follow-up after counselling ends or after a crisis (定期随访, DOMAIN.md §4): planning, and the
reminders it causes. Nothing here depends on cases: recording an outcome, which changes the
case, is `counselling.services.outcomes`, above both.

A plan is made from `settings.FOLLOW_UP_SCHEDULES` when a case moves to recovery or closes;
counsellors add, move or cancel follow-ups. Each follow-up plans its reminders in the same
transaction through the outbox (`centre.reminders`): the counsellor's inbox on the due day, the
guardian's SMS the evening before (only with a consent to reminders, never for high or imminent
risk: those guardians are called by a person), the supervisor when it is overdue."""

from __future__ import annotations

import datetime
import re
from typing import Any

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from centre import escalation
from centre.audit import audit_log
from centre.content_filter import forbidden_words
from centre.models import Reminder, Site, User
from centre.reminders import Message, reminder_plan, reminders_cancel
from centre.roles import Role
from centre.versioning import save_versioned
from counselling.models import RISK_RANK, Case, Consent, FollowUp, RiskLevel
from counselling.services.clients import ADULT_CONSENT_AGE
from counselling.services.plausibility import require_due_ahead

STEP = re.compile(r"^(\d+)([hdwm])$")
URGENT_RANK = RISK_RANK[RiskLevel.HIGH]


def step_offset(step: str) -> relativedelta:
    """ "24h", "7d", "2w", "3m" → the time after the anchor (calendar months for "m")."""
    match = STEP.match(step)
    if match is None:
        raise ValueError(f"a follow-up step is a number and h, d, w or m: {step!r}")
    number, unit = int(match.group(1)), match.group(2)
    return {
        "h": relativedelta(hours=number),
        "d": relativedelta(days=number),
        "w": relativedelta(weeks=number),
        "m": relativedelta(months=number),
    }[unit]


def plan_dates(*, pathway: str, anchor: datetime.datetime) -> list[tuple[str, datetime.datetime]]:
    return [(step, anchor + step_offset(step)) for step in settings.FOLLOW_UP_SCHEDULES[pathway]]


def pathway_for(case: Case) -> str:
    """After a crisis (high or imminent risk) the tighter schedule; otherwise the ordinary one."""
    if case.risk_rank >= URGENT_RANK:
        return FollowUp.Pathway.CRISIS
    return FollowUp.Pathway.COUNSELLING_END


# Services --------------------------------------------------------------------------------------


@transaction.atomic
def follow_up_plan_create(
    *, actor: User, case: Case, pathway: str, anchor: datetime.datetime | None = None
) -> list[FollowUp]:
    """Make the plan of `pathway` from `anchor` (now by default), with its reminders."""
    anchor = anchor or timezone.now()
    follow_ups = [
        FollowUp.objects.create(case=case, pathway=pathway, step=step, due_at=due_at)
        for step, due_at in plan_dates(pathway=pathway, anchor=anchor)
    ]
    for follow_up in follow_ups:
        plan_reminders(follow_up)
    audit_log(
        actor=actor,
        action="counselling.follow_up.planned",
        target=case,
        data={"pathway": pathway, "count": len(follow_ups)},
    )
    return follow_ups


def follow_up_plan_on_status(*, actor: User, case: Case, previous: str) -> None:
    """Called by `case_change_status`: plan when the case leaves active work; cancel what is
    still due when it comes back to active work."""
    open_follow_ups = case.follow_ups.filter(status=FollowUp.Status.DUE)
    if case.status in {Case.Status.RECOVERY, Case.Status.CLOSED}:
        if not open_follow_ups.exists():
            follow_up_plan_create(actor=actor, case=case, pathway=pathway_for(case))
    elif case.status == Case.Status.ACTIVE and previous != Case.Status.INTAKE:
        for follow_up in open_follow_ups:
            follow_up_cancel(actor=actor, follow_up=follow_up, expected_version=follow_up.version)


@transaction.atomic
def follow_up_add(*, actor: User, case: Case, due_at: datetime.datetime) -> FollowUp:
    """Plan one more follow-up, due from now on (`ImplausibleError` for a time in the past)."""
    require_due_ahead(due_at)
    follow_up = FollowUp.objects.create(case=case, pathway=FollowUp.Pathway.MANUAL, due_at=due_at)
    plan_reminders(follow_up)
    audit_log(actor=actor, action="counselling.follow_up.added", target=case)
    return follow_up


@transaction.atomic
def follow_up_move(
    *, actor: User, follow_up: FollowUp, due_at: datetime.datetime, expected_version: int
) -> FollowUp:
    _require_due(follow_up)
    require_due_ahead(due_at)
    save_versioned(follow_up, expected_version=expected_version, fields={"due_at": due_at})
    reminders_cancel(target=follow_up)
    plan_reminders(follow_up)
    audit_log(
        actor=actor,
        action="counselling.follow_up.moved",
        target=follow_up.case,
        data={"follow_up": follow_up.pk},
    )
    return follow_up


@transaction.atomic
def follow_up_cancel(*, actor: User, follow_up: FollowUp, expected_version: int) -> FollowUp:
    _require_due(follow_up)
    save_versioned(
        follow_up, expected_version=expected_version, fields={"status": FollowUp.Status.CANCELLED}
    )
    reminders_cancel(target=follow_up)
    audit_log(
        actor=actor,
        action="counselling.follow_up.cancelled",
        target=follow_up.case,
        data={"follow_up": follow_up.pk},
    )
    return follow_up


def _require_due(follow_up: FollowUp) -> None:
    if follow_up.status != FollowUp.Status.DUE:
        raise ValidationError(_("This follow-up is no longer due."), code="not_due")


# Reminders -------------------------------------------------------------------------------------


def _at_local(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def plan_reminders(follow_up: FollowUp) -> None:
    case = follow_up.case
    now = timezone.now()
    due_day = timezone.localdate(follow_up.due_at)
    reminder_plan(
        key=f"follow_up:{follow_up.pk}:inbox:{due_day}",
        channel=Reminder.Channel.INBOX,
        due_at=max(now, min(_at_local(due_day, 8), follow_up.due_at)),
        # High or imminent risk: the family is called by a person, never texted (§4.3).
        template="follow_up_call" if case.risk_rank >= URGENT_RANK else "follow_up_due",
        params={"case": case.pk, "day": due_day.isoformat()},
        recipient=case.counsellor,
        target=follow_up,
        site=case.site,
    )
    recipient = sms_recipient(case)
    if recipient is not None:
        phone, language, salutation = recipient
        evening_before = _at_local(due_day - datetime.timedelta(days=1), 18)
        if evening_before > now:
            reminder_plan(
                key=f"follow_up:{follow_up.pk}:sms:{due_day}",
                channel=Reminder.Channel.SMS,
                due_at=evening_before,
                template="follow_up_sms",
                params={"salutation": salutation, "when": follow_up.due_at.isoformat()},
                phone=phone,
                language=language,
                target=follow_up,
                site=case.site,
            )


def sms_recipient(case: Case) -> tuple[str, str, str] | None:
    """(phone, language, masked salutation) of who may get an SMS about this case, or None.

    Only with an active consent to reminders; never for high or imminent risk (a person calls:
    DOMAIN.md §4.3). Under 14 the guardian only; from 14 whoever gave the consent."""
    if case.risk_rank >= URGENT_RANK:
        return None
    client = case.client
    consent = (
        client.consents.filter(purpose=Consent.Purpose.REMINDERS, withdrawn_at__isnull=True)
        .select_related("guardian")
        .first()
    )
    if consent is None:
        return None
    family_name = client.full_name[:1]
    if consent.given_by == Consent.GivenBy.CLIENT and client.age >= ADULT_CONSENT_AGE:
        if not client.phone:
            return None
        return client.phone, "zh-hans", f"{family_name}同学"
    guardian = consent.guardian or client.guardians.first()
    if guardian is None or not guardian.phone:
        return None
    return guardian.phone, guardian.language, f"{family_name}同学家长"


# Periodic jobs (beat) --------------------------------------------------------------------------


def escalate_overdue() -> int:
    """Tell the supervisors about follow-ups overdue by FOLLOW_UP_ESCALATION_DAYS: each row once,
    in one inbox message per supervisor and run naming the counsellors concerned."""
    limit = timezone.now() - datetime.timedelta(days=settings.FOLLOW_UP_ESCALATION_DAYS)
    overdue = (
        FollowUp.objects.filter(status=FollowUp.Status.DUE, due_at__lt=limit)
        .select_related("case", "case__site", "case__supervisor")
        .order_by("due_at", "id")
    )
    by_site: dict[int, list[User]] = {}

    def recipients(follow_up: FollowUp) -> list[User]:
        case = follow_up.case
        if case.supervisor is not None:
            return supervisors_of(case)
        if case.site_id not in by_site:  # one look-up per site and run, not per row
            by_site[case.site_id] = supervisors_of(case)
        return by_site[case.site_id]

    return escalation.escalate_overdue_in_batches(
        overdue, step="supervisor", recipients=recipients, notice=_overdue_batch_notice
    )


def _overdue_batch_notice(supervisor: User, follow_ups: list[FollowUp]) -> escalation.Notice:
    """Counts per counsellor (ids; their names are read when the message is written), never a
    case number or a child's name."""
    per_counsellor: dict[int, int] = {}
    for follow_up in follow_ups:
        counsellor = follow_up.case.counsellor_id
        per_counsellor[counsellor] = per_counsellor.get(counsellor, 0) + 1
    return escalation.Notice(
        recipients=[supervisor],
        template="follow_ups_overdue",
        params={
            "follow_ups": len(follow_ups),
            "counsellors": sorted(per_counsellor.items(), key=lambda item: (-item[1], item[0])),
            "since": min(timezone.localdate(row.due_at) for row in follow_ups).isoformat(),
        },
    )


def supervisors_of(case: Case) -> list[User]:
    """The case's supervisor, else the supervisors of its site and the sites above it."""
    if case.supervisor is not None:
        return [case.supervisor]
    parents = Site.objects.filter(pk=case.site_id).values_list("parent", flat=True)
    site_ids = [case.site_id, *(parent for parent in parents if parent is not None)]
    return list(
        User.objects.filter(
            groups__name=Role.SUPERVISOR.value, site_id__in=site_ids, is_active=True
        ).distinct()
    )


def send_digests() -> int:
    """Each morning: one e-mail per counsellor with follow-ups due today or overdue — counts
    only, no names."""
    today = timezone.localdate()
    end_of_today = _at_local(today + datetime.timedelta(days=1), 0)
    start_of_today = _at_local(today, 0)
    rows = (
        FollowUp.objects.filter(status=FollowUp.Status.DUE, due_at__lt=end_of_today)
        .values("case__counsellor")
        .annotate(
            due_today=Count("id", filter=Q(due_at__gte=start_of_today)),
            overdue=Count("id", filter=Q(due_at__lt=start_of_today)),
        )
    )
    users = User.objects.in_bulk([row["case__counsellor"] for row in rows])
    sent = 0
    for row in rows:
        user = users[row["case__counsellor"]]
        if not user.email:
            continue
        reminder_plan(
            key=f"digest:{user.pk}:{today}",
            channel=Reminder.Channel.EMAIL,
            due_at=timezone.now(),
            template="follow_up_digest",
            params={"due_today": row["due_today"], "overdue": row["overdue"]},
            recipient=user,
        )
        sent += 1
    return sent


# Message templates (rendered in the recipient's language; checked by the content filter) ------


def _follow_up_due(params: dict[str, Any]) -> Message:
    return Message(
        title=_("Follow-up due on %(day)s") % {"day": params["day"]},
        body=_("Case %(number)s has a follow-up due.") % {"number": params["case"]},
        link=reverse("counselling:case", args=[params["case"]]) + "#follow-ups",
    )


def _follow_up_call(params: dict[str, Any]) -> Message:
    return Message(
        title=_("Follow-up due on %(day)s: call the family") % {"day": params["day"]},
        body=_(
            "Case %(number)s has a follow-up due. Call the guardian yourself: no text message "
            "is sent for this case."
        )
        % {"number": params["case"]},
        link=reverse("counselling:case", args=[params["case"]]) + "#follow-ups",
    )


def _follow_up_overdue(params: dict[str, Any]) -> Message:
    return Message(
        title=_("Overdue follow-up: case %(number)s") % {"number": params["case"]},
        body=_("The follow-up due on %(day)s has not been recorded.") % {"day": params["day"]},
        link=reverse("counselling:case", args=[params["case"]]) + "#follow-ups",
    )


def staff_names(counts: list[list[int]]) -> str:
    """「王敏 (3)、李强 (1)」: the members of staff of `counts` ([user id, count]) by name."""
    people = User.objects.in_bulk([user_id for user_id, _count in counts])

    def name(user: User) -> str:
        # A name the content filter would refuse must not stop every later escalation.
        full = user.get_full_name()
        return full if full and not forbidden_words(full) else user.username

    return _(", ").join(
        f"{name(people[user_id])} ({count})" for user_id, count in counts if user_id in people
    )


def _follow_ups_overdue(params: dict[str, Any]) -> Message:
    count = params["follow_ups"]
    return Message(
        title=ngettext(
            "%(count)s overdue follow-up in your site",
            "%(count)s overdue follow-ups in your site",
            count,
        )
        % {"count": count},
        body=_("Counsellors concerned: %(people)s. The oldest was due on %(day)s.")
        % {"people": staff_names(params["counsellors"]), "day": params["since"]},
        link=reverse("counselling:caseload"),
    )


def _follow_up_sms(params: dict[str, Any]) -> Message:
    when = timezone.localtime(datetime.datetime.fromisoformat(params["when"]))
    return Message(
        title=_("[%(alias)s] %(salutation)s: appointment %(when)s. To change: %(phone)s")
        % {
            "alias": settings.REMINDER_SENDER_ALIAS,
            "salutation": params["salutation"],
            "when": when.strftime("%m-%d %H:%M"),
            "phone": settings.REMINDER_PHONE,
        }
    )


def _follow_up_digest(params: dict[str, Any]) -> Message:
    return Message(
        title=_("Your follow-ups today"),
        body=_("Due today: %(due_today)s. Overdue: %(overdue)s. Sign in to the portal to see them.")
        % params,
    )
