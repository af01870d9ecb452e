"""Writing the audit log. Every app records reads and changes of sensitive records through
`audit_log`; entries hold ids and actions only, never names, scores or notes."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from centre.errors import ConflictError
from centre.models import AuditEntry, AuditRecord, BreakGlassReview, User
from centre.text import without_invisible, word_characters


def client_address(request: HttpRequest | None) -> str | None:
    """The client's address, the same for the audit log and django-axes.

    With `TRUSTED_PROXY_COUNT` proxies in front (README "Running in production"), each appends
    the address it received the request from to X-Forwarded-For, so the client is the entry that
    many places from the right; entries further left are whatever the client sent and are never
    believed. With no proxy (0), or a header shorter than the proxies or not an address, it is
    REMOTE_ADDR: the peer of the web server, which nobody can forge."""
    if request is None:
        return None
    peer = request.META.get("REMOTE_ADDR") or None
    proxies = settings.TRUSTED_PROXY_COUNT
    if not proxies:
        return peer
    forwarded = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    if len(forwarded) < proxies:
        return peer
    try:
        return str(ipaddress.ip_address(forwarded[-proxies]))
    except ValueError:
        return peer


def audit_log(
    *,
    actor: User | AnonymousUser | None,
    action: str,
    target: models.Model | None = None,
    request: HttpRequest | None = None,
    reason: str = "",
    result: str = AuditEntry.Result.SUCCESS,
    data: dict[str, Any] | None = None,
    actor_username: str = "",
) -> AuditEntry:
    """Append one entry. `action` is dotted, `<app>.<record>.<verb>`: `counselling.case.viewed`."""
    # Only a signed-in user is an actor; anyone else is known by the name they typed, if any.
    user = actor if isinstance(actor, User) and actor.is_authenticated else None
    # Every entry written while answering a request carries its address, whichever service
    # wrote it (README "The audit log"); a task's or a script's has none.
    request = request if request is not None else current_request()
    return AuditEntry.objects.create(
        actor=user,
        actor_username=user.get_username() if user is not None else actor_username[:150],
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        result=result,
        ip_address=client_address(request),
        reason=reason,
        data=data or {},
    )


def audit_read(
    request: HttpRequest,
    action: str,
    records: models.Model | Iterable[models.Model] | None,
    *,
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> AuditEntry:
    """Audit what a page, an API answer or an export shows the signed-in user: one entry per
    answer, never one per row. One record is the entry's target; a list (a page of rows) is
    one entry with their number, and each record in `AuditRecord`, so that "who viewed this
    file" finds the list page too. `action` is dotted: `counselling.case.listed`."""
    if records is None or isinstance(records, models.Model):
        return audit_log(
            actor=request.user,
            action=action,
            target=records,
            request=request,
            reason=reason,
            data=data,
        )
    shown = list(dict.fromkeys(records))  # the order shown, each record once
    with transaction.atomic():
        entry = audit_log(
            actor=request.user,
            action=action,
            request=request,
            reason=reason,
            data={**(data or {}), "records": len(shown)},
        )
        AuditRecord.objects.bulk_create(
            AuditRecord(entry=entry, target_type=record._meta.label_lower, target_id=str(record.pk))
            for record in shown
        )
    return entry


def audit_export(
    request: HttpRequest,
    action: str,
    records: models.Model | Iterable[models.Model] | None = None,
    *,
    filename: str,
    data: dict[str, Any] | None = None,
) -> AuditEntry:
    """Audit a download (an XLSX report, a template, a stored monthly report): who took which
    file, of which records. `filename` names ids and months only, never a person."""
    return audit_read(request, action, records, data={**(data or {}), "file": filename})


_current_request: ContextVar[HttpRequest | None] = ContextVar("audited_request", default=None)


