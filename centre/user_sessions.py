"""Signed-in sessions (README "Sessions"): the absolute lifetime, the list a user sees of their
browsers, and ending sessions — one, all the others, or all of an account's.

A session is Django's, in the database; beside it a `SignInSession` row (same key) holds what
the sessions page shows. Ending a session deletes both: the next request of that browser finds
no session and is anonymous, and a request still running cannot save it back (Django answers it
400). The times this module keeps in the session itself are read on every request at no cost
(the session is loaded and saved on every request anyway)."""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable, Iterable
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from centre.audit import audit_log, client_address
from centre.models import AuditEntry, SignInSession, User

SIGNED_IN_AT = "centre.signed_in_at"  # seconds since the epoch, at sign-in
SEEN_AT = "centre.seen_at"  # when `last_seen_at` was last written
USER_AGENT_LENGTH = 300


class EndReason:
    """Why sessions ended, as the audit entry says it (data "reason")."""

    SELF = "self"
    ADMINISTRATOR = "administrator"
    PASSWORD_CHANGED = "password_changed"  # noqa: S105 (a reason, not a password)
    ROLE_REVOKED = "role_revoked"
    DEACTIVATED = "deactivated"
    SECOND_FACTOR_RESET = "second_factor_reset"
    RECOVERY_CODES_RENEWED = "recovery_codes_renewed"


def session_started(*, request: HttpRequest, user: User) -> SignInSession:
    """At sign-in (the `user_logged_in` signal): the session's row and its start time. A
    session signed in again by its own user (Django keeps it, under a new key: the admin's
    sign-in page takes a password from a signed-in administrator) keeps its start: a password
    typed again never extends the absolute lifetime."""
    now = timezone.now()
    started = request.session.get(SIGNED_IN_AT)
    if not isinstance(started, int):
        started = int(now.timestamp())
    request.session[SIGNED_IN_AT] = started
    request.session[SEEN_AT] = int(now.timestamp())
    key = _saved_key(request)
    sessions_forget_gone(user=user)
    row, _created = SignInSession.objects.update_or_create(
        session_key=key,
        defaults={
            "user": user,
            "started_at": datetime.datetime.fromtimestamp(started, tz=datetime.UTC),
            "last_seen_at": now,
            "ip_address": client_address(request),
            "user_agent": request.headers.get("User-Agent", "")[:USER_AGENT_LENGTH],
        },
    )
    return row


def session_outlived(request: HttpRequest) -> bool:
    """Whether the session is older than `SESSION_ABSOLUTE_SECONDS`, however active."""
    started = request.session.get(SIGNED_IN_AT)
    if not isinstance(started, int):
        return False  # a session from before sign-ins were timed: timed from now (`session_seen`)
    return time.time() - started > settings.SESSION_ABSOLUTE_SECONDS


def session_expire(request: HttpRequest) -> None:
    """End the signed-in session that outlived its absolute lifetime, audited, and say why on
    the sign-in page."""
    user = request.user
    audit_log(
        actor=user,
        action="centre.session.expired",
        request=request,
        data={"hours": round(settings.SESSION_ABSOLUTE_SECONDS / 3600, 1)},
    )
    SignInSession.objects.filter(session_key=request.session.session_key).delete()
    request.session.flush()
    messages.info(
        request,
        _("Your session reached its longest allowed time (%(hours)s hours). Sign in again.")
        % {"hours": absolute_lifetime_hours()},
    )


def absolute_lifetime_hours() -> str:
    """`SESSION_ABSOLUTE_SECONDS` in hours as a reader writes them: "10" or "1.5", never "10.0"."""
    return f"{round(settings.SESSION_ABSOLUTE_SECONDS / 3600, 1):g}"


