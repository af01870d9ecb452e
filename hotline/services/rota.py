"""The on-call rota: who answers crisis alerts when (a primary and a backup per shift).

Shifts are added, moved and removed by the supervisors of the site (or of a site above it);
each change is audited by id. `on_call_now` answers who is on call at a site — the site's own
shifts, else its parent's — and `rota_gaps` the stretches of the coming days with no primary."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from centre.audit import audit_log
from centre.models import Site, User
from centre.roles import Role
from hotline.models import RotaShift

MAX_SHIFT = datetime.timedelta(days=2)
GAP_DAYS = 7


ON_CALL_ROLES = (Role.CRISIS_TEAM, Role.SUPERVISOR)


def may_edit_rota(user: User, site: Site) -> bool:
    """A supervisor of `site` or of a site above it."""
    return bool(
        user.is_active
        and user.has_role(Role.SUPERVISOR)
        and user.site is not None
        and site.path.startswith(user.site.path)
    )


def _check(
    *,
    actor: User,
    site: Site,
    role: str,
    starts_at: datetime.datetime | None,
    ends_at: datetime.datetime | None,
) -> tuple[datetime.datetime, datetime.datetime]:
    if not may_edit_rota(actor, site):
        raise PermissionDenied
    if role not in RotaShift.Role.values:
        raise ValidationError({"role": _("Choose primary or backup.")})
    if starts_at is None or ends_at is None or ends_at <= starts_at:
        raise ValidationError({"ends_at": _("A shift ends after it starts.")})
    if ends_at - starts_at > MAX_SHIFT:
        raise ValidationError({"ends_at": _("A shift lasts at most two days.")})
    return starts_at, ends_at


def _check_person(person: User, site: Site) -> None:
    """Someone of the site's tree: at the site, above it or below it."""
    home = person.site
    related = home is not None and (
        site.path.startswith(home.path) or home.path.startswith(site.path)
    )
    if not (person.is_active and related):
        raise ValidationError({"person": _("Choose a member of staff of this site.")})
    # Whoever is on call is sent the alerts and, assigned one, sees the call behind it: only
    # the crisis team and supervisors (those the rota page offers), never e.g. a school liaison.
    if not any(person.has_role(role) for role in ON_CALL_ROLES):
        raise ValidationError(
            {"person": _("Only members of the crisis team and supervisors go on call.")}
        )


@transaction.atomic
def shift_add(
    *,
    actor: User,
    site: Site,
    person: User,
    role: str,
    starts_at: datetime.datetime | None,
    ends_at: datetime.datetime | None,
) -> RotaShift:
    starts_at, ends_at = _check(
        actor=actor, site=site, role=role, starts_at=starts_at, ends_at=ends_at
    )
    _check_person(person, site)
    shift = RotaShift.objects.create(
        site=site, person=person, role=role, starts_at=starts_at, ends_at=ends_at, created_by=actor
    )
    audit_log(
        actor=actor,
        action="hotline.rotashift.added",
        target=shift,
        data={"site": site.pk, "person": person.pk, "role": role},
    )
    return shift


@transaction.atomic
def shift_edit(
    *,
    actor: User,
    shift: RotaShift,
    person: User,
    role: str,
    starts_at: datetime.datetime | None,
    ends_at: datetime.datetime | None,
) -> RotaShift:
    starts_at, ends_at = _check(
        actor=actor, site=shift.site, role=role, starts_at=starts_at, ends_at=ends_at
    )
    _check_person(person, shift.site)
    shift.person, shift.role, shift.starts_at, shift.ends_at = person, role, starts_at, ends_at
    shift.save(update_fields=["person", "role", "starts_at", "ends_at"])
    audit_log(
        actor=actor,
        action="hotline.rotashift.changed",
        target=shift,
        data={"site": shift.site_id, "person": person.pk, "role": role},
    )
    return shift


@transaction.atomic
def shift_remove(*, actor: User, shift: RotaShift) -> None:
    if not may_edit_rota(actor, shift.site):
        raise PermissionDenied
    audit_log(
        actor=actor,
        action="hotline.rotashift.removed",
        target=shift,
        data={"site": shift.site_id, "person": shift.person_id, "role": shift.role},
    )
    shift.delete()


@dataclass(frozen=True)
class OnCall:
    primary: User | None
    backup: User | None
    site: Site | None  # whose rota answered (the site's or its parent's)


def _on_call_person() -> Q:
    """A shift counts while its person is active and still of the crisis team or a supervisor
    (someone who left the team since is not sent alerts, and their shift shows as a gap)."""
    memberships = User.groups.through.objects.filter(
        user_id=OuterRef("person_id"), group__name__in=[role.value for role in ON_CALL_ROLES]
    )
    return Q(person__is_active=True) & Q(Exists(memberships))


def _covering(site: Site, at: datetime.datetime) -> QuerySet[RotaShift]:
    return (
        RotaShift.objects.filter(_on_call_person(), site=site, starts_at__lte=at, ends_at__gt=at)
        .select_related("person")
        .order_by("starts_at", "id")
    )


def on_call_now(site: Site, at: datetime.datetime | None = None) -> OnCall:
    """The primary and backup on call at `site` at `at` (now): the site's shifts, else its
    parent's. Either may be None."""
    at = at or timezone.now()
    for where in (site, site.parent):
        if where is None:
            continue
        shifts = list(_covering(where, at))
        if shifts:
            primary = next((s.person for s in shifts if s.role == RotaShift.Role.PRIMARY), None)
            backup = next((s.person for s in shifts if s.role == RotaShift.Role.BACKUP), None)
            return OnCall(primary=primary, backup=backup, site=where)
    return OnCall(primary=None, backup=None, site=None)


def rota_gaps(
    site: Site, *, start: datetime.datetime | None = None, days: int = GAP_DAYS
) -> list[tuple[datetime.datetime, datetime.datetime]]:
    """The stretches of [start, start + days) when neither the site nor its parent has a
    primary on call, merged and in order."""
    start = start or timezone.now()
    end = start + datetime.timedelta(days=days)
    sites = [s for s in (site, site.parent) if s is not None]
    covered = RotaShift.objects.filter(
        _on_call_person(),
        Q(site__in=sites),
        role=RotaShift.Role.PRIMARY,
        starts_at__lt=end,
        ends_at__gt=start,
    ).order_by("starts_at")
    gaps: list[tuple[datetime.datetime, datetime.datetime]] = []
    cursor = start
    for shift in covered:
        if shift.starts_at > cursor:
            gaps.append((cursor, shift.starts_at))
        cursor = max(cursor, shift.ends_at)
    if cursor < end:
        gaps.append((cursor, end))
    return gaps
