"""The outreach coordinator plans a weekly parent class once, records the first session's
attendance on a phone at the door (390 px: nothing wider than the screen, a numeric keyboard)
and sees the month's target progress move on the target board. Screenshots land in
test-artifacts/."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from tests.support.browser import BROWSER_DB, screenshot

pytestmark = [pytest.mark.browser, BROWSER_DB]


@pytest.fixture
def topics(transactional_db):
    from outreach.topics import ensure_topics

    ensure_topics()


def k01_parent_progress(page) -> str:
    from centre.models import Site

    k01 = Site.objects.get(code="K01")
    page.goto("/outreach/targets/")
    return page.locator(f'#targets tr[data-site="{k01.pk}"] .parent-progress').inner_text()


def test_plan_a_recurring_parent_class_and_record_attendance_at_the_door(
    page, phone_page, sign_in, english, topics
):
    from outreach.models import Event, Series

    english(page)
    english(phone_page)
    sign_in(page, "outreach")
    before = k01_parent_progress(page)
    assert before.startswith("0 held")

    # A weekly parent class for four weeks, its first session beginning now.
    first = timezone.localtime().replace(second=0, microsecond=0) - datetime.timedelta(minutes=1)
    page.goto("/outreach/events/")
    page.click("#series-new")
    page.select_option("#id_kind", "parent_class")
    page.fill("#id_title", "Parent class: talking with teenagers")
    page.select_option("#id_topic", index=1)
    page.select_option("#id_recurrence", "weekly")
    page.fill("#id_first_starts_at", first.strftime("%Y-%m-%dT%H:%M"))
    page.fill("#id_occurrences", "4")
    page.click("#series-save")
    page.wait_for_url("**/outreach/series/*/")
    assert page.locator("#series-sessions tbody tr").count() == 4
    series = Series.objects.get()
    assert series.events.count() == 4
    session = series.events.order_by("starts_at").first()
    assert k01_parent_progress(page).startswith("0 held, ")

    # At the door of the hall, on a phone: mark the first session held with its attendance.
    sign_in(phone_page, "outreach")
    phone_page.goto(f"/outreach/events/{session.pk}/")
    phone_page.click("#mark-held")
    phone_page.wait_for_url(f"**/outreach/events/{session.pk}/held/")
    parents = phone_page.locator("#id_parents")
    assert parents.get_attribute("inputmode") == "numeric"
    assert parents.bounding_box()["height"] >= 40  # a big target for a thumb
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width
    screenshot(phone_page, "outreach-attendance-phone")
    parents.fill("36")
    phone_page.fill("#id_teachers", "2")
    phone_page.fill("#id_report", "Parents practised listening without judging.")
    phone_page.click("#attendance-save")
    phone_page.wait_for_url(f"**/outreach/events/{session.pk}/")
    assert phone_page.locator("#attendance-total").inner_text() == "38"
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
    session.refresh_from_db()
    assert (session.status, session.parents, session.teachers) == (Event.Status.HELD, 36, 2)

    # The target board has moved: one parent class held this month.
    after = k01_parent_progress(page)
    assert after.startswith("1 held"), after
    page.goto("/outreach/")
    assert (
        page.locator("#own-progress .parent-progress")
        .inner_text()
        .startswith("Parent classes: 1 held")
    )
    screenshot(page, "outreach-targets-after")


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_event_pages_fit_a_phone(phone_page, sign_in, live_server, topics, language):
    from centre.models import Site, User
    from outreach.models import Event, Topic

    coordinator = User.objects.get(username="outreach")
    event = Event.objects.create(
        site=Site.objects.get(code="K01-S001"),
        kind=Event.Kind.GROUP_THERAPY,
        title="情绪管理小组（第一次）",
        topic=Topic.objects.get(code="emotion-management"),
        starts_at=timezone.now(),
        created_by=coordinator,
        report="小组成员讨论了如何识别情绪。" * 10,
    )
    event.facilitators.add(coordinator)
    phone_page.context.add_cookies(
        [{"name": "portal_language", "value": language, "url": live_server.url}]
    )
    sign_in(phone_page, "outreach")
    pages = [
        "/outreach/",
        "/outreach/events/",
        "/outreach/events/new/",
        "/outreach/series/new/",
        f"/outreach/events/{event.pk}/",
        f"/outreach/events/{event.pk}/edit/",
        f"/outreach/events/{event.pk}/cancel/",
        f"/outreach/events/{event.pk}/attendance/",
        "/outreach/calendar/",
    ]
    for path in pages:
        phone_page.goto(path)
        width = phone_page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, (path, width)
        if path.endswith(("/new/", f"/{event.pk}/")):
            name = path.strip("/").replace("/", "-")
            screenshot(phone_page, f"{name}-{language}")
