"""Who may read a case: django-guardian grants (the lead counsellor's, a colleague's share),
audited reads, and time-boxed break-glass access with its notice to the lead and supervisor."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, remove_perm

from centre.audit import audit_log, audit_read
from centre.models import AuditEntry, Reminder, User
from centre.reminders import Message, reminder_plan
from centre.roles import BREAK_GLASS_ROLES, CLINICIAN_ROLES, has_any_role
from centre.text import without_invisible, word_characters
from counselling.models import BreakGlassAccess, Case
from counselling.services.clients import REASON_MINIMUM
from counselling.services.follow_ups import supervisors_of

# Grants and shares --------------------------------------------------------------------------------


def _grant(case: Case, user: User, *, can_change: bool) -> None:
    assign_perm("counselling.view_case", user, case)
    if can_change:
        assign_perm("counselling.change_case", user, case)


def _revoke(case: Case, user: User) -> None:
    remove_perm("counselling.view_case", user, case)
    remove_perm("counselling.change_case", user, case)


@transaction.atomic
def case_share(*, actor: User, case: Case, user: User, can_change: bool = False) -> None:
    """Share a case with a colleague (a co-counsellor, a psychiatrist, a substitute)."""
    if not has_any_role(user, CLINICIAN_ROLES):
        raise ValidationError({"user": _("Cases are shared with clinical staff only.")})
    if user.pk == case.counsellor_id and not can_change:
        raise ValidationError(
            {"user": _("The lead counsellor writes in the file: they cannot be made read-only.")}
        )
    _grant(case, user, can_change=can_change)
    if not can_change:  # shared again as read-only: the right to write goes
        remove_perm("counselling.change_case", user, case)
    audit_log(
        actor=actor,
        action="counselling.case.shared",
        target=case,
        data={"user": user.pk, "can_change": can_change},
    )


@transaction.atomic
def case_unshare(*, actor: User, case: Case, user: User) -> None:
    if user.pk == case.counsellor_id:
        raise ValidationError({"user": _("Assign another lead counsellor first.")})
    _revoke(case, user)
    audit_log(actor=actor, action="counselling.case.unshared", target=case, data={"user": user.pk})


# Reading, break-glass --------------------------------------------------------------------------


def case_record_read(
    *,
    actor: User,
    case: Case,
    request: HttpRequest,
    what: str = "case",
    record: models.Model | None = None,
) -> AuditEntry:
    """Audit a read of the case file through `centre.audit.audit_read`, as every read of a
    minor's record is: `actor` is the signed-in user of `request`; `what` names the page
    (`counselling.<what>.viewed`: case, session, follow_up) and `record` the record it shows
    when it is not the case itself — a session note names its session, so "who viewed this
    file" says which note was read. A break-glass read carries its reason."""
    if actor != request.user:
        raise ValueError("case_record_read audits what the request's own user reads")
    access = BreakGlassAccess.objects.filter(
        user=actor, case=case, expires_at__gt=timezone.now()
    ).first()
    return audit_read(
        request,
        f"counselling.{what}.viewed",
        record if record is not None else case,
        reason=access.reason if access else "",
        data={"break_glass": access is not None},
    )


BREAK_GLASS_REASON_MAXIMUM = 2000  # as the auditor's review note


@transaction.atomic
def break_glass_open(
    *, actor: User, case: Case, reason: str, request: HttpRequest | None = None
) -> BreakGlassAccess:
    """Time-boxed reading access to a case outside the actor's grants, for a stated reason.

    One grant at a time per user and case: going on after it expires is a new decision, with its
    own reason and audit entry. The case's lead counsellor and supervisor are told in their
    inbox."""
    if not has_any_role(actor, BREAK_GLASS_ROLES):
        raise PermissionDenied
    if word_characters(reason) < REASON_MINIMUM:
        raise ValidationError(
            {"reason": _("Give the reason in a sentence (10 characters or more).")}
        )
    if len(reason) > BREAK_GLASS_REASON_MAXIMUM:
        raise ValidationError(
            {
                "reason": _("Keep the reason to %(limit)s characters.")
                % {"limit": BREAK_GLASS_REASON_MAXIMUM}
            }
        )
    Case.objects.select_for_update().filter(pk=case.pk).first()  # one grant at a time
    active = BreakGlassAccess.objects.filter(
        user=actor, case=case, expires_at__gt=timezone.now()
    ).first()
    if active is not None:
        raise ValidationError(
            _("Your break-glass access to this case is open until %(until)s.")
            % {"until": timezone.localtime(active.expires_at).strftime("%Y-%m-%d %H:%M")},
            code="break_glass_open",
        )
    hours = settings.BREAK_GLASS_HOURS
    access = BreakGlassAccess.objects.create(
        user=actor,
        case=case,
        reason=without_invisible(reason),
        expires_at=timezone.now() + datetime.timedelta(hours=hours),
    )
    audit_log(
        actor=actor,
        action="counselling.case.break_glass",
        target=case,
        request=request,
        reason=access.reason,
        data={"hours": hours},
    )
    _tell_of_break_glass(access)
    return access


def _tell_of_break_glass(access: BreakGlassAccess) -> None:
    """The lead counsellor's and the supervisor's inbox (ids and times only: who and why are in
    the case's "who viewed this file" tab)."""
    case = access.case
    for recipient in {case.counsellor, *supervisors_of(case)}:
        if recipient.pk == access.user_id:
            continue
        reminder_plan(
            key=f"break_glass:{access.pk}:{recipient.pk}",
            channel=Reminder.Channel.INBOX,
            due_at=access.granted_at,
            template="break_glass_opened",
            params={
                "case": case.pk,
                "until": timezone.localtime(access.expires_at).strftime("%Y-%m-%d %H:%M"),
            },
            recipient=recipient,
            target=case,
            site=case.site,
        )


def _break_glass_opened(params: dict[str, Any]) -> Message:
    return Message(
        title=_("Break-glass access to case %(number)s") % {"number": params["case"]},
        body=_(
            "Someone opened this case outside their grants, until %(until)s. Who and why are in "
            "the case's “Who viewed this file” tab."
        )
        % {"until": params["until"]},
        link=reverse("counselling:case-viewers", args=[params["case"]]),
    )
