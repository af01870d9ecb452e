"""Monthly targets: a site's target set by its supervisors or outreach coordinators, and the
in-app reminder to a site's outreach coordinators in the last week of a month it is behind."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from centre.audit import audit_log
from centre.models import Reminder, Site, User
from centre.reminders import Message, reminder_plan
from centre.roles import Role, has_any_role
from outreach import targets
from outreach.models import SiteTarget

TARGET_EDITORS = frozenset({Role.SUPERVISOR, Role.OUTREACH_COORDINATOR})
TARGET_MAX = 100  # a month's target of one kind at one site


def can_edit_target(user: User, site: Site) -> bool:
    """Supervisors and outreach coordinators set the targets of their site and the sites below."""
    return (
        has_any_role(user, TARGET_EDITORS)
        and user.site is not None
        and site.path.startswith(user.site.path)
    )


@transaction.atomic
def site_target_set(
    *, actor: User, site: Site, parent_classes: int, group_sessions: int
) -> SiteTarget:
    if not can_edit_target(actor, site):
        raise PermissionDenied
    errors = {
        name: _("Enter a whole number from 0 to %(max)s.") % {"max": TARGET_MAX}
        for name, value in (("parent_classes", parent_classes), ("group_sessions", group_sessions))
        if not 0 <= value <= TARGET_MAX
    }
    if errors:
        raise ValidationError(errors)
    target, _created = SiteTarget.objects.select_for_update().get_or_create(site=site)
    before = {"parent_classes": target.parent_classes, "group_sessions": target.group_sessions}
    target.parent_classes, target.group_sessions = parent_classes, group_sessions
    target.save(update_fields=["parent_classes", "group_sessions"])
    audit_log(
        actor=actor,
        action="outreach.site_target.changed",
        target=target,
        data={
            "site": site.pk,
            "before": before,
            "after": {"parent_classes": parent_classes, "group_sessions": group_sessions},
        },
    )
    return target


def remind_behind_targets() -> int:
    """Daily (beat): in the last 7 days of a month, each outreach coordinator of a site that is
    behind its target is told in their inbox — once per site, month and coordinator (the
    outbox key), however often the task runs. Returns the messages planned."""
    today = timezone.localdate()
    if not targets.reminder_due(today):
        return 0
    month = today.replace(day=1)
    coordinators = list(
        User.objects.filter(
            groups__name=Role.OUTREACH_COORDINATOR.value, is_active=True, site__isnull=False
        )
        .distinct()
        .order_by("pk")
    )
    site_ids = [user.site_id for user in coordinators if user.site_id is not None]
    behind = set(
        targets.with_progress(Site.objects.filter(pk__in=site_ids), month)
        .filter(targets.behind_condition())
        .values_list("pk", flat=True)
    )
    planned = 0
    for user in coordinators:
        if user.site_id not in behind:
            continue
        with transaction.atomic():
            reminder_plan(
                key=f"outreach_target:{user.site_id}:{month:%Y-%m}:{user.pk}",
                channel=Reminder.Channel.INBOX,
                due_at=timezone.now(),
                template="outreach_target_behind",
                params={"month": f"{month:%Y-%m}", "site": user.site_id},
                recipient=user,
                site=user.site,
            )
        planned += 1
    return planned


def target_behind_message(params: dict[str, Any]) -> Message:
    return Message(
        title=_("Outreach targets of %(month)s behind") % {"month": params["month"]},
        body=_(
            "Your site has not planned enough parent classes or group sessions to reach this "
            "month's target. Plan or hold them before the month ends."
        ),
        link=reverse("outreach:targets"),
    )
