"""Sign-ins, sign-outs and failed sign-ins go to the audit log (DOMAIN.md §5.4, ASVS 16.3.1)."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from centre.audit import audit_log
from centre.models import AuditEntry


@receiver(user_logged_in)
def audit_login(sender, request, user, **kwargs) -> None:
    audit_log(actor=user, action="centre.session.login", request=request)


@receiver(user_logged_out)
def audit_logout(sender, request, user, **kwargs) -> None:
    if user is not None:
        audit_log(actor=user, action="centre.session.logout", request=request)


@receiver(user_login_failed)
def audit_login_failure(sender, credentials, request=None, **kwargs) -> None:
    audit_log(
        actor=None,
        actor_username=str(credentials.get("username", "")),
        action="centre.session.login",
        result=AuditEntry.Result.FAILED,
        request=request,
    )