class AuditContextMiddleware:
    """Makes the request known to audit writers no view calls: the model signals that audit
    account and role changes whatever the path (the admin, a form, a script run in a view)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _current_request.set(request)
        try:
            return self.get_response(request)
        finally:
            _current_request.reset(token)


def current_request() -> HttpRequest | None:
    """The request being answered, or None (the shell, a Celery task, a migration)."""
    return _current_request.get()


def current_actor() -> User | None:
    """The signed-in user of the request being answered, if any."""
    user = getattr(current_request(), "user", None)
    return user if user is not None and user.is_authenticated else None


# Readable actions -------------------------------------------------------------------------------

# An action is `<app>.<record>.<verb>`; the auditors' page reads it as "record: verb" in the
# reader's language. The log keeps the dotted name (the filter's value); an action not named
# here is shown as stored.
RECORD_LABELS = {
    "session": gettext_lazy("Session"),  # centre.session: signing in and out
    "counselling.session": gettext_lazy("Counselling session"),
    "user": gettext_lazy("Account"),
    "role": gettext_lazy("Role"),
    "site": gettext_lazy("Site"),
    "school": gettext_lazy("School"),
    "reminder": gettext_lazy("Reminder"),
    "statistics": gettext_lazy("Statistics"),
    "monthly_report": gettext_lazy("Monthly report"),
    "case": gettext_lazy("Case file"),
    "client": gettext_lazy("Child's details"),
    "consent": gettext_lazy("Consent"),
    "guardian": gettext_lazy("Guardian"),
    "export": gettext_lazy("Case file export"),
    "follow_up": gettext_lazy("Follow-up"),
    "referral": gettext_lazy("Referral"),
    "safety_plan": gettext_lazy("Safety plan"),
    "case_conference": gettext_lazy("Case conference"),
    "campaign": gettext_lazy("Screening campaign"),
    "result": gettext_lazy("Screening result"),
    "referral_form": gettext_lazy("Screening referral form"),
    "roster": gettext_lazy("Roster"),
    "roster_import": gettext_lazy("Roster import"),
    "roster_errors": gettext_lazy("Roster error report"),
    "roster_template": gettext_lazy("Roster template"),
    "task": gettext_lazy("Screening task"),
    "break_glass_review": gettext_lazy("Break-glass review"),
    "audit_log": gettext_lazy("Audit log"),
    "audit_chain": gettext_lazy("Audit log's hash chain"),
    "bulk_access": gettext_lazy("Bulk access to client records"),
    "appointment": gettext_lazy("Planned appointment"),
    "task_sheet": gettext_lazy("Task sheet for class teachers"),
    "online": gettext_lazy("Online self-assessment"),
    "online_window": gettext_lazy("Class opened online"),
    "online_not_yet": gettext_lazy("Sheet of students not answered yet"),
    "online_session": gettext_lazy("Online self-assessment session"),
}
VERB_LABELS = {
    "login": gettext_lazy("signed in"),
    "printed": gettext_lazy("printed"),
    "logout": gettext_lazy("signed out"),
    "second_factor": gettext_lazy("second sign-in step"),
    "locked_out": gettext_lazy("locked out"),
    "expired": gettext_lazy("ended at its longest time"),
    "ended": gettext_lazy("ended"),
    "two_factor_enrolled": gettext_lazy("second sign-in step set up"),
    "two_factor_reset": gettext_lazy("second sign-in step reset"),
    "recovery_codes_renewed": gettext_lazy("new recovery codes made"),
    "viewed": gettext_lazy("viewed"),
    "listed": gettext_lazy("listed"),
    "searched": gettext_lazy("searched"),
    "exported": gettext_lazy("exported"),
    "requested": gettext_lazy("requested"),
    "created": gettext_lazy("created"),
    "deleted": gettext_lazy("deleted"),
    "changed": gettext_lazy("changed"),
    "password_changed": gettext_lazy("password changed"),
    "role_granted": gettext_lazy("role granted"),
    "role_revoked": gettext_lazy("role revoked"),
    "permission_granted": gettext_lazy("permission granted"),
    "permission_revoked": gettext_lazy("permission revoked"),
    "moved": gettext_lazy("moved"),
    "resent": gettext_lazy("sent again"),
    "given_up": gettext_lazy("given up"),
    "opened": gettext_lazy("opened"),
    "reopened": gettext_lazy("reopened"),
    "assigned": gettext_lazy("assigned"),
    "shared": gettext_lazy("shared"),
    "unshared": gettext_lazy("share revoked"),
    "risk_changed": gettext_lazy("risk level changed"),
    "status_changed": gettext_lazy("status changed"),
    "break_glass": gettext_lazy("break-glass access"),
    "given": gettext_lazy("given"),
    "withdrawn": gettext_lazy("withdrawn"),
    "crisis_exception": gettext_lazy("crisis exception"),
    "added": gettext_lazy("added"),
    "planned": gettext_lazy("planned"),
    "cancelled": gettext_lazy("cancelled"),
    "done": gettext_lazy("done"),
    "missed": gettext_lazy("missed"),
    "reopen": gettext_lazy("reopened the case"),
    "logged": gettext_lazy("logged"),
    "saved": gettext_lazy("saved"),
    "advanced": gettext_lazy("moved on"),
    "recorded": gettext_lazy("recorded"),
    "tier_changed": gettext_lazy("tier changed"),
    "downgrade_requested": gettext_lazy("lower tier requested"),
    "downgrade_approved": gettext_lazy("lower tier approved"),
    "downgrade_declined": gettext_lazy("lower tier declined"),
    "downgrade_lapsed": gettext_lazy("lower tier request lapsed"),
    "imported": gettext_lazy("imported"),
    "undone": gettext_lazy("undone"),
    "referred": gettext_lazy("referred (green channel)"),
    "reviewed": gettext_lazy("reviewed"),
    "started": gettext_lazy("started"),
    "submitted": gettext_lazy("submitted"),
    "closed": gettext_lazy("closed"),
    "consent_recorded": gettext_lazy("consent basis recorded"),
    "code_reissued": gettext_lazy("new code issued"),
    "codes_reprinted": gettext_lazy("slips reprinted"),
    "verified": gettext_lazy("verified"),
    "purged": gettext_lazy("purged past its retention period"),
    "alerted": gettext_lazy("reported to the auditors"),
}
# The actions the filter offers, in the order of the list (each written somewhere in the code).
KNOWN_ACTIONS = (
    "counselling.appointment.planned",
    "counselling.appointment.cancelled",
    "counselling.appointment.done",
    "counselling.case.printed",
    "counselling.referral.printed",
    "screening.task_sheet.exported",
    "screening.task_sheet.printed",
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
    "centre.user.password_changed",
    "centre.user.role_granted",
    "centre.user.role_revoked",
    "centre.user.permission_granted",
    "centre.user.permission_revoked",
    "centre.site.moved",
    "centre.school.moved",
    "centre.statistics.exported",
    "centre.monthly_report.exported",
    "centre.monthly_report.requested",
    "centre.audit_log.exported",
    "centre.audit_log.purged",
    "centre.audit_chain.verified",
    "centre.bulk_access.alerted",
    "centre.break_glass_review.created",
    "counselling.case.break_glass",
    "counselling.case.viewed",
    "counselling.case.listed",
    "counselling.session.viewed",
    "counselling.session.listed",
    "counselling.client.viewed",
    "counselling.client.listed",
    "counselling.client.searched",
    "counselling.export.viewed",
    "counselling.follow_up.viewed",
    "counselling.case.opened",
    "counselling.case.changed",
    "counselling.case.risk_changed",
    "counselling.case.assigned",
    "counselling.case.shared",
    "counselling.case.unshared",
    "counselling.consent.given",
    "counselling.consent.withdrawn",
    "counselling.consent.crisis_exception",
    "counselling.session.logged",
    "counselling.session.changed",
    "counselling.referral.created",
    "counselling.referral.advanced",
    "screening.result.viewed",
    "screening.result.listed",
    "screening.result.tier_changed",
    "screening.roster.imported",
    "screening.roster.undone",
    "screening.roster_errors.exported",
    "screening.consent.given",
    "screening.consent.withdrawn",
    "screening.campaign.consent_recorded",
    "screening.online.opened",
    "screening.online.closed",
    "screening.online.started",
    "screening.online.submitted",
    "screening.online.code_reissued",
    "screening.online.codes_reprinted",
    "screening.online_not_yet.printed",
)


def action_label(action: str) -> str:
    """The action as a reader says it, "Case file: viewed"; the dotted name if unknown."""
    parts = action.split(".")
    if len(parts) != 3 or parts[2] not in VERB_LABELS:
        return action
    record = RECORD_LABELS.get(f"{parts[0]}.{parts[1]}") or RECORD_LABELS.get(parts[1])
    if record is None:
        return action
    return _("%(record)s: %(verb)s") % {"record": record, "verb": VERB_LABELS[parts[2]]}


def record_label(target_type: str) -> str:
    """A record's kind in the reader's words (`counselling.case` → "Case file")."""
    _app, _dot, model = target_type.partition(".")
    names = {
        "counsellingsession": "counselling.session",
        "followup": "follow_up",
        "caseconference": "case_conference",
        "trackingtask": "task",
        "breakglassreview": "break_glass_review",
        "safetyplan": "safety_plan",
        "onlinewindow": "online_window",
        "onlinesession": "online_session",
    }
    label = RECORD_LABELS.get(names.get(model, model))
    return str(label) if label is not None else target_type


# Break-glass review (DOMAIN.md §5.3) -------------------------------------------------------------

BREAK_GLASS_ACTION = "counselling.case.break_glass"
REVIEW_NOTE_MINIMUM = 10  # letters or digits, like the break-glass reason itself
REVIEW_NOTE_MAXIMUM = 2000


def break_glass_review(
    *, reviewer: User, entry: AuditEntry, note: str, request: HttpRequest | None = None
) -> BreakGlassReview:
    """Mark a break-glass access reviewed, with the auditor's note: a record of its own beside
    the entry (the log is append-only), once per access, and audited itself."""
    if entry.action != BREAK_GLASS_ACTION:
        raise ValidationError(_("Only a break-glass access is reviewed here."))
    note = without_invisible(note).strip()
    if "\x00" in note:
        raise ValidationError({"note": _("A note holds no control characters.")})
    if word_characters(note) < REVIEW_NOTE_MINIMUM:
        raise ValidationError({"note": _("Say what you checked (10 characters or more).")})
    if len(note) > REVIEW_NOTE_MAXIMUM:
        raise ValidationError(
            {
                "note": _("A note is at most %(length)s characters.")
                % {"length": REVIEW_NOTE_MAXIMUM}
            }
        )
    if entry.actor_id is not None and entry.actor_id == reviewer.pk:
        raise ValidationError(_("Nobody reviews their own break-glass access."))
    try:
        with transaction.atomic():
            review = BreakGlassReview.objects.create(entry=entry, reviewer=reviewer, note=note)
    except IntegrityError as taken:
        raise ConflictError(_("This access has been reviewed already.")) from taken
    audit_log(
        actor=reviewer,
        action="centre.break_glass_review.created",
        target=entry,
        request=request,
        data={"review": review.pk},
    )
    return review
