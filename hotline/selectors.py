"""Who sees which hotline record, decided here and nowhere else."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Case as SqlCase  # counselling's Case is a case file
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.utils import timezone

from centre.errors import first_or_not_found
from centre.models import Site, User
from centre.roles import Role
from counselling.models import Case
from hotline.models import (
    Call,
    Callback,
    CallerFlag,
    CrisisAlert,
    HandoverRead,
    MandatoryReport,
    RotaShift,
    ShiftHandover,
)

# Calls


ACTIVE_ALERT_STATUSES = (CrisisAlert.Status.OPEN, CrisisAlert.Status.ACKNOWLEDGED)


def call_visible_to(*, user: User) -> QuerySet[Call]:
    """An operator sees their own calls; a supervisor the calls of their site and the sites
    below; the crisis team the calls behind an active alert of their site tree; whoever an
    active alert is assigned to, its call; anyone else nothing."""
    if not user.is_authenticated or not user.is_active:
        return Call.objects.none()
    seen = Q(pk__in=[])
    if user.has_role(Role.HOTLINE_OPERATOR):
        seen |= Q(operator=user)
    if user.site is not None:
        tree = Q(site__path__startswith=user.site.path)
        if user.has_role(Role.SUPERVISOR):
            seen |= tree
        if user.has_role(Role.CRISIS_TEAM):
            alerted = CrisisAlert.objects.filter(
                status__in=ACTIVE_ALERT_STATUSES, call__isnull=False
            ).values_list("call_id", flat=True)
            seen |= tree & Q(pk__in=list(alerted))
    # Whoever an active alert is assigned to (the on-call person may be outside the tree).
    # The active alerts are few: their calls are read first, as a list of ids, because an OR
    # with a subquery keeps Postgres off the (operator, -started_at) index — a scan of every
    # call (bench/hotline.py: 230 ms at 1,000,000 calls, 3 ms with the list).
    assigned = CrisisAlert.objects.filter(
        assignee=user, status__in=ACTIVE_ALERT_STATUSES, call__isnull=False
    ).values_list("call_id", flat=True)
    seen |= Q(pk__in=list(assigned))
    return Call.objects.filter(seen)


def call_list_for(*, user: User) -> QuerySet[Call]:
    """The calls a list shows the user: what `call_visible_to` admits, its encrypted columns
    left unread (a list shows no summary and no caller details, so nothing is decrypted)."""
    return call_visible_to(user=user).defer(*Call.ENCRYPTED_FIELDS)


def get_call_for_user(*, user: User, call_id: int) -> Call:
    return first_or_not_found(
        call_visible_to(user=user).select_related("site", "operator").filter(pk=call_id)
    )


def may_change_call(*, user: User, call: Call) -> bool:
    """Its operator edits a call, and a supervisor of its site tree a saved one; the crisis team
    only reads it."""
    if call.operator_id == user.pk and user.has_role(Role.HOTLINE_OPERATOR):
        return True
    return (
        call.status == Call.Status.SAVED
        and user.has_role(Role.SUPERVISOR)
        and user.site is not None
        and call.site.path.startswith(user.site.path)
    )


def get_linkable_case(*, call: Call, case_id: int) -> Case:
    """A case the call's site supervisor sees (its site tree's), by number; any other answers
    404 like a missing one."""
    return first_or_not_found(
        Case.objects.filter(pk=case_id, site__path__startswith=call.site.path)
    )


def mandatory_report_of(*, call: Call) -> MandatoryReport | None:
    return MandatoryReport.objects.filter(call=call).select_related("reporter").first()


def get_own_draft_for_user(*, user: User, call_id: int) -> Call:
    """A call the user picked up and has not saved yet: only its operator edits a draft."""
    return first_or_not_found(
        Call.objects.filter(pk=call_id, operator=user, status=Call.Status.DRAFT)
    )


def caller_history(*, user: User, caller_hash: str) -> dict[str, Any]:
    """Earlier saved calls from this caller within the user's site tree (never another site's),
    their open callbacks and an active abusive flag."""
    if not caller_hash or user.site is None:
        return {"calls": [], "count": 0, "open_callbacks": 0, "flagged_until": None}
    tree = Q(site__path__startswith=user.site.path)
    calls = (
        Call.objects.filter(tree, caller_phone_hash=caller_hash, status=Call.Status.SAVED)
        .order_by("-started_at", "-id")
        .only("id", "started_at", "risk", "site_id")
    )
    recent = list(calls[:10])
    flag = (
        CallerFlag.objects.filter(
            tree,
            call__caller_phone_hash=caller_hash,
            kind=CallerFlag.Kind.ABUSIVE,
            until__gt=timezone.now(),
        )
        .order_by("-until")
        .first()
    )
    return {
        "calls": recent,
        "count": calls.count(),
        "open_callbacks": Callback.objects.filter(
            tree, call__caller_phone_hash=caller_hash, status=Callback.Status.OPEN
        ).count(),
        "flagged_until": flag.until if flag is not None else None,
    }


# Alerts, rota


def alerts_visible_to(*, user: User) -> QuerySet[CrisisAlert]:
    """The crisis team sees the active alerts of its site tree; supervisors every alert of
    theirs; an operator the alerts they raised; anyone else nothing."""
    if not user.is_authenticated or not user.is_active:
        return CrisisAlert.objects.none()
    seen = Q(pk__in=[])
    if user.has_role(Role.HOTLINE_OPERATOR):
        seen |= Q(raised_by=user)
    if user.site is not None:
        tree = Q(site__path__startswith=user.site.path)
        if user.has_role(Role.SUPERVISOR):
            seen |= tree
        if user.has_role(Role.CRISIS_TEAM):
            seen |= tree & Q(status__in=ACTIVE_ALERT_STATUSES)
    return CrisisAlert.objects.filter(seen)


def open_alerts_for(*, user: User) -> QuerySet[CrisisAlert]:
    """The crisis board: the user's visible alerts not closed, oldest first."""
    return (
        alerts_visible_to(user=user)
        .filter(status__in=ACTIVE_ALERT_STATUSES)
        .select_related("site", "assignee")
        .order_by("raised_at", "id")
    )


