"""What the audit log records from signals (DOMAIN.md §5.4, ASVS 16.3.1): sign-ins, sign-outs and
failed sign-ins; and every change of an account's roles, permissions, site, school, active or
staff state and password, whatever the path (the admin, the shell, a script), with the actor of
the request when there is one. Nobody may change their own roles, permissions, site or school."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.core.exceptions import PermissionDenied
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.dispatch import receiver
from django.http import HttpRequest

from centre import user_sessions
from centre.audit import audit_log, current_actor, current_request
from centre.models import AuditEntry, School, Site, User
from centre.roles import CLINICAL_ROLES, clinical_permissions


@receiver(user_logged_in)
def audit_login(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    audit_log(actor=user, action="centre.session.login", request=request)
    if request is not None and hasattr(request, "session"):
        user_sessions.session_started(request=request, user=user)


@receiver(user_logged_out)
def audit_logout(
    sender: Any, request: HttpRequest | None, user: User | None, **kwargs: Any
) -> None:
    if user is not None:
        audit_log(actor=user, action="centre.session.logout", request=request)


@receiver(user_login_failed)
def audit_login_failure(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    audit_log(
        actor=None,
        actor_username=str(credentials.get("username", "")),
        action="centre.session.login",
        result=AuditEntry.Result.FAILED,
        request=request,
    )


@receiver(user_locked_out)
def audit_lockout(
    sender: Any, request: HttpRequest | None, username: str | None = None, **kwargs: Any
) -> None:
    """django-axes locked a username out from an address (the password step)."""
    audit_log(
        actor=None,
        actor_username=str(username or ""),
        action="centre.session.locked_out",
        result=AuditEntry.Result.FAILED,
        request=request,
        data={"step": "password"},
    )


# Accounts ----------------------------------------------------------------------------------------

# Fields of User whose changes are audited (attribute names); the privileges among them nobody may
# change on their own account. The password is audited as "changed", never with its hash.
AUDITED_FIELDS = (
    "is_active",
    "is_staff",
    "is_superuser",
    "site_id",
    "school_id",
    "must_change_password",
)
SELF_LOCKED_FIELDS = ("is_staff", "is_superuser", "site_id", "school_id")
SELF_CHANGE_REFUSED = "Nobody can change their own roles, permissions, site or school."


def audit_account(action: str, user: User, data: dict[str, Any]) -> None:
    audit_log(
        actor=current_actor(), action=action, target=user, request=current_request(), data=data
    )


def refuse_self_change(user_ids: Iterable[int]) -> None:
    actor = current_actor()
    if actor is not None and actor.pk in set(user_ids):
        raise PermissionDenied(SELF_CHANGE_REFUSED)


def watched(update_fields: Iterable[str] | None) -> bool:
    if update_fields is None:
        return True
    names = {field.removesuffix("_id") for field in update_fields}
    return bool(names & {field.removesuffix("_id") for field in (*AUDITED_FIELDS, "password")})


@receiver(pre_save, sender=User)
def remember_account_before_save(
    sender: Any,
    instance: User,
    raw: bool = False,
    update_fields: Iterable[str] | None = None,
    **kw: Any,
) -> None:
    instance._audit_before = None  # type: ignore[attr-defined]
    if raw or instance._state.adding or not watched(update_fields):
        return  # a sign-in's last_login, a fixture: nothing audited changes
    before = User.objects.filter(pk=instance.pk).values(*AUDITED_FIELDS, "password").first()
    if before and any(before[name] != getattr(instance, name) for name in SELF_LOCKED_FIELDS):
        refuse_self_change([instance.pk])
    instance._audit_before = before  # type: ignore[attr-defined]


@receiver(post_save, sender=User)
def audit_account_save(
    sender: Any, instance: User, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    if raw:
        return
    before = instance.__dict__.pop("_audit_before", None)
    if created:
        fields = {name: getattr(instance, name) for name in AUDITED_FIELDS}
        audit_account(
            "centre.user.created", instance, {**fields, "clinical": instance.is_superuser}
        )
        return
    if before is None:
        return
    changes = {
        name: [before[name], getattr(instance, name)]
        for name in AUDITED_FIELDS
        if before[name] != getattr(instance, name)
    }
    if changes:
        granted_all = instance.is_superuser and not before["is_superuser"]
        audit_account(
            "centre.user.changed", instance, {"changes": changes, "clinical": granted_all}
        )
    if before["password"] != instance.password:
        audit_account("centre.user.password_changed", instance, {})
        end_sessions_of(instance, user_sessions.EndReason.PASSWORD_CHANGED)
    elif before["is_active"] and not instance.is_active:
        end_sessions_of(instance, user_sessions.EndReason.DEACTIVATED)


def end_sessions_of(user: User, reason: str) -> None:
    """A password changed, an account deactivated, a role taken away: the account's sessions
    end at once — but the browser of a user changing their own password stays signed in."""
    actor = current_actor()
    request = current_request()
    own = actor is not None and actor.pk == user.pk and request is not None
    keep_key = request.session.session_key if own and request is not None else None
    user_sessions.sessions_end(user=user, actor=actor, reason=reason, keep_key=keep_key)


@receiver(post_delete, sender=User)
def audit_account_delete(sender: Any, instance: User, **kwargs: Any) -> None:
    audit_account("centre.user.deleted", instance, {})


def role_names(group_ids: Iterable[int]) -> list[str]:
    return sorted(Group.objects.filter(pk__in=group_ids).values_list("name", flat=True))


def permission_names(permission_ids: Iterable[int]) -> list[str]:
    return sorted(
        f"{app_label}.{codename}"
        for app_label, codename in Permission.objects.filter(pk__in=permission_ids).values_list(
            "content_type__app_label", "codename"
        )
    )


def roles_data(names: list[str]) -> dict[str, Any]:
    return {"roles": names, "clinical": bool(set(names) & {role.value for role in CLINICAL_ROLES})}


def permissions_data(names: list[str]) -> dict[str, Any]:
    return {"permissions": names, "clinical": bool(set(names) & clinical_permissions())}


# What an m2m change of the user's groups or permissions is called, and how its ids are described.
M2M_AUDITS = {
    User.groups.through: ("role", role_names, roles_data),
    User.user_permissions.through: ("permission", permission_names, permissions_data),
}


def audit_m2m_change(
    sender: Any,
    instance: Any,
    action: str,
    reverse: bool,
    pk_set: set[int] | None,
    **kwargs: Any,
) -> None:
    """Both sides: `user.groups.add(group)` and `group.user_set.add(user)`; `clear()` too."""
    kind, describe, to_data = M2M_AUDITS[sender]
    related = "group" if kind == "role" else "permission"
    if action.startswith("pre_"):
        if action == "pre_clear":
            # What a clear removes, read before it goes, for the entry after it.
            rows = sender.objects.filter(**{related if reverse else "user": instance})
            pk_set = set(rows.values_list("user_id" if reverse else f"{related}_id", flat=True))
            instance._audit_cleared = pk_set
        if pk_set:  # adding what is there already changes nothing
            refuse_self_change(pk_set if reverse else [instance.pk])
        return
    if action == "post_clear":
        pk_set = instance.__dict__.pop("_audit_cleared", set())
    if not pk_set:
        return
    granted = action == "post_add"
    action_name = f"centre.user.{kind}_{'granted' if granted else 'revoked'}"
    data = to_data(describe([instance.pk] if reverse else pk_set))
    data["clinical"] = granted and data["clinical"]  # the auditors' flag: clinical access given
    for user in User.objects.filter(pk__in=pk_set) if reverse else [instance]:
        audit_account(action_name, user, data)
        if kind == "role" and not granted:
            end_sessions_of(user, user_sessions.EndReason.ROLE_REVOKED)


for through in M2M_AUDITS:
    m2m_changed.connect(audit_m2m_change, sender=through, dispatch_uid=f"audit-{through.__name__}")


@receiver(m2m_changed, sender=Group.permissions.through)
def audit_role_permissions(
    sender: Any,
    instance: Any,
    action: str,
    reverse: bool,
    pk_set: set[int] | None,
    **kwargs: Any,
) -> None:
    """What a role opens changes for every member: audited like a grant to one account (the
    role groups are kept in step with the code by `sync_role_groups`, which changes nothing
    when they already are)."""
    if action not in ("post_add", "post_remove") or not pk_set:
        return
    granted = action == "post_add"
    groups = Group.objects.filter(pk__in=pk_set) if reverse else [instance]
    data = permissions_data(permission_names([instance.pk] if reverse else pk_set))
    data["clinical"] = granted and data["clinical"]
    for group in groups:
        audit_log(
            actor=current_actor(),
            action=f"centre.role.permission_{'granted' if granted else 'revoked'}",
            target=group,
            request=current_request(),
            data=data,
        )


# Places ----------------------------------------------------------------------------------------

# Where a site sits, and which site a school belongs to, decide who sees the records of everyone
# there (a school moved under another county opens its students' scores to that county's
# clinicians): a move is a change of privileges, audited like one, whatever the path.
PLACE_FIELDS = {Site: ("parent_id", "code"), School: ("site_id",)}


def remember_place_before_save(
    sender: Any, instance: Any, raw: bool = False, **kwargs: Any
) -> None:
    instance._place_before = None
    if raw or instance._state.adding:
        return
    fields = PLACE_FIELDS[sender]
    instance._place_before = sender.objects.filter(pk=instance.pk).values(*fields).first()


def audit_place_save(
    sender: Any, instance: Any, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    before = instance.__dict__.pop("_place_before", None)
    if raw or created or before is None:
        return
    changes = {
        name: [before[name], getattr(instance, name)]
        for name in PLACE_FIELDS[sender]
        if before[name] != getattr(instance, name)
    }
    if changes:
        audit_log(
            actor=current_actor(),
            action=f"centre.{sender._meta.model_name}.moved",
            target=instance,
            request=current_request(),
            data={"changes": changes},
        )


for place in PLACE_FIELDS:
    pre_save.connect(remember_place_before_save, sender=place, dispatch_uid=f"place-{place}")
    post_save.connect(audit_place_save, sender=place, dispatch_uid=f"audit-place-{place}")
