"""A careless coordinator pastes an unbroken address into a title, a report, a partner's name
and a trainee's organisation: every outreach page still fits a phone (390 px, no sideways
scroll), in Chinese and English."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from tests.support.browser import BROWSER_DB

pytestmark = [pytest.mark.browser, BROWSER_DB]

LONG = "https://example.org/" + "a" * 180


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_unbroken_long_texts_fit_a_phone(phone_page, sign_in, live_server, language):
    from centre.models import Site, User
    from outreach.models import Agreement, Event, Partner, Series, Topic, Trainee
    from outreach.topics import ensure_topics

    ensure_topics()
    coordinator = User.objects.get(username="outreach")
    k01 = Site.objects.get(code="K01")
    topic = Topic.objects.get(code="emotion-management")
    partner = Partner.objects.create(site=k01, name=LONG[:200], kind="community")
    Agreement.objects.create(
        partner=partner,
        starts_on=timezone.localdate() - datetime.timedelta(days=10),
        ends_on=timezone.localdate() + datetime.timedelta(days=20),
        services=LONG,
        contact_person="x" * 100,
    )
    series = Series.objects.create(
        site=k01,
        kind=Event.Kind.TRAINING,
        title=LONG[:200],
        topic=topic,
        recurrence=Series.Recurrence.WEEKLY,
        first_starts_at=timezone.now(),
        occurrences=1,
        created_by=coordinator,
    )
    event = Event.objects.create(
        site=k01,
        kind=Event.Kind.TRAINING,
        title=LONG[:200],
        topic=topic,
        partner=partner,
        series=series,
        starts_at=timezone.now() - datetime.timedelta(hours=1),
        created_by=coordinator,
        status=Event.Status.HELD,
        report=LONG * 3,
    )
    event.facilitators.add(coordinator)
    Trainee.objects.create(event=event, name="y" * 100, organisation=LONG[:200])
    phone_page.context.add_cookies(
        [{"name": "portal_language", "value": language, "url": live_server.url}]
    )
    sign_in(phone_page, "outreach")
    pages = [
        "/outreach/",
        "/outreach/events/",
        f"/outreach/events/{event.pk}/",
        f"/outreach/events/{event.pk}/edit/",
        f"/outreach/events/{event.pk}/attendance/",
        f"/outreach/events/{event.pk}/trainees/",
        f"/outreach/events/{event.pk}/import/",
        f"/outreach/series/{series.pk}/",
        "/outreach/calendar/",
        "/outreach/calendar/?view=week",
        "/outreach/partners/",
        f"/outreach/partners/{partner.pk}/",
    ]
    wide = []
    for path in pages:
        phone_page.goto(path)
        width = phone_page.evaluate("document.documentElement.scrollWidth")
        if width > 390:
            wide.append((path, width))
    assert not wide