def get_alert_for_user(*, user: User, alert_id: int) -> CrisisAlert:
    return first_or_not_found(
        alerts_visible_to(user=user).select_related("site", "assignee").filter(pk=alert_id)
    )


def rota_sites_for(*, user: User) -> list[Site]:
    """The sites of the rota page: the user's site tree (at most 50), by path."""
    if user.site is None:
        return []
    return list(Site.objects.filter(path__startswith=user.site.path).order_by("path")[:50])


def rota_shifts(
    *, sites: list[Site], start: datetime.datetime, end: datetime.datetime
) -> list[RotaShift]:
    """The shifts of these sites that overlap [start, end), by site, then time."""
    return list(
        RotaShift.objects.filter(site__in=sites, ends_at__gt=start, starts_at__lt=end)
        .select_related("person", "site")
        .order_by("site__path", "starts_at", "id")
    )


def rota_shift(*, shift_id: int) -> RotaShift | None:
    """A shift by id, for the rota page's remove (whose editor services.may_edit_rota decides)."""
    return RotaShift.objects.filter(pk=shift_id).first()


def rota_site(*, site_id: int) -> Site | None:
    """A site by id, for the rota page's add (whose editor services.may_edit_rota decides)."""
    return Site.objects.filter(pk=site_id).first()


def rota_person(*, user_id: int) -> User | None:
    """A member of staff by id, for a new shift (services.shift_add checks the site)."""
    return User.objects.filter(pk=user_id).first()


# Callbacks, handover


def callbacks_visible_to(*, user: User) -> QuerySet[Callback]:
    """An operator sees their own callbacks and the open ones of their site (the line's); a
    supervisor those of their site tree; anyone else nothing."""
    if not user.is_authenticated or not user.is_active:
        return Callback.objects.none()
    seen = Q(pk__in=[])
    if user.has_role(Role.HOTLINE_OPERATOR):
        seen |= Q(owner=user)
        if user.site_id is not None:
            seen |= Q(site_id=user.site_id, status=Callback.Status.OPEN)
    if user.site is not None and user.has_role(Role.SUPERVISOR):
        seen |= Q(site__path__startswith=user.site.path)
    return Callback.objects.filter(seen)


# The order of the callbacks due: the user's own first (queue 0), then the site's; the earliest
# due first within each, so the overdue lead. Paged on these keys (centre.paging).
CALLBACK_ORDER = ("queue", "due_at", "id")


def due_callbacks_for(*, user: User) -> QuerySet[Callback]:
    """The open callbacks the user sees, in `CALLBACK_ORDER` (every one of them: page it)."""
    return (
        callbacks_visible_to(user=user)
        .filter(status=Callback.Status.OPEN)
        .select_related("site", "owner")
        .annotate(
            queue=SqlCase(
                When(owner_id=user.pk, then=Value(0)), default=Value(1), output_field=IntegerField()
            )
        )
        .order_by(*CALLBACK_ORDER)
    )


