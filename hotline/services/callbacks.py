"""Callbacks: a call back to a caller who wanted one and consented (DOMAIN §3.2).

Planned once per call by `call_saved`; due by risk (high/moderate within 24 h, low and the rest
within 72 h); closed by `record_outcome` (done / not reached, with a note). Versioned; every step
audited by id only — no caller name, number or risk in the audit data."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from centre.audit import audit_log
from centre.models import User
from centre.roles import Role
from centre.versioning import save_versioned
from hotline.models import Call, Callback

MAX_NOTE = 2000
URGENT_HOURS = 24
DEFAULT_HOURS = 72
OUTCOMES = (Callback.Status.DONE, Callback.Status.NOT_REACHED)


def clean_text(value: str) -> str:
    """No NUL (Postgres refuses it), trimmed."""
    return value.replace("\x00", "").strip()


def due_for(call: Call) -> datetime.datetime:
    """When a callback of `call` is due: 24 h after it for high or moderate risk, else 72 h."""
    start = call.ended_at or call.started_at or timezone.now()
    urgent = call.risk in (Call.Risk.HIGH, Call.Risk.MODERATE)
    return start + datetime.timedelta(hours=URGENT_HOURS if urgent else DEFAULT_HOURS)


@transaction.atomic
def plan_callback(
    *, actor: User, call: Call, due_at: datetime.datetime | None = None
) -> Callback | None:
    """Plan the call back of `call` (owned by its operator) if the caller wanted one and
    consented; returns the callback the call already has, or None without consent."""
    if not (call.callback_wanted and call.callback_consent):
        return None
    # Lock the call so two saves of it cannot plan two callbacks.
    Call.objects.select_for_update().filter(pk=call.pk).first()
    existing = Callback.objects.filter(call=call).order_by("id").first()
    if existing is not None:
        return existing
    latest = due_for(call)
    if due_at is None or due_at > latest:
        due_at = latest
    callback = Callback.objects.create(
        call=call, site_id=call.site_id, owner_id=call.operator_id, due_at=due_at
    )
    audit_log(
        actor=actor,
        action="hotline.callback.planned",
        target=callback,
        data={"call": call.pk, "site": call.site_id},
    )
    return callback


def may_record(user: User, callback: Callback) -> bool:
    """Its owner, another operator of its site, or a supervisor of its site tree."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.has_role(Role.HOTLINE_OPERATOR) and (
        callback.owner_id == user.pk or callback.site_id == user.site_id
    ):
        return True
    return (
        user.has_role(Role.SUPERVISOR)
        and user.site is not None
        and callback.site.path.startswith(user.site.path)
    )


@transaction.atomic
def record_outcome(
    *, actor: User, callback: Callback, status: str, note: str = "", expected_version: int
) -> Callback:
    """Close `callback` as done or not reached, with a note."""
    if not may_record(actor, callback):
        raise PermissionDenied
    if callback.status != Callback.Status.OPEN:
        raise ValidationError(_("This callback is already closed."))
    if status not in OUTCOMES:
        raise ValidationError({"status": _("Choose whether the caller was reached.")})
    note = clean_text(str(note or ""))
    if len(note) > MAX_NOTE:
        raise ValidationError({"note": _("At most %(count)s characters.") % {"count": MAX_NOTE}})
    save_versioned(
        callback,
        expected_version=expected_version,
        fields={
            "status": status,
            "outcome_note": note,
            "done_at": timezone.now(),
            "done_by": actor,
        },
    )
    audit_log(
        actor=actor,
        action="hotline.callback.outcome",
        target=callback,
        data={"status": status},
    )
    return callback
