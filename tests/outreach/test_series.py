"""A series makes its occurrences once; one occurrence edited alone; cancelling the series
cancels only the future planned ones; who sees the events (through the selector)."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from outreach import selectors, services
from outreach.models import Event, Series, Topic

pytestmark = pytest.mark.django_db


@pytest.fixture
def coordinator(account):
    return account("outreach")


def test_weekly_series_edit_one_cancel_future(coordinator, alice, account):
    topic = Topic.objects.get(code="parent-child-communication")
    first = timezone.now() - datetime.timedelta(days=7) + datetime.timedelta(hours=1)
    series = services.series_create(
        actor=coordinator,
        site=coordinator.site,
        kind=Event.Kind.PARENT_CLASS,
        title="家长课堂",
        topic=topic,
        recurrence=Series.Recurrence.WEEKLY,
        first_starts_at=first,
        occurrences=8,
    )
    events = list(series.events.order_by("starts_at"))
    assert len(events) == 8
    assert {timezone.localtime(e.starts_at).time() for e in events} == {
        timezone.localtime(first).time()
    }
    third = events[2]
    services.event_update(actor=coordinator, event=third, expected_version=1, title="改了")
    assert [e.title for e in series.events.order_by("starts_at")].count("改了") == 1
    assert services.series_cancel(actor=coordinator, series=series) == 7
    statuses = list(series.events.order_by("starts_at").values_list("status", flat=True))
    assert statuses == ["planned"] + ["cancelled"] * 7
    assert selectors.event_visible_to(user=coordinator).filter(series=series).count() == 8
    assert not selectors.event_visible_to(user=alice).exists()
    assert not selectors.event_visible_to(user=account("stats")).exists()
