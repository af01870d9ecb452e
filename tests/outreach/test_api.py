"""The outreach API: events (list, retrieve, plan, edit) and attendance, with the pages' rules —
a county's coordinator and supervisor see its stations' events, another county's coordinator
404, the statistics administrator 403 on the list and 404 on an event; reads are audited; in
the OpenAPI schema; participants never in an answer."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from centre.models import AuditEntry, Site
from outreach.models import Event, Topic
from outreach.topics import ensure_topics
from tests.support.accounts import sign_in

pytestmark = pytest.mark.django_db
API = "/api/v1/outreach"


@pytest.fixture
def topic(demo_network):
    ensure_topics()
    return Topic.objects.get(code="emotion-management")


@pytest.fixture
def coordinator(account):
    return account("outreach")


@pytest.fixture
def other_county(staff_at):
    return staff_at("outreach-k02", "outreach_coordinator", "K02")


@pytest.fixture
def event(coordinator, topic):
    return Event.objects.create(
        site=Site.objects.get(code="K01-S001"),
        kind=Event.Kind.SCHOOL_LECTURE,
        title="情绪管理讲座",
        topic=topic,
        starts_at=timezone.now() - datetime.timedelta(hours=2),
        created_by=coordinator,
    )


@pytest.mark.parametrize(
    ("username", "listed", "detail"),
    [
        ("outreach", 200, 200),
        ("supervisor", 200, 200),
        ("outreach-k02", 200, 404),
        ("stats", 403, 404),
        ("liaison", 403, 404),
    ],
)
def test_the_persona_matrix(client, event, other_county, username, listed, detail):
    sign_in(client, username)
    answer = client.get(f"{API}/events/")
    assert answer.status_code == listed
    if listed == 200:
        ids = [row["id"] for row in answer.json()["results"]]
        assert ids == ([event.pk] if detail == 200 else [])
    assert client.get(f"{API}/events/{event.pk}/").status_code == detail
    counts = {"version": 1, "students": 300}
    attendance = client.post(
        f"{API}/events/{event.pk}/attendance/", counts, content_type="application/json"
    )
    assert attendance.status_code == detail
    change = client.patch(
        f"{API}/events/{event.pk}/",
        {"version": 2 if detail == 200 else 1, "title": "改"},
        content_type="application/json",
    )
    assert change.status_code == detail


def test_plan_edit_and_record_attendance(client, coordinator, topic):
    sign_in(client, "outreach")
    station = Site.objects.get(code="K01-S001")
    created = client.post(
        f"{API}/events/",
        {
            "site": station.pk,
            "kind": "parent_class",
            "title": "家长课堂",
            "topic": topic.pk,
            "starts_at": "2026-12-20T19:00:00+08:00",
            "facilitators": [coordinator.pk],
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["site"], body["status"], body["version"]) == (station.pk, "planned", 1)
    assert body["facilitators"] == [coordinator.pk]
    assert "participants" not in body
    changed = client.patch(
        f"{API}/events/{body['id']}/",
        {"version": 1, "duration_minutes": 120},
        content_type="application/json",
    )
    assert changed.status_code == 200
    assert (changed.json()["duration_minutes"], changed.json()["version"]) == (120, 2)
    stale = client.patch(
        f"{API}/events/{body['id']}/", {"version": 1, "title": "x"}, content_type="application/json"
    )
    assert stale.status_code == 409
    counted = client.post(
        f"{API}/events/{body['id']}/attendance/",
        {"version": 2, "parents": 45, "teachers": 3},
        content_type="application/json",
    )
    assert counted.status_code == 200
    assert counted.json()["attendance_total"] == 48
    assert AuditEntry.objects.filter(
        action="outreach.event.attendance_recorded", target_id=str(body["id"])
    ).exists()
    client.get(f"{API}/events/{body['id']}/")
    assert AuditEntry.objects.filter(
        action="outreach.event.viewed", target_id=str(body["id"])
    ).exists()
    client.get(f"{API}/events/?kind=parent_class&month=2026-12")
    assert AuditEntry.objects.filter(action="outreach.event.listed", actor=coordinator).exists()


def test_bad_input_is_a_400(client, event, topic):
    sign_in(client, "outreach")
    other_site = Site.objects.get(code="K02")
    plan = {
        "kind": "parent_class",
        "title": "x",
        "topic": topic.pk,
        "starts_at": "2026-12-20T19:00",
    }
    for body in (
        {**plan, "site": other_site.pk},
        {**plan, "site": event.site_id, "kind": "nonsense"},
        {**plan, "site": event.site_id, "venue_type": "village"},
        {**plan, "site": event.site_id, "kind": "community_event"},
        {**plan, "site": event.site_id, "capacity": -1},
        {**plan, "site": event.site_id, "starts_at": "0001-01-01T00:00"},
    ):
        answer = client.post(f"{API}/events/", body, content_type="application/json")
        assert answer.status_code == 400, (body, answer.content)
    for counts in ({"version": 1, "students": -1}, {"version": 1}, {"students": 3}):
        answer = client.post(
            f"{API}/events/{event.pk}/attendance/", counts, content_type="application/json"
        )
        assert answer.status_code == 400, counts
    for query in ("kind=x", "status=%00", "month=2026-99"):
        assert client.get(f"{API}/events/?{query}").status_code == 400, query


def test_a_cancelled_event_takes_no_attendance(client, event):
    Event.objects.filter(pk=event.pk).update(status=Event.Status.CANCELLED)
    sign_in(client, "outreach")
    answer = client.post(
        f"{API}/events/{event.pk}/attendance/",
        {"version": 1, "students": 3},
        content_type="application/json",
    )
    assert answer.status_code == 400


def test_the_events_are_in_the_schema(client, coordinator):
    sign_in(client, "outreach")
    schema = client.get("/api/v1/schema/").text
    for path in ("/api/v1/outreach/events/", "/api/v1/outreach/events/{event_id}/attendance/"):
        assert path in schema
    assert "OutreachEventInput" in schema


def test_a_facilitator_reads_and_counts_the_events_they_run_but_does_not_plan(
    client, event, alice, topic
):
    event.facilitators.add(alice)
    sign_in(client, "counsellor")
    listed = client.get(f"{API}/events/")
    assert [row["id"] for row in listed.json()["results"]] == [event.pk]
    counted = client.post(
        f"{API}/events/{event.pk}/attendance/",
        {"version": 1, "students": 120},
        content_type="application/json",
    )
    assert counted.status_code == 200
    change = client.patch(
        f"{API}/events/{event.pk}/", {"version": 2, "title": "x"}, content_type="application/json"
    )
    assert change.status_code == 403
    plan = {
        "site": event.site_id,
        "kind": "parent_class",
        "title": "x",
        "topic": topic.pk,
        "starts_at": "2026-12-20T19:00",
    }
    assert client.post(f"{API}/events/", plan, content_type="application/json").status_code == 403
    client.logout()
    sign_in(client, "counsellor2")
    assert client.get(f"{API}/events/").json()["results"] == []
    assert client.get(f"{API}/events/{event.pk}/").status_code == 404
