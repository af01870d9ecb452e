"""Events and series: plan, edit (versioned), cancel, mark held with a report, record
attendance; a series makes its events once, each then edited or cancelled on its own.

Callers have read the event through `outreach.selectors.get_event_for_user`; planning (create,
edit, cancel, a series) is for coordinators and supervisors (`user_may_plan_events`), recording
attendance and a report for whoever sees the event (its facilitators included)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from centre.audit import audit_log
from centre.models import School, Site, User
from centre.versioning import save_versioned
from outreach.models import GROUP_KINDS, VENUE_KINDS, Event, Partner, Series, Topic
from outreach.selectors import EVENT_ROLES, user_may_plan_events

EVENT_FIELDS = (
    "kind",
    "venue_type",
    "school",
    "partner",
    "title",
    "topic",
    "starts_at",
    "duration_minutes",
    "capacity",
)
REPORT_MAX = 5000
# An event is marked held once it has begun (a clock a few minutes fast aside).
HELD_LEEWAY = datetime.timedelta(minutes=5)


def _require_planner(actor: User) -> None:
    if not user_may_plan_events(user=actor):
        raise PermissionDenied


def _require_site_of(actor: User, site: Site) -> None:
    """An event is planned at the actor's site or one below it."""
    if actor.site is None or not site.path.startswith(actor.site.path):
        raise ValidationError({"site": _("Choose your site or a site below it.")}, code="site")


def _check_fields(site: Site, fields: dict[str, Any]) -> None:
    kind = fields.get("kind")
    if kind not in VENUE_KINDS and fields.get("venue_type"):
        raise ValidationError(
            {"venue_type": _("Only a community event or a partner service has a venue type.")},
            code="venue_type",
        )
    if kind in VENUE_KINDS and not fields.get("venue_type"):
        raise ValidationError(
            {"venue_type": _("Say where it took place (the venue type).")}, code="venue_type"
        )
    school: School | None = fields.get("school")
    if school is not None and not (
        school.site.path.startswith(site.path) or site.path.startswith(school.site.path)
    ):
        raise ValidationError({"school": _("Choose a school of your network.")}, code="school")
    # An event serves a partner of its site tree (or of a site above it), never another's.
    partner: Partner | None = fields.get("partner")
    if partner is not None and not (
        partner.site.path.startswith(site.path) or site.path.startswith(partner.site.path)
    ):
        raise ValidationError(
            {"partner": _("Choose a partner of your site or a site above or below it.")},
            code="partner",
        )
    topic: Topic | None = fields.get("topic")
    if topic is not None and not topic.active:
        raise ValidationError({"topic": _("This topic is no longer offered.")}, code="topic")


def _check_facilitators(actor: User, facilitators: Iterable[User]) -> list[User]:
    chosen = list(facilitators)
    for user in chosen:
        if (
            not user.is_active
            or user.site is None
            or actor.site is None
            or not user.site.path.startswith(actor.site.path)
            or not any(user.has_role(role) for role in EVENT_ROLES)
        ):
            raise ValidationError(
                {"facilitators": _("Choose facilitators among the staff of your site.")},
                code="facilitators",
            )
    return chosen


def _validated(event: Event) -> None:
    event.full_clean(
        exclude=["site", "created_by", "series", "partner", "school", "topic"],
        validate_unique=False,  # an edit's probe carries the event's own id
    )


@transaction.atomic
def event_create(
    *,
    actor: User,
    site: Site,
    facilitators: Iterable[User] = (),
    series: Series | None = None,
    **fields: Any,
) -> Event:
    """Plan one event (`EVENT_FIELDS`) at `site` (the actor's or one below it)."""
    _require_planner(actor)
    _require_site_of(actor, site)
    _check_fields(site, fields)
    chosen = _check_facilitators(actor, facilitators)
    event = Event(site=site, created_by=actor, series=series, **fields)
    _validated(event)
    event.save()
    event.facilitators.set(chosen)
    audit_log(
        actor=actor,
        action="outreach.event.created",
        target=event,
        data={"site": site.pk, "series": series.pk if series else None},
    )
    return event


