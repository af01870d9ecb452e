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
