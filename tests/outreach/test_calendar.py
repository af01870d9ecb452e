"""The calendar pages and the per-user iCalendar feed: the feed carries no participant, title or
report, a wrong or old token answers 404, and each read is audited."""

from __future__ import annotations

import icalendar
import pytest
from django.urls import reverse
from django.utils import timezone

from centre.models import AuditEntry
from outreach.models import CalendarFeed, Event
from tests.outreach.test_targets import make_event

pytestmark = pytest.mark.django_db


@pytest.fixture
def coordinator(account):
    return account("outreach")


def feed_address(client, user) -> str:
    client.force_login(user)
    page = client.post(reverse("outreach:calendar_feed"), {"action": "reset"})
    assert page.status_code == 200
    address = page.context["address"]
    client.logout()
    return address.split("testserver", 1)[1]


def test_the_feed_has_the_events_without_names_and_only_its_hash_is_kept(client, coordinator, k01):
    event = make_event(
        k01, Event.Kind.GROUP_THERAPY, Event.Status.PLANNED, by=coordinator, title="王小明的小组"
    )
    event.report = "报告内容"
    event.save()
    path = feed_address(client, coordinator)
    token = path.rsplit("/", 1)[1].removesuffix(".ics")
    assert not CalendarFeed.objects.filter(token_hash=token).exists()
    answer = client.get(path)
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/calendar")
    text = answer.content.decode()
    assert "王小明" not in text
    assert "报告" not in text
    (item,) = icalendar.Calendar.from_ical(answer.content).walk("VEVENT")
    assert item["uid"].startswith(f"outreach-event-{event.pk}@")
    assert item["status"] == "TENTATIVE"
    assert AuditEntry.objects.filter(
        action="outreach.calendar_feed.read", actor=coordinator
    ).exists()


def test_a_wrong_an_old_and_a_hostile_token_404(client, coordinator):
    old = feed_address(client, coordinator)
    new = feed_address(client, coordinator)
    assert client.get(new).status_code == 200
    assert client.get(old).status_code == 404
    for token in ["x", "²" * 43, "a" * 10_000, "%00abc"]:
        assert client.get(f"/outreach/calendar/{token}.ics").status_code == 404
    client.force_login(coordinator)
    client.post(reverse("outreach:calendar_feed"), {"action": "end"})
    client.logout()
    assert client.get(new).status_code == 404


def test_the_feed_of_an_inactive_user_404s(client, coordinator):
    path = feed_address(client, coordinator)
    coordinator.is_active = False
    coordinator.save()
    assert client.get(path).status_code == 404


def test_calendar_month_and_week_show_planned_and_held(client, coordinator, k01):
    today = timezone.localtime()
    make_event(k01, Event.Kind.PARENT_CLASS, Event.Status.PLANNED, by=coordinator, when=today)
    make_event(k01, Event.Kind.SCHOOL_LECTURE, by=coordinator, when=today)
    client.force_login(coordinator)
    for view in ("month", "week"):
        page = client.get(reverse("outreach:calendar"), {"view": view})
        assert page.status_code == 200
        body = page.content.decode()
        assert "status-planned" in body
        assert "status-held" in body
    assert client.get(reverse("outreach:calendar"), {"site": k01.pk}).status_code == 200
    assert AuditEntry.objects.filter(action="outreach.event.listed", actor=coordinator).exists()


@pytest.mark.parametrize(
    "params", [{"day": "0001-01-01"}, {"day": "²"}, {"day": "x" * 10_000}, {"site": "²"}]
)
def test_bad_calendar_parameters_are_400(client, coordinator, params):
    client.force_login(coordinator)
    assert client.get(reverse("outreach:calendar"), params).status_code == 400


def test_other_roles_and_other_sites(client, account, staff_at, coordinator, k01):
    client.force_login(account("counsellor"))
    assert client.get(reverse("outreach:calendar")).status_code == 403
    other = staff_at("outreach_k02", "outreach_coordinator", "K02")
    make_event(k01, Event.Kind.PARENT_CLASS, by=coordinator, when=timezone.localtime())
    client.force_login(other)
    body = client.get(reverse("outreach:calendar")).content.decode()
    assert "status-held" not in body


def test_the_calendar_per_facilitator(client, coordinator, alice, k01):
    today = timezone.localtime()
    theirs = make_event(
        k01, Event.Kind.GROUP_THERAPY, Event.Status.PLANNED, by=coordinator, when=today
    )
    theirs.facilitators.add(alice)
    other = make_event(
        k01, Event.Kind.PARENT_CLASS, Event.Status.PLANNED, by=coordinator, when=today
    )
    client.force_login(coordinator)
    page = client.get(reverse("outreach:calendar"), {"facilitator": alice.pk})
    assert page.status_code == 200
    shown = [event.pk for day in page.context["days"] for event in day["events"]]
    assert shown == [theirs.pk]
    assert other.pk not in shown
    body = page.content.decode()
    assert f'<option value="{alice.pk}" selected>' in body  # picked by name, role and site
    assert f"facilitator={alice.pk}" in body  # earlier and later keep the facilitator