@transaction.atomic
def event_update(
    *,
    actor: User,
    event: Event,
    expected_version: int,
    facilitators: Iterable[User] | None = None,
    **fields: Any,
) -> Event:
    """Edit one event (a series' occurrence alone: the others are never changed)."""
    _require_planner(actor)
    if event.status == Event.Status.CANCELLED:
        raise ValidationError(_("This event is cancelled."), code="cancelled")
    changes = {name: value for name, value in fields.items() if name in EVENT_FIELDS}
    merged = {name: getattr(event, name) for name in EVENT_FIELDS} | changes
    _check_fields(event.site, merged)
    if event.status == Event.Status.HELD and merged["starts_at"] > timezone.now() + HELD_LEEWAY:
        raise ValidationError(
            {"starts_at": _("This event is held: it cannot start in the future.")},
            code="future",
        )
    if event.participants.exists() and merged["kind"] not in GROUP_KINDS:
        raise ValidationError(
            {"kind": _("This group has participants: it stays a group session.")}, code="kind"
        )
    if event.trainees.exists() and merged["kind"] != Event.Kind.TRAINING:
        # The trainees' names are read and listed only at a training.
        raise ValidationError(
            {"kind": _("This training lists trainees: it stays a training.")}, code="kind"
        )
    probe = Event(**{f.attname: getattr(event, f.attname) for f in Event._meta.concrete_fields})
    for name, value in changes.items():
        setattr(probe, name, value)
    _validated(probe)
    chosen = _check_facilitators(actor, facilitators) if facilitators is not None else None
    save_versioned(event, expected_version=expected_version, fields=changes)
    if chosen is not None:
        event.facilitators.set(chosen)
    audit_log(
        actor=actor,
        action="outreach.event.updated",
        target=event,
        data={"fields": sorted(changes)},
    )
    return event


@transaction.atomic
def event_cancel(*, actor: User, event: Event, expected_version: int) -> Event:
    _require_planner(actor)
    if event.status != Event.Status.PLANNED:
        raise ValidationError(_("Only a planned event can be cancelled."), code="not_planned")
    save_versioned(
        event, expected_version=expected_version, fields={"status": Event.Status.CANCELLED}
    )
    audit_log(actor=actor, action="outreach.event.cancelled", target=event)
    return event


def _check_counts(counts: dict[str, int | None], event: Event) -> dict[str, int]:
    """The counts given, each a whole number from 0 to 100,000; a training's head count never
    below the trainees listed (as `trainees_count_set`)."""
    clean: dict[str, int] = {}
    for name in (*Event.AUDIENCES, "trainees_count"):
        value = counts.get(name)
        if value is None:
            continue
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 100_000:
            raise ValidationError(
                {name: _("A count is a whole number from 0 to 100,000.")}, code="count"
            )
        clean[name] = value
    if "trainees_count" in clean:
        listed = event.trainees.count()
        if clean["trainees_count"] < listed:
            raise ValidationError(
                {
                    "trainees_count": _(
                        "%(listed)s trainees are listed: the count is at least that many."
                    )
                    % {"listed": listed}
                },
                code="below_listed",
            )
    return clean


@transaction.atomic
def event_record_attendance(
    *, actor: User, event: Event, expected_version: int, **counts: int | None
) -> Event:
    """Set the attendance counts of an event that is not cancelled (at the door, or after)."""
    if event.status == Event.Status.CANCELLED:
        raise ValidationError(_("This event is cancelled."), code="cancelled")
    clean = _check_counts(counts, event)
    save_versioned(event, expected_version=expected_version, fields=clean)
    audit_log(actor=actor, action="outreach.event.attendance_recorded", target=event, data=clean)
    return event


