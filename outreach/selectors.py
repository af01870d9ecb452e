"""Who sees which outreach record, decided here and nowhere else.

Outreach coordinators, facilitators and supervisors see the events of their site and the sites
below it; every other role sees none (the statistics administrator reads aggregates only, from
`outreach.statistics`). A group's participant list is shown only to a user who may see every
listed case (counselling's selectors decide).
"""

from __future__ import annotations

# Events, series, participants
import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from centre.errors import first_or_not_found
from centre.models import Site, User
from centre.roles import Role, has_any_role
from counselling.models import Case
from counselling.selectors import case_visible_to
from outreach.models import Event, Participant, Series, Topic

# Who sees the events of their site tree (and plans them).
EVENT_PLANNER_ROLES = frozenset({Role.OUTREACH_COORDINATOR, Role.SUPERVISOR})
# Who opens the outreach pages: planners, and counsellors for the events they facilitate.
EVENT_ROLES = EVENT_PLANNER_ROLES | {Role.COUNSELLOR}


def event_visible_to(*, user: User) -> QuerySet[Event]:
    """Coordinators and supervisors: the events of their site and every site below it. A
    counsellor: the events they facilitate of that tree or of a site above theirs (a county's
    event run by a station's counsellor, chosen among the county's staff). Anyone else (the
    statistics administrator included: aggregates only): none."""
    if not user.is_active or user.site_id is None or user.site is None:
        return Event.objects.none()
    tree = Q(site__path__startswith=user.site.path)
    if has_any_role(user, EVENT_PLANNER_ROLES):
        return Event.objects.filter(tree)
    if user.has_role(Role.COUNSELLOR):
        return Event.objects.filter(
            tree | Q(site__path__in=_ancestor_paths(user.site.path)),
            pk__in=Event.facilitators.through.objects.filter(user_id=user.pk).values("event_id"),
        )
    return Event.objects.none()


def _ancestor_paths(path: str) -> list[str]:
    """The paths of the sites above the one at `path` ("C01/K01/S001/": "C01/", "C01/K01/")."""
    codes = path.strip("/").split("/")
    return ["".join(f"{code}/" for code in codes[:length]) for length in range(1, len(codes))]


def user_may_plan_events(*, user: User) -> bool:
    return user.is_active and user.site_id is not None and has_any_role(user, EVENT_PLANNER_ROLES)


def event_list(
    *, user: User, kind: str = "", status: str = "", month: datetime.date | None = None
) -> QuerySet[Event]:
    events = event_visible_to(user=user).select_related("site", "topic", "school")
    if kind:
        events = events.filter(kind=kind)
    if status:
        events = events.filter(status=status)
    if month is not None:
        start, end = month_bounds(month)
        events = events.filter(starts_at__gte=start, starts_at__lt=end)
    return events


