"""Who sees which outreach record, decided here and nowhere else.

Outreach coordinators, facilitators and supervisors see the events of their site and the sites
below it; every other role sees none (the statistics administrator reads aggregates only, from
`outreach.statistics`). A group's participant list is shown only to a user who may see every
listed case (counselling's selectors decide).
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from centre.errors import first_or_not_found
from centre.models import Site, User
from centre.roles import Role, has_any_role
from outreach.models import Event

# --- out1 --- events, series, participants

# --- end out1 ---

# --- out2 ---
# Calendar, targets.

OUTREACH_READERS = frozenset({Role.OUTREACH_COORDINATOR, Role.SUPERVISOR})


def outreach_sites_visible_to(*, user: User) -> QuerySet[Site]:
    """The sites whose outreach (events, targets, partners) the user follows: an outreach
    coordinator's or supervisor's own site and the sites below it."""
    if (
        not user.is_authenticated
        or not user.is_active
        or user.site is None
        or not has_any_role(user, OUTREACH_READERS)
    ):
        return Site.objects.none()
    return Site.objects.filter(path__startswith=user.site.path)


def get_outreach_site_for_user(*, user: User, site_id: int) -> Site:
    return first_or_not_found(outreach_sites_visible_to(user=user).filter(pk=site_id))


def _site_tree(user: User) -> Q | None:
    if (
        not user.is_authenticated
        or not user.is_active
        or user.site is None
        or not has_any_role(user, OUTREACH_READERS)
    ):
        return None
    return Q(site__path__startswith=user.site.path)


def calendar_events_visible_to(*, user: User) -> QuerySet[Event]:
    """The events of the calendar: those of the user's site tree (outreach coordinators,
    supervisors) and those they facilitate."""
    if not user.is_authenticated or not user.is_active:
        return Event.objects.none()
    condition = Q(pk__in=Event.facilitators.through.objects.filter(user=user).values("event"))
    tree = _site_tree(user)
    if tree is not None:
        condition |= tree
    return Event.objects.filter(condition)


def feed_events_for(*, user: User) -> QuerySet[Event]:
    """The events of a user's calendar feed: those they facilitate and those of their own site
    (an outreach coordinator's or supervisor's), never the whole tree below a county."""
    if not user.is_active:
        return Event.objects.none()
    condition = Q(pk__in=Event.facilitators.through.objects.filter(user=user).values("event"))
    if user.site_id is not None and has_any_role(user, OUTREACH_READERS):
        condition |= Q(site_id=user.site_id)
    return Event.objects.filter(condition)


# --- end out2 ---
