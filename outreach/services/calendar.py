"""The per-user calendar feed: a secret address (`/outreach/calendar/<token>.ics`) that a
calendar app polls without signing in. Only the token's SHA-256 is stored, so the address is
shown once, when it is made; making a new one ends the old one."""

from __future__ import annotations

import hashlib
import secrets

from django.db import transaction

from centre.audit import audit_log
from centre.models import User
from outreach.models import CalendarFeed

TOKEN_BYTES = 32  # 43 URL-safe characters


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


@transaction.atomic
def calendar_feed_reset(*, actor: User) -> str:
    """A new secret address for the actor's feed (the old one stops answering); returns the
    token, which is never stored."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    feed, created = CalendarFeed.objects.select_for_update().get_or_create(
        user=actor, defaults={"token_hash": token_hash(token)}
    )
    if not created:
        feed.token_hash = token_hash(token)
        feed.save(update_fields=["token_hash"])
    audit_log(actor=actor, action="outreach.calendar_feed.reset", target=feed, data={})
    return token


@transaction.atomic
def calendar_feed_end(*, actor: User) -> None:
    deleted, _ = CalendarFeed.objects.filter(user=actor).delete()
    if deleted:
        audit_log(actor=actor, action="outreach.calendar_feed.ended", data={})