def month_bounds(month: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """The first moment of `month` and of the next, in the centre's time zone."""
    zone = timezone.get_current_timezone()
    first = month.replace(day=1)
    following = (first + datetime.timedelta(days=32)).replace(day=1)
    return (
        datetime.datetime.combine(first, datetime.time(), tzinfo=zone),
        datetime.datetime.combine(following, datetime.time(), tzinfo=zone),
    )


def events_of_month(*, user: User, month: datetime.date) -> QuerySet[Event]:
    """The events of `month` the user sees, the earliest first (the workspace)."""
    return event_list(user=user, month=month).order_by("starts_at", "id")


def get_event_for_user(*, user: User, event_id: int) -> Event:
    return first_or_not_found(
        event_visible_to(user=user)
        .select_related("site", "topic", "school", "partner", "series", "created_by")
        .prefetch_related("facilitators")
        .filter(pk=event_id)
    )


def series_visible_to(*, user: User) -> QuerySet[Series]:
    """A series is seen by whoever sees its site's events as a planner."""
    if not user_may_plan_events(user=user) or user.site is None:
        return Series.objects.none()
    return Series.objects.filter(site__path__startswith=user.site.path)


def get_series_for_user(*, user: User, series_id: int) -> Series:
    return first_or_not_found(
        series_visible_to(user=user).select_related("site", "topic").filter(pk=series_id)
    )


def active_topics() -> QuerySet[Topic]:
    return Topic.objects.filter(active=True)


def participants_of(*, event: Event) -> QuerySet[Participant]:
    return event.participants.select_related("case", "case__client", "consent")


def participant_list_for_user(*, user: User, event: Event) -> list[Participant] | None:
    """The participants of a group event, or None when the user may not see every listed case
    (they are shown the count only): a list never tells of a case one may not open."""
    participants = list(participants_of(event=event))
    if not participants:
        return participants
    case_ids = {participant.case_id for participant in participants}
    visible = set(case_visible_to(user=user).filter(pk__in=case_ids).values_list("pk", flat=True))
    return participants if visible == case_ids else None


def get_case_for_participation(*, user: User, case_id: int) -> Case:
    """The case to add to a group, or NotFoundError (404) when the user may not see it."""
    return first_or_not_found(
        case_visible_to(user=user).select_related("client", "site").filter(pk=case_id)
    )


def get_participant_for_user(*, user: User, event: Event, participant_id: int) -> Participant:
    """A participant of a group event whose case the user may see (404 otherwise)."""
    return first_or_not_found(
        event.participants.filter(pk=participant_id, case__in=case_visible_to(user=user))
    )


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


# Partners and their agreements, trainees

from outreach.models import Agreement, Partner, Trainee  # noqa: E402

# Agreements ending within this many days are listed on the partners page as expiring.
AGREEMENT_EXPIRING_DAYS = 60


def partner_visible_to(*, user: User) -> QuerySet[Partner]:
    """Outreach coordinators and supervisors: the partners of their site and every site below
    it (as their events). Anyone else: none."""
    if not user_may_plan_events(user=user) or user.site is None:
        return Partner.objects.none()
    return Partner.objects.filter(site__path__startswith=user.site.path)


def get_partner_for_user(*, user: User, partner_id: int) -> Partner:
    """A partner of the user's site tree, or NotFoundError (404) like a missing one."""
    return first_or_not_found(  # access: partner_visible_to decides who sees which partner
        partner_visible_to(user=user).select_related("site", "school").filter(pk=partner_id)
    )


def expiring_window(today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    """Today and the last day an agreement may end on to be expiring (within 60 days)."""
    today = today or timezone.localdate()
    return today, today + datetime.timedelta(days=AGREEMENT_EXPIRING_DAYS)


def partner_list(*, user: User, kind: str = "", expiring: bool = False) -> QuerySet[Partner]:
    """The partners the user sees, optionally of one kind or with an agreement expiring."""
    partners = partner_visible_to(user=user).select_related("site")
    if kind:
        partners = partners.filter(kind=kind)
    if expiring:
        today, last = expiring_window()
        partners = partners.filter(
            pk__in=Agreement.objects.filter(ends_on__gte=today, ends_on__lte=last).values(
                "partner_id"
            )
        )
    return partners


def expiring_agreements(*, user: User) -> QuerySet[Agreement]:
    """The agreements of the user's partners that end within 60 days, the soonest first."""
    today, last = expiring_window()
    return (
        Agreement.objects.filter(  # access: scoped to partner_visible_to just below
            partner__in=partner_visible_to(user=user), ends_on__gte=today, ends_on__lte=last
        )
        .select_related("partner")
        .order_by("ends_on", "id")
    )


def agreements_of(*, partner: Partner) -> QuerySet[Agreement]:
    return partner.agreements.order_by("-ends_on", "-id")


def get_agreement_for_user(*, user: User, agreement_id: int) -> Agreement:
    return first_or_not_found(
        Agreement.objects.select_related("partner", "partner__site").filter(  # access: scoped
            pk=agreement_id, partner__in=partner_visible_to(user=user)
        )
    )


def partner_events(*, user: User, partner: Partner) -> QuerySet[Event]:
    """The events serving `partner` that the user sees, the latest first."""
    return (
        event_visible_to(user=user)
        .filter(partner=partner)
        .select_related("site", "topic")
        .order_by("-starts_at", "-id")
    )


def partners_for_events(*, user: User) -> QuerySet[Partner]:
    """The active partners an event planned by the user may serve (a picker)."""
    return partner_visible_to(user=user).filter(active=True)


def trainees_of(*, event: Event) -> QuerySet[Trainee]:
    return event.trainees.order_by("id")


def get_trainee_for_user(*, user: User, event: Event, trainee_id: int) -> Trainee:
    """A trainee of an event the user has read through `get_event_for_user` (404 otherwise)."""
    return first_or_not_found(trainees_of(event=event).filter(pk=trainee_id))


def get_training_for_user(*, user: User, event_id: int) -> Event:
    """A training the user sees; any other event (or one not seen) answers 404."""
    return first_or_not_found(
        event_visible_to(user=user)
        .select_related("site", "topic")
        .filter(pk=event_id, kind=Event.Kind.TRAINING)
    )