def session_seen(request: HttpRequest) -> None:
    """Record that the signed-in session was used now, at most every
    `SESSION_SEEN_EVERY_SECONDS` (one UPDATE, not one a request)."""
    now = int(time.time())
    seen = request.session.get(SEEN_AT)
    if isinstance(seen, int) and now - seen < settings.SESSION_SEEN_EVERY_SECONDS:
        return
    if not isinstance(request.session.get(SIGNED_IN_AT), int):
        # A session from before sign-ins were tracked: timed and listed from now on.
        if isinstance(request.user, User):
            session_started(request=request, user=request.user)
        return
    request.session[SEEN_AT] = now
    updated = SignInSession.objects.filter(session_key=request.session.session_key).update(
        last_seen_at=timezone.now()
    )
    if not updated and isinstance(request.user, User):
        session_started(request=request, user=request.user)


def session_key_cycle(request: HttpRequest, cycle: Callable[[], object] | None = None) -> None:
    """A new key for the signed-in session (after the second factor, after a password change:
    a key seen before the step is worth nothing after it); its row follows. `cycle` is what
    changes the key, when not `cycle_key` itself (`update_session_auth_hash`)."""
    old_key = request.session.session_key
    (cycle or request.session.cycle_key)()
    SignInSession.objects.filter(session_key=old_key).update(session_key=_saved_key(request))


def sessions_end(
    *,
    user: User,
    actor: User | None,
    reason: str,
    keep_key: str | None = None,
    only: Iterable[int] | None = None,
    request: HttpRequest | None = None,
) -> int:
    """End `user`'s sessions — all, or the rows `only` — except the one keyed `keep_key` (the
    acting browser's own). Audited when one ended, or when someone asked (a person's click is
    recorded even if the sessions had ended already). Returns how many ended."""
    rows = SignInSession.objects.filter(user=user)
    if only is not None:
        rows = rows.filter(pk__in=list(only))
    if keep_key:
        rows = rows.exclude(session_key=keep_key)
    keys = list(rows.values_list("session_key", flat=True))
    store = import_module(settings.SESSION_ENGINE).SessionStore
    with transaction.atomic():
        for key in keys:
            store().delete(key)
        SignInSession.objects.filter(session_key__in=keys).delete()
    if keys or reason in (EndReason.SELF, EndReason.ADMINISTRATOR):
        audit_log(
            actor=actor,
            action="centre.session.ended",
            target=user,
            request=request,
            result=AuditEntry.Result.SUCCESS,
            data={"sessions": len(keys), "reason": reason},
        )
    return len(keys)


def live_session_keys() -> QuerySet[Any, Any]:
    """The keys of the sessions that have not ended, as a subquery."""
    model = import_module(settings.SESSION_ENGINE).SessionStore.get_model_class()
    live: QuerySet[Any, Any] = model.objects.filter(expire_date__gt=timezone.now())
    return live.values("session_key")


def sessions_forget_gone(*, user: User) -> None:
    """Remove the rows of `user`'s sessions that ended by themselves (idle, signed out, a key
    cycled away): done at each sign-in, so the rows of an account stay few."""
    SignInSession.objects.filter(user=user).exclude(session_key__in=live_session_keys()).delete()


def _saved_key(request: HttpRequest) -> str:
    """The session's key, saving a new session first so that it has one."""
    if request.session.session_key is None:
        request.session.save()
    return str(request.session.session_key)


# What a browser calls itself, checked in this order (Edge and WeChat say "Chrome" too).
BROWSERS = (
    ("MicroMessenger/", "WeChat"),
    ("Edg/", "Edge"),
    ("Firefox/", "Firefox"),
    ("Chrome/", "Chrome"),
    ("Chromium/", "Chromium"),
    ("Safari/", "Safari"),
)
SYSTEMS = (
    ("Android", "Android"),
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("Linux", "Linux"),
)


def browser_label(user_agent: str) -> str:
    """ "Chrome on Windows": enough to tell one's browsers apart, from the User-Agent kept."""
    browser = next((name for mark, name in BROWSERS if mark in user_agent), "")
    system = next((name for mark, name in SYSTEMS if mark in user_agent), "")
    if browser and system:
        return _("%(browser)s on %(system)s") % {"browser": browser, "system": system}
    return browser or system or _("Unknown browser")
