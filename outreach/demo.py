"""Demo outreach for `seed_demo`: a year shaped like the reference centre — 25 school lectures
with 10,000+ student-times, 30 parent classes with 1,000+ parent-times, 40 group therapy and 20
group counselling sessions, trainings with their trainees, "six-into" community events at each
kind of venue, services for partners with agreements — spread over the sites and the last 12
months, and a few planned for the weeks ahead. Idempotent (nothing is added once an event is
there); bulk inserts."""

from __future__ import annotations

import datetime
import random

from django.utils import timezone, translation

from centre.models import Site, User
from centre.roles import Role
from outreach.models import Agreement, Event, Partner, Topic, VenueType
from outreach.topics import ensure_topics

YEAR_PLAN = [  # kind, how many in the year, audience per event
    (Event.Kind.SCHOOL_LECTURE, 25, ("students", 400, 460)),
    (Event.Kind.PARENT_CLASS, 28, ("parents", 36, 45)),  # and 2 this month, below
    (Event.Kind.GROUP_THERAPY, 40, ("students", 6, 10)),
    (Event.Kind.GROUP_COUNSELLING, 18, ("students", 8, 12)),  # and 2 this month
    (Event.Kind.TRAINING, 12, ("trainees_count", 20, 60)),
    (Event.Kind.COMMUNITY_EVENT, 18, ("others", 30, 120)),
    (Event.Kind.PARTNER_SERVICE, 10, ("staff", 15, 50)),
]
# When each kind is held, local time: lectures and groups in school hours, parent classes in
# the evening or at the weekend's afternoon hour.
HOURS: dict[str, list[tuple[int, int]]] = {
    Event.Kind.SCHOOL_LECTURE: [(9, 0), (10, 30), (14, 30)],
    Event.Kind.PARENT_CLASS: [(19, 0), (15, 0)],
    Event.Kind.GROUP_THERAPY: [(15, 30), (16, 0)],
    Event.Kind.GROUP_COUNSELLING: [(14, 0), (16, 0)],
    Event.Kind.TRAINING: [(9, 0), (14, 0)],
    Event.Kind.COMMUNITY_EVENT: [(9, 30), (15, 0)],
    Event.Kind.PARTNER_SERVICE: [(10, 0), (14, 30)],
}
PARTNERS = [
    ("区教育局", Partner.Kind.AGENCY),
    ("某科技有限公司", Partner.Kind.ENTERPRISE),
    ("东湖社区居委会", Partner.Kind.COMMUNITY),
    ("青山村村委会", Partner.Kind.VILLAGE),
    ("市图书馆", Partner.Kind.PUBLIC_PLACE),
]


def _held_at(day: datetime.date, kind: str, rng: random.Random) -> datetime.datetime:
    hour, minute = rng.choice(HOURS[kind])
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def _title(kind: str, topic: Topic) -> str:
    with translation.override("zh-hans"):  # the demo centre's staff write their titles in Chinese
        return f"{topic.name_zh}{Event.Kind(kind).label}"


def seed(*, password, log) -> None:
    if Event.objects.exists():
        log("outreach events already there")
        return
    ensure_topics()
    sites = list(Site.objects.exclude(kind=Site.Kind.CITY_CENTRE).order_by("path"))
    topics = list(Topic.objects.filter(active=True))
    author = (
        User.objects.filter(groups__name=Role.OUTREACH_COORDINATOR.value).first()
        or User.objects.filter(is_superuser=True).first()
        or User.objects.first()
    )
    if not sites or not topics or author is None:
        return
    rng = random.Random("outreach-demo")  # noqa: S311 (made-up demo data)
    today = timezone.localdate()
    partners = [
        Partner.objects.create(site=sites[n % len(sites)], name=name, kind=kind,
                               contact_person="联络人")
        for n, (name, kind) in enumerate(PARTNERS)
    ]  # fmt: skip
    Agreement.objects.bulk_create(
        Agreement(
            partner=partner,
            starts_on=today - datetime.timedelta(days=300 - 40 * n),
            ends_on=today + datetime.timedelta(days=30 + 60 * n),  # the first ends within 60 days
            services="心理健康讲座、团体辅导",
        )
        for n, partner in enumerate(partners)
    )
    events = []
    now = timezone.now()
    venues = list(VenueType.values)
    for kind, count, (audience, low, high) in YEAR_PLAN:
        for n in range(count):
            day = today - datetime.timedelta(days=rng.randint(1, 364))
            topic = rng.choice(topics)
            event = Event(
                site=sites[n % len(sites)],
                kind=kind,
                title=_title(kind, topic),
                topic=topic,
                starts_at=_held_at(day, kind, rng),
                duration_minutes=90,
                status=Event.Status.HELD,
                created_by=author,
            )
            setattr(event, audience, rng.randint(low, high))
            if kind in (Event.Kind.COMMUNITY_EVENT, Event.Kind.PARTNER_SERVICE):
                event.venue_type = venues[n % len(venues)]
            if kind == Event.Kind.PARTNER_SERVICE:
                event.partner = partners[n % len(partners)]
            events.append(event)
    for n, kind in enumerate([Event.Kind.PARENT_CLASS, Event.Kind.GROUP_THERAPY] * 3):
        topic = rng.choice(topics)
        events.append(
            Event(
                site=sites[n % len(sites)],
                kind=kind,
                title=_title(kind, topic),
                topic=topic,
                starts_at=_held_at(today + datetime.timedelta(days=2 + 3 * n), kind, rng),
                created_by=author,
            )
        )
    # One site has met this month's targets so far (2 parent classes, 2 group sessions), held
    # between the month's first moment and now: the target board shows met, on track and behind.
    month_start = timezone.localtime(now).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    kinds = [Event.Kind.PARENT_CLASS, Event.Kind.GROUP_COUNSELLING] * 2
    for n, kind in enumerate(kinds, start=1):
        topic = rng.choice(topics)
        moment = month_start + (now - month_start) * n / (len(kinds) + 1)
        day = timezone.localtime(moment).date()
        in_hours = _held_at(day, kind, rng)
        if in_hours > now:  # that hour is still to come today: the day before
            in_hours = _held_at(day - datetime.timedelta(days=1), kind, rng)
        events.append(
            Event(
                site=sites[0],
                kind=kind,
                title=_title(kind, topic),
                topic=topic,
                # at its kind's hour, unless the month has no such hour yet (its first morning)
                starts_at=in_hours if month_start <= in_hours <= now else moment,
                duration_minutes=60,
                status=Event.Status.HELD,
                created_by=author,
                **{"parents" if kind == Event.Kind.PARENT_CLASS else "students": 20},
            )
        )
    Event.objects.bulk_create(events)
    log(f"{len(events)} outreach events, {len(partners)} partners")