def get_callback_for_user(*, user: User, callback_id: int) -> Callback:
    return first_or_not_found(
        callbacks_visible_to(user=user).select_related("site", "owner").filter(pk=callback_id)
    )


def handover_visible_to(*, user: User) -> QuerySet[ShiftHandover]:
    """An operator reads the handover notes of their own site; a supervisor those of their site
    tree; anyone else none."""
    if not user.is_authenticated or not user.is_active or user.site is None:
        return ShiftHandover.objects.none()
    seen = Q(pk__in=[])
    if user.has_role(Role.HOTLINE_OPERATOR):
        seen |= Q(site_id=user.site_id)
    if user.has_role(Role.SUPERVISOR):
        seen |= Q(site__path__startswith=user.site.path)
    return ShiftHandover.objects.filter(seen)


def get_handover_for_user(*, user: User, handover_id: int) -> ShiftHandover:
    return first_or_not_found(handover_visible_to(user=user).filter(pk=handover_id))


HANDOVER_WINDOW = datetime.timedelta(days=7)


def recent_handovers_for(*, user: User, limit: int = 20) -> list[ShiftHandover]:
    """The notes of the last 7 days the user sees, the latest first, each with `unread` set
    (one query with the reader's marks)."""
    since = timezone.now() - HANDOVER_WINDOW
    read = HandoverRead.objects.filter(handover=OuterRef("pk"), reader=user)
    return list(
        handover_visible_to(user=user)
        .filter(written_at__gte=since)
        .annotate(unread=~Exists(read))
        .select_related("author", "site")
        .order_by("-written_at", "-id")[:limit]
    )


def unread_handover_count(*, user: User) -> int:
    """The notes of the last 7 days at the user's own site they have not marked read (what the
    calls page announces first)."""
    if user.site_id is None:
        return 0
    since = timezone.now() - HANDOVER_WINDOW
    return (
        handover_visible_to(user=user)
        .filter(site_id=user.site_id, written_at__gte=since)
        .exclude(reads__reader=user)
        .count()
    )


def wallboard_figures(*, user: User) -> dict[str, Any]:
    """The duty room's wallboard for the user's site tree: counts only, never a record — calls
    today and this hour (saved), who answered how many today, open alerts (overdue among them),
    open callbacks (overdue among them), high-risk calls since Monday. Four queries whatever the
    volume."""
    if user.site is None:
        return {
            "calls_today": 0,
            "calls_this_hour": 0,
            "high_risk_this_week": 0,
            "open_alerts": 0,
            "overdue_alerts": 0,
            "open_callbacks": 0,
            "overdue_callbacks": 0,
            "operators": [],
        }
    now = timezone.now()
    local = timezone.localtime(now)
    today = local.replace(hour=0, minute=0, second=0, microsecond=0)
    hour = local.replace(minute=0, second=0, microsecond=0)
    monday = today - datetime.timedelta(days=today.weekday())
    tree = Q(site__path__startswith=user.site.path)
    calls = Call.objects.filter(tree, status=Call.Status.SAVED, started_at__gte=min(monday, today))
    counted = calls.aggregate(
        calls_today=Count("pk", filter=Q(started_at__gte=today)),
        calls_this_hour=Count("pk", filter=Q(started_at__gte=hour)),
        high_risk_this_week=Count("pk", filter=Q(started_at__gte=monday, risk=Call.Risk.HIGH)),
    )
    answered = (
        calls.filter(started_at__gte=today)
        .values("operator_id", "operator__first_name", "operator__last_name", "operator__username")
        .annotate(calls=Count("pk"))
        .order_by("-calls", "operator__username")
    )
    alerts = CrisisAlert.objects.filter(tree, status__in=ACTIVE_ALERT_STATUSES).aggregate(
        open_alerts=Count("pk"),
        overdue_alerts=Count(
            "pk", filter=Q(status=CrisisAlert.Status.OPEN, acknowledge_by__lt=now)
        ),
    )
    callbacks = Callback.objects.filter(tree, status=Callback.Status.OPEN).aggregate(
        open_callbacks=Count("pk"), overdue_callbacks=Count("pk", filter=Q(due_at__lt=now))
    )
    return {
        **counted,
        **alerts,
        **callbacks,
        "operators": [
            {
                "name": User(
                    first_name=row["operator__first_name"], last_name=row["operator__last_name"]
                ).get_full_name()
                or row["operator__username"],
                "calls": row["calls"],
            }
            for row in answered
        ],
    }
