"""Reads of centre's records, scoped to the acting user, and the staff pickers every app uses.

Views, APIs and tasks never query a model's manager themselves (`make lint` runs
`tools/check_access.py`): a record a page opens comes from a `get_<record>_for_user` here or in
its app's selectors, and answers 404 (`NotFoundError`) when the user may not see it."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db.models import QuerySet
from django.db.models.functions import Coalesce

from centre.errors import NotFoundError, first_or_not_found
from centre.models import (
    AuditEntry,
    AuditRecord,
    MonthlyReport,
    Notification,
    Reminder,
    School,
    SignInSession,
    Site,
    User,
)
from centre.reminders import reminders_visible_to
from centre.roles import Role
from centre.user_sessions import live_session_keys


def site_paths_above(site: Site) -> list[str]:
    """The paths of `site` and of every site above it, nearest first ("C/K01/", "C/")."""
    codes = site.path.strip("/").split("/")
    return ["".join(f"{code}/" for code in codes[:depth]) for depth in range(len(codes), 0, -1)]


def staff_of_site_tree(
    *, site: Site | None, roles: Iterable[Role], above: bool = False
) -> QuerySet[User]:
    """Active users holding one of `roles` at `site` or a site below it — the colleagues a
    picker (share, assign, conference participants) offers. With `above`, at `site` or a site
    above it instead: those who see its records (a tier change's approvers). No site, no one."""
    if site is None:
        return User.objects.none()
    where = (
        {"site__path__in": site_paths_above(site)}
        if above
        else {"site__path__startswith": site.path}
    )
    return (
        User.objects.filter(is_active=True, groups__name__in=[str(role) for role in roles], **where)
        .distinct()
        .select_related("site")
        .prefetch_related("groups")  # their roles, for the picker's label (`staff_label`)
        .order_by("last_name", "first_name", "username")
    )


def schools_for_user(user: User) -> QuerySet[School]:
    """A liaison's own school; anyone else's, the schools of their site and the sites below."""
    if user.has_role(Role.SCHOOL_LIAISON) and user.school_id:
        return School.objects.filter(pk=user.school_id)
    if user.site is not None:
        return School.objects.filter(site__path__startswith=user.site.path)
    return School.objects.none()


# The actions that are reads of a record (what "who viewed" asks about): the verbs
# `centre.audit.audit_read` and `audit_export` write — a page or answer shown (viewed, listed,
# searched), a file taken (exported) and a sheet or letter printed (printed).
READ_VERBS = ("viewed", "listed", "searched", "exported", "printed")
READ_ACTION_REGEX = rf"\.({'|'.join(READ_VERBS)})$"


def audit_entries(
    *,
    action: str = "",
    username: str = "",
    actor_id: int | None = None,
    record: tuple[str, str] | None = None,
    since: datetime.datetime | None = None,
    until: datetime.datetime | None = None,
    reads: bool = False,
) -> QuerySet[AuditEntry]:
    """The audit log for auditors (the role is the page's check), newest first: by action
    (a prefix: "counselling.case." is every action on case files), user, record — entries about
    it, and lists, answers and exports that showed it (`AuditRecord`) — and time, [since,
    until). Each condition is an indexed one; nothing here counts the table."""
    entries = AuditEntry.objects.all()
    if action:
        entries = entries.filter(action__startswith=action)
    if username:
        entries = entries.filter(actor_username=username)
    if actor_id is not None:
        entries = entries.filter(actor_id=actor_id)
    if record is not None:
        target = {"target_type": record[0], "target_id": record[1]}
        # A UNION of two indexed lookups, not an OR that Postgres would scan the log for.
        direct = AuditEntry.objects.filter(**target).order_by().values("pk")
        listed = AuditRecord.objects.filter(**target).order_by().values("entry_id")
        entries = entries.filter(pk__in=direct.union(listed))
    if since is not None:
        entries = entries.filter(at__gte=since)
    if until is not None:
        entries = entries.filter(at__lt=until)
    if reads:
        entries = entries.filter(action__regex=READ_ACTION_REGEX)
    return entries


def break_glass_awaiting_review() -> QuerySet[AuditEntry]:
    """Break-glass accesses no auditor has reviewed yet, oldest first: those past the 24 hours
    of DOMAIN.md §5.3 head the list."""
    from centre.audit import BREAK_GLASS_ACTION

    return AuditEntry.objects.filter(
        action=BREAK_GLASS_ACTION, break_glass_review__isnull=True
    ).order_by("at", "id")


def break_glass_reviewed() -> QuerySet[AuditEntry]:
    """Reviewed break-glass accesses with their review (newest first by the pager)."""
    from centre.audit import BREAK_GLASS_ACTION

    return AuditEntry.objects.filter(
        action=BREAK_GLASS_ACTION, break_glass_review__isnull=False
    ).select_related("break_glass_review", "break_glass_review__reviewer")


def get_break_glass_entry_for_user(*, user: User, entry_id: int) -> AuditEntry:
    """A break-glass access's audit entry, for an auditor; anything else answers 404."""
    from centre.audit import BREAK_GLASS_ACTION

    if not user.has_role(Role.AUDITOR):
        raise NotFoundError
    entry: AuditEntry = first_or_not_found(
        AuditEntry.objects.filter(pk=entry_id, action=BREAK_GLASS_ACTION).select_related(
            "break_glass_review"
        )
    )
    return entry


def statistics_sites_for_user(user: User) -> QuerySet[Site]:
    """The sites whose statistics `user` may read: all for a statistics administrator, their
    own site and those below for anyone else."""
    if user.has_role(Role.STATISTICS_ADMINISTRATOR):
        return Site.objects.all()
    if user.site is not None:
        return user.site.descendants_and_self()
    return Site.objects.none()


def statistics_child_sites(site: Site | None) -> QuerySet[Site]:
    """The rows of the per-site breakdown: the sites under `site`, or the county centres."""
    if site is not None:
        return site.children.order_by("code")
    return Site.objects.filter(parent__parent__isnull=True, parent__isnull=False).order_by("code")


def monthly_reports() -> QuerySet[MonthlyReport]:
    """Stored monthly reports, newest first (network-wide: statistics administrators)."""
    return MonthlyReport.objects.all()


def get_monthly_report_for_user(*, user: User, report_id: int) -> MonthlyReport:
    report = (
        MonthlyReport.objects.filter(pk=report_id).first()
        if user.has_role(Role.STATISTICS_ADMINISTRATOR)
        else None
    )
    if report is None:
        raise NotFoundError
    return report


def notifications_for_user(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user)


def inbox_for_user(user: User) -> QuerySet[Notification]:
    """The inbox: by due time, the latest first — a message's reminder's due time, or when it
    arrived for one without (`due_at` on each)."""
    return (
        notifications_for_user(user)
        .annotate(due_at=Coalesce("reminder__due_at", "created_at"))
        .order_by("-due_at", "-id")
    )


def unread_notifications(*, user: User) -> QuerySet[Notification]:
    """The user's inbox messages not yet read, newest first (the badge's count)."""
    return notifications_for_user(user).filter(read_at__isnull=True)


def get_notification_for_user(*, user: User, notification_id: int) -> Notification:
    return first_or_not_found(notifications_for_user(user).filter(pk=notification_id))


def get_failed_reminder_for_user(*, user: User, reminder_id: int) -> Reminder:
    """A failed reminder of the user's sites, waiting for a person's decision."""
    return first_or_not_found(
        reminders_visible_to(user=user).filter(pk=reminder_id, status=Reminder.Status.FAILED)
    )


def sign_in_sessions_of(*, user: User) -> QuerySet[SignInSession]:
    """`user`'s live sessions, the latest used first: a row whose session ended by itself
    (idle, signed out) waits for the user's next sign-in to be removed, and is not listed."""
    return SignInSession.objects.filter(user=user, session_key__in=live_session_keys())


def get_sign_in_session_for_user(*, user: User, session_id: int) -> SignInSession:
    """One of `user`'s own sessions; another's answers 404, like a missing one."""
    return first_or_not_found(SignInSession.objects.filter(user=user, pk=session_id))
