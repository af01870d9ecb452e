"""Writing the audit log. Every app records reads and changes of sensitive records through
`audit_log`; entries hold ids and actions only, never names, scores or notes."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.http import HttpRequest

from centre.models import AuditEntry, User


def client_address(request: HttpRequest | None) -> str | None:
    """The client's address as the web server saw it (the proxy sets REMOTE_ADDR via gunicorn's
    forwarded-allow-ips in production)."""
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def audit_log(
    *,
    actor: User | None,
    action: str,
    target: models.Model | None = None,
    request: HttpRequest | None = None,
    reason: str = "",
    result: str = AuditEntry.Result.SUCCESS,
    data: dict[str, Any] | None = None,
    actor_username: str = "",
) -> AuditEntry:
    """Append one entry. `action` is dotted, `<app>.<record>.<verb>`: `counselling.case.viewed`."""
    authenticated = actor is not None and actor.is_authenticated
    return AuditEntry.objects.create(
        actor=actor if authenticated else None,
        actor_username=actor.get_username() if authenticated else actor_username[:150],
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        result=result,
        ip_address=client_address(request),
        reason=reason,
        data=data or {},
    )
