"""The iCalendar text of a user's feed: the events they facilitate and those of their site, from
60 days back to a year ahead. Each event carries its kind, topic, time, length, status and where
it is (the site, a school or a partner organisation) — never a participant, a case, a report, the
free-text title (which a person may have typed a name into) or an attendance count."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

import icalendar
from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone, translation

from centre.audit import audit_log
from outreach.models import CalendarFeed, Event

PAST_DAYS = 60
AHEAD_DAYS = 366
MAX_EVENTS = 2000
ICAL_STATUS: dict[str, str] = {
    Event.Status.PLANNED: "TENTATIVE",
    Event.Status.HELD: "CONFIRMED",
    Event.Status.CANCELLED: "CANCELLED",
}


def window(now: datetime.datetime | None = None) -> tuple[datetime.datetime, datetime.datetime]:
    now = now or timezone.now()
    return now - datetime.timedelta(days=PAST_DAYS), now + datetime.timedelta(days=AHEAD_DAYS)


def _place(event: Event) -> str:
    if event.school is not None:
        return event.school.name
    if event.partner is not None:
        return event.partner.name
    return event.site.name


def _topic(event: Event, language: str) -> str:
    return event.topic.name_en if language.startswith("en") else event.topic.name_zh


def feed(events: Iterable[Event], *, language: str, host: str) -> bytes:
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Youth mental-health counselling portal//outreach//")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-timezone", settings.TIME_ZONE)
    stamp = timezone.now()
    with translation.override(language):
        for event in events:
            item = icalendar.Event()
            item.add("uid", f"outreach-event-{event.pk}@{host}")
            item.add("dtstamp", stamp)
            item.add("dtstart", event.starts_at)
            item.add("dtend", event.starts_at + datetime.timedelta(minutes=event.duration_minutes))
            item.add("summary", f"{event.get_kind_display()} · {_topic(event, language)}")
            item.add("location", _place(event))
            item.add("status", ICAL_STATUS.get(event.status, "TENTATIVE"))
            item.add("sequence", event.version)
            calendar.add_component(item)
    return calendar.to_ical()


def audit_feed_read(*, feed: CalendarFeed, events: int, request: HttpRequest) -> None:
    """A calendar app reads the feed by its token, with no session: `audit_read` has no
    signed-in reader to name, so the feed's owner is recorded as the reader, by id."""
    audit_log(
        actor=feed.user,
        action="outreach.calendar_feed.read",
        target=feed,
        request=request,
        data={"events": events},
    )