@transaction.atomic
def event_mark_held(
    *, actor: User, event: Event, expected_version: int, report: str = "", **counts: int | None
) -> Event:
    """Mark a planned event held, with a short report and its attendance. Not before it began."""
    if event.status != Event.Status.PLANNED:
        raise ValidationError(_("Only a planned event can be marked held."), code="not_planned")
    if event.starts_at > timezone.now() + HELD_LEEWAY:
        raise ValidationError(_("An event is marked held once it has begun."), code="future")
    if "\x00" in report or len(report) > REPORT_MAX:
        raise ValidationError(
            {"report": _("The report is at most 5,000 characters, without control characters.")},
            code="report",
        )
    fields: dict[str, Any] = {"status": Event.Status.HELD, "report": report.strip()}
    fields |= _check_counts(counts, event)
    save_versioned(event, expected_version=expected_version, fields=fields)
    audit_log(actor=actor, action="outreach.event.held", target=event)
    return event


# Series -------------------------------------------------------------------------------------


def _add_months(moment: datetime.datetime, months: int) -> datetime.datetime:
    """The same wall-clock time `months` later; the 31st becomes the month's last day."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    for day in (moment.day, 30, 29, 28):
        try:
            return moment.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def occurrence_times(
    *, first_starts_at: datetime.datetime, recurrence: str, occurrences: int
) -> list[datetime.datetime]:
    """The start of each occurrence, in the centre's wall-clock time (a class at 19:00 stays
    at 19:00)."""
    local = timezone.localtime(first_starts_at).replace(tzinfo=None)
    zone = timezone.get_current_timezone()
    times = []
    for number in range(occurrences):
        if recurrence == Series.Recurrence.MONTHLY:
            moment = _add_months(local, number)
        else:
            step = 14 if recurrence == Series.Recurrence.FORTNIGHTLY else 7
            moment = local + datetime.timedelta(days=step * number)
        times.append(timezone.make_aware(moment, zone))
    return times


@transaction.atomic
def series_create(
    *,
    actor: User,
    site: Site,
    kind: str,
    title: str,
    topic: Topic,
    recurrence: str,
    first_starts_at: datetime.datetime,
    occurrences: int,
    duration_minutes: int = 90,
    venue_type: str = "",
    school: School | None = None,
    capacity: int | None = None,
    facilitators: Iterable[User] = (),
) -> Series:
    """A recurring plan and its `occurrences` events, made once."""
    _require_planner(actor)
    _require_site_of(actor, site)
    series = Series(
        site=site,
        kind=kind,
        title=title,
        topic=topic,
        recurrence=recurrence,
        first_starts_at=first_starts_at,
        occurrences=occurrences,
        created_by=actor,
    )
    series.full_clean(exclude=["site", "created_by", "topic"])
    times = occurrence_times(
        first_starts_at=first_starts_at, recurrence=recurrence, occurrences=occurrences
    )
    series.save()
    chosen = list(facilitators)
    for starts_at in times:
        event_create(
            actor=actor,
            site=site,
            series=series,
            facilitators=chosen,
            kind=kind,
            title=title,
            topic=topic,
            starts_at=starts_at,
            duration_minutes=duration_minutes,
            venue_type=venue_type,
            school=school,
            capacity=capacity,
        )
    audit_log(
        actor=actor,
        action="outreach.series.created",
        target=series,
        data={"site": site.pk, "occurrences": occurrences},
    )
    return series


@transaction.atomic
def series_cancel(*, actor: User, series: Series) -> int:
    """Cancel the occurrences still planned from now on; those held, past or already cancelled
    stay as they are. Returns how many were cancelled."""
    _require_planner(actor)
    future = series.events.select_for_update().filter(
        status=Event.Status.PLANNED, starts_at__gte=timezone.now()
    )
    ids = list(future.values_list("pk", flat=True))
    cancelled = series.events.filter(pk__in=ids).update(
        status=Event.Status.CANCELLED, version=F("version") + 1, updated_at=timezone.now()
    )
    audit_log(
        actor=actor,
        action="outreach.series.cancelled",
        target=series,
        data={"events": ids},
    )
    return cancelled
