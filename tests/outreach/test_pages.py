"""The event pages, persona by persona: the coordinator and supervisor of a county see their own
site's events and the stations' below; a facilitator the events they run; another county's
coordinator 404 on a record and an empty list; the statistics administrator no event page
(aggregates only). Plan, edit (versioned), cancel (confirmed), mark held, attendance at the door,
a recurring series and a group's participants (only for the clinicians who see the cases)."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from centre.models import AuditEntry, Site
from counselling.models import Consent
from outreach.models import Event, Participant, Series, Topic
from outreach.topics import ensure_topics
from tests.support.accounts import sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def topic(demo_network):
    ensure_topics()
    return Topic.objects.get(code="parent-child-communication")


@pytest.fixture
def coordinator(account):
    return account("outreach")


@pytest.fixture
def other_county(staff_at):
    return staff_at("outreach-k02", "outreach_coordinator", "K02")


def plan(site, *, by, topic, kind=Event.Kind.PARENT_CLASS, when=None, **fields):
    return Event.objects.create(
        site=site,
        kind=kind,
        title="家长课堂",
        topic=topic,
        starts_at=when or timezone.now() - datetime.timedelta(hours=1),
        created_by=by,
        **fields,
    )


@pytest.fixture
def station_event(coordinator, topic):
    return plan(Site.objects.get(code="K01-S001"), by=coordinator, topic=topic)


EVENT_PAGES = ["", "edit/", "cancel/", "held/", "attendance/"]


@pytest.mark.parametrize(
    ("username", "status"),
    [("outreach", 200), ("supervisor", 200), ("outreach-k02", 404), ("stats", 404)],
)
def test_the_persona_matrix_of_an_event_page(client, station_event, other_county, username, status):
    sign_in(client, username)
    for page in EVENT_PAGES:
        assert client.get(f"/outreach/events/{station_event.pk}/{page}").status_code == status, page


def test_a_facilitator_sees_the_events_they_run_and_records_attendance(
    client, station_event, alice, bob
):
    station_event.facilitators.add(alice)
    sign_in(client, "counsellor")
    assert client.get(f"/outreach/events/{station_event.pk}/").status_code == 200
    assert client.get(f"/outreach/events/{station_event.pk}/attendance/").status_code == 200
    listed = client.get("/outreach/events/")
    assert listed.status_code == 200
    assert list(listed.context["events"]) == [station_event]
    # Planning is not a facilitator's work.
    assert client.get(f"/outreach/events/{station_event.pk}/edit/").status_code == 404
    assert client.get("/outreach/events/new/").status_code == 403
    client.logout()
    sign_in(client, "counsellor2")
    assert client.get(f"/outreach/events/{station_event.pk}/").status_code == 404


@pytest.mark.parametrize(
    ("username", "status", "rows"),
    [("outreach", 200, 1), ("supervisor", 200, 1), ("outreach-k02", 200, 0), ("stats", 403, 0)],
)
def test_the_persona_matrix_of_the_list(
    client, station_event, other_county, username, status, rows
):
    sign_in(client, username)
    response = client.get("/outreach/events/")
    assert response.status_code == status
    if status == 200:
        assert len(response.context["events"]) == rows
    for page in ["/outreach/events/new/", "/outreach/series/new/"]:
        assert client.get(page).status_code == status


def test_the_list_filters_by_kind_status_and_month_and_refuses_bad_values(
    client, coordinator, topic, k01
):
    lecture = plan(k01, by=coordinator, topic=topic, kind=Event.Kind.SCHOOL_LECTURE)
    held = plan(k01, by=coordinator, topic=topic, status=Event.Status.HELD)
    old = plan(k01, by=coordinator, topic=topic, when=timezone.now() - datetime.timedelta(days=70))
    sign_in(client, "outreach")
    assert list(client.get("/outreach/events/?kind=school_lecture").context["events"]) == [lecture]
    assert list(client.get("/outreach/events/?status=held").context["events"]) == [held]
    month = timezone.localtime(old.starts_at).strftime("%Y-%m")
    assert old in client.get(f"/outreach/events/?month={month}").context["events"]
    assert lecture not in client.get(f"/outreach/events/?month={month}").context["events"]
    for bad in ["kind=nope", "status=%00", "month=2026-13", "month=" + "9" * 500]:
        assert client.get(f"/outreach/events/?{bad}").status_code == 400, bad
    assert AuditEntry.objects.filter(action="outreach.event.listed", actor=coordinator).exists()


def test_the_list_is_paged(client, coordinator, topic, k01):
    start = timezone.now() - datetime.timedelta(days=3)
    for number in range(55):
        plan(k01, by=coordinator, topic=topic, when=start + datetime.timedelta(minutes=number))
    sign_in(client, "outreach")
    first = client.get("/outreach/events/")
    assert len(first.context["events"]) == 50
    assert first.context["page"].older
    second = client.get("/outreach/events/", {"older": first.context["page"].older})
    assert len(second.context["events"]) == 5


def test_a_coordinator_plans_an_event_and_bad_input_is_a_clear_400(client, coordinator, topic):
    sign_in(client, "outreach")
    station = Site.objects.get(code="K01-S001")
    form = {
        "kind": "community_event",
        "venue_type": "village",
        "title": "进村宣讲",
        "topic": topic.pk,
        "site": station.pk,
        "starts_at": "2026-12-20T19:00",
        "duration_minutes": "90",
        "capacity": "60",
        "facilitators": [coordinator.pk],
    }
    missing_venue = client.post("/outreach/events/new/", {**form, "venue_type": ""})
    assert missing_venue.status_code == 400
    assert "venue_type" in missing_venue.context["form"].errors
    wrong_venue = client.post("/outreach/events/new/", {**form, "kind": "parent_class"})
    assert wrong_venue.status_code == 400
    other_site = Site.objects.get(code="K02")
    assert client.post("/outreach/events/new/", {**form, "site": other_site.pk}).status_code == 400
    assert client.post("/outreach/events/new/", {**form, "capacity": "-1"}).status_code == 400
    assert not Event.objects.exists()
    saved = client.post("/outreach/events/new/", form)
    assert saved.status_code == 302
    event = Event.objects.get()
    assert saved.url == f"/outreach/events/{event.pk}/"
    assert (event.site, event.venue_type, event.capacity) == (station, "village", 60)
    assert list(event.facilitators.all()) == [coordinator]
    assert str(event.title) not in saved.url


def test_an_edit_keeps_what_was_typed_when_someone_saved_since(client, station_event):
    sign_in(client, "outreach")
    page = client.get(f"/outreach/events/{station_event.pk}/edit/")
    assert page.status_code == 200
    form = {
        "version": 1,
        "kind": "parent_class",
        "title": "第二讲",
        "topic": station_event.topic_id,
        "starts_at": "2026-12-20T19:00",
        "duration_minutes": "120",
    }
    assert client.post(f"/outreach/events/{station_event.pk}/edit/", form).status_code == 302
    station_event.refresh_from_db()
    assert (station_event.title, station_event.duration_minutes, station_event.version) == (
        "第二讲",
        120,
        2,
    )
    stale = client.post(f"/outreach/events/{station_event.pk}/edit/", {**form, "title": "旧"})
    assert stale.status_code == 409
    assert stale.context["form"]["title"].value() == "旧"
    station_event.refresh_from_db()
    assert station_event.title == "第二讲"


def test_cancelling_asks_first(client, station_event):
    sign_in(client, "outreach")
    url = f"/outreach/events/{station_event.pk}/cancel/"
    page = client.get(url)
    assert page.status_code == 200
    assert 'id="event-cancel-form"' in page.text
    assert client.post(url, {"version": 1}).status_code == 400
    station_event.refresh_from_db()
    assert station_event.status == Event.Status.PLANNED
    assert client.post(url, {"version": 1, "confirm": "on"}).status_code == 302
    station_event.refresh_from_db()
    assert station_event.status == Event.Status.CANCELLED
    assert client.post(url, {"version": 2, "confirm": "on"}).status_code == 400


def test_attendance_at_the_door_and_marking_held(client, station_event):
    sign_in(client, "outreach")
    url = f"/outreach/events/{station_event.pk}/attendance/"
    page = client.get(url)
    assert 'inputmode="numeric"' in page.text
    assert "outreach/events.css" in page.text
    bad = client.post(url, {"version": 1, "parents": "lots"})
    assert bad.status_code == 400
    assert client.post(url, {"version": 1, "parents": "-3"}).status_code == 400
    assert client.post(url, {"version": 1, "parents": "38", "teachers": "2"}).status_code == 302
    station_event.refresh_from_db()
    assert (station_event.parents, station_event.teachers, station_event.attendance_total) == (
        38,
        2,
        40,
    )
    held = f"/outreach/events/{station_event.pk}/held/"
    saved = client.post(held, {"version": 2, "parents": "40", "report": "  讨论了亲子沟通。 "})
    assert saved.status_code == 302
    station_event.refresh_from_db()
    assert (station_event.status, station_event.report, station_event.parents) == (
        "held",
        "讨论了亲子沟通。",
        40,
    )
    detail = client.get(f"/outreach/events/{station_event.pk}/")
    assert "讨论了亲子沟通。" in detail.text
    assert client.post(held, {"version": 3}).status_code == 400


def test_a_future_event_is_not_marked_held(client, coordinator, topic, k01):
    event = plan(k01, by=coordinator, topic=topic, when=timezone.now() + datetime.timedelta(days=2))
    sign_in(client, "outreach")
    answer = client.post(f"/outreach/events/{event.pk}/held/", {"version": 1})
    assert answer.status_code == 400
    assert answer.context["form"].non_field_errors()


def test_the_pages_speak_english_and_chinese(client, station_event):
    sign_in(client, "outreach", language="en")
    assert "Record attendance" in client.get(f"/outreach/events/{station_event.pk}/").text
    client.cookies["portal_language"] = "zh-hans"
    text = client.get(f"/outreach/events/{station_event.pk}/").text
    assert "记录出席" in text
    assert "Record attendance" not in text


def test_a_recurring_series_made_once_one_session_edited_alone_and_cancelled(
    client, coordinator, topic, k01
):
    sign_in(client, "outreach")
    first = timezone.localtime() + datetime.timedelta(days=1)
    answer = client.post(
        "/outreach/series/new/",
        {
            "kind": "parent_class",
            "title": "周三家长课堂",
            "topic": topic.pk,
            "site": k01.pk,
            "recurrence": "weekly",
            "first_starts_at": first.strftime("%Y-%m-%dT19:00"),
            "occurrences": "8",
            "duration_minutes": "90",
        },
    )
    assert answer.status_code == 302
    series = Series.objects.get()
    assert answer.url == f"/outreach/series/{series.pk}/"
    page = client.get(answer.url)
    assert len(page.context["events"]) == 8
    third = page.context["events"][2]
    edit = client.get(f"/outreach/events/{third.pk}/edit/")
    assert "only this session changes" in edit.text or "只改这一次" in edit.text
    cancel = f"/outreach/events/{third.pk}/cancel/"
    assert client.post(cancel, {"version": 1, "confirm": "on"}).status_code == 302
    statuses = list(series.events.order_by("starts_at").values_list("status", flat=True))
    assert statuses.count("cancelled") == 1
    assert client.get(f"/outreach/series/{series.pk}/cancel/").status_code == 200
    assert client.post(f"/outreach/series/{series.pk}/cancel/").status_code == 400
    done = client.post(f"/outreach/series/{series.pk}/cancel/", {"confirm": "on"})
    assert done.status_code == 302
    assert set(series.events.values_list("status", flat=True)) == {"cancelled"}


def test_a_series_with_too_many_occurrences_is_a_400(client, topic, k01):
    sign_in(client, "outreach")
    answer = client.post(
        "/outreach/series/new/",
        {
            "kind": "parent_class",
            "title": "x",
            "topic": topic.pk,
            "site": k01.pk,
            "recurrence": "monthly",
            "first_starts_at": "2026-12-20T19:00",
            "occurrences": "500",
            "duration_minutes": "90",
        },
    )
    assert answer.status_code == 400
    assert not Series.objects.exists()


@pytest.mark.parametrize(("username", "status"), [("outreach-k02", 404), ("stats", 404)])
def test_another_site_and_statistics_do_not_see_a_series(
    client, coordinator, topic, k01, other_county, username, status
):
    from outreach import services

    series = services.series_create(
        actor=coordinator,
        site=k01,
        kind=Event.Kind.PARENT_CLASS,
        title="x",
        topic=topic,
        recurrence=Series.Recurrence.MONTHLY,
        first_starts_at=timezone.now() + datetime.timedelta(days=1),
        occurrences=2,
    )
    sign_in(client, username)
    assert client.get(f"/outreach/series/{series.pk}/").status_code == status
    assert client.post(f"/outreach/series/{series.pk}/cancel/", {"confirm": "on"}).status_code == (
        status
    )


@pytest.fixture
def group(coordinator, topic, k01, sam, alice):
    event = plan(k01, by=coordinator, topic=topic, kind=Event.Kind.GROUP_THERAPY)
    event.facilitators.add(alice, sam)
    return event


def test_participants_are_added_with_consent_and_listed_only_to_clinicians_who_see_the_cases(
    client, group, alice_case, bob_case
):
    sign_in(client, "counsellor")
    url = f"/outreach/events/{group.pk}/"
    # bob's case is not alice's: answered like a case that does not exist.
    refused = client.post(url, {"case": bob_case.pk})
    assert refused.status_code == 400
    assert not Participant.objects.exists()
    assert client.post(url, {"case": "abc"}).status_code == 400
    assert client.post(url, {"case": alice_case.pk}).status_code == 302
    assert client.post(url, {"case": alice_case.pk}).status_code == 409
    participant = Participant.objects.get()
    page = client.get(url)
    assert page.context["participants"] == [participant]
    assert alice_case.client.full_name in page.text
    assert AuditEntry.objects.filter(action="outreach.participant.listed").exists()
    client.logout()
    # The coordinator sees the event and the count, never the list.
    sign_in(client, "outreach")
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["participants"] is None
    assert alice_case.client.full_name not in page.text
    assert client.post(url, {"case": alice_case.pk}).status_code == 403
    assert (
        client.get(f"/outreach/events/{group.pk}/participants/{participant.pk}/remove/").status_code
        == 404
    )


def test_a_participant_without_consent_is_refused_and_removal_asks_first(client, group, alice_case):
    Consent.objects.filter(client=alice_case.client).update(withdrawn_at=timezone.now())
    sign_in(client, "counsellor")
    url = f"/outreach/events/{group.pk}/"
    refused = client.post(url, {"case": alice_case.pk})
    assert refused.status_code == 400
    assert refused.context["form"].errors["case"]
    Consent.objects.filter(client=alice_case.client).update(withdrawn_at=None)
    assert client.post(url, {"case": alice_case.pk}).status_code == 302
    participant = Participant.objects.get()
    remove = f"/outreach/events/{group.pk}/participants/{participant.pk}/remove/"
    assert 'id="participant-remove-form"' in client.get(remove).text
    assert client.post(remove).status_code == 302
    assert not Participant.objects.exists()


def test_the_calendar_links_to_the_event_page(client, station_event):
    sign_in(client, "outreach")
    page = client.get("/outreach/calendar/")
    assert f'href="/outreach/events/{station_event.pk}/"' in page.text


def test_the_list_and_the_api_take_as_many_queries_for_fifty_events_as_for_one(
    client, coordinator, topic, k01, alice
):
    from tests.support.queries import count_queries

    first = plan(k01, by=coordinator, topic=topic)
    first.facilitators.add(alice, coordinator)
    sign_in(client, "outreach")
    urls = ["/outreach/events/", "/api/v1/outreach/events/", f"/outreach/events/{first.pk}/"]
    one = [count_queries(client, url) for url in urls]
    for _number in range(49):
        event = plan(k01, by=coordinator, topic=topic, school=None)
        event.facilitators.add(alice)
    assert [count_queries(client, url) for url in urls] == one


@pytest.mark.parametrize(
    "spoiled",
    [
        {"starts_at": "0001-01-01T00:00"},
        {"starts_at": "9999-12-31T23:59"},
        {"starts_at": "2026-02-30T10:00"},
        {"title": "家长\x00课堂"},
        {"title": "x" * 5000},
        {"topic": "99999999999999999999"},
        {"site": "²"},
        {"facilitators": ["-1"]},
        {"duration_minutes": "1e9"},
        {"kind": ""},
    ],
)
def test_hostile_plans_are_a_400_never_a_500(client, coordinator, topic, k01, spoiled):
    sign_in(client, "outreach")
    form = {
        "kind": "parent_class",
        "title": "家长课堂",
        "topic": topic.pk,
        "site": k01.pk,
        "starts_at": "2026-12-20T19:00",
        "duration_minutes": "90",
    }
    assert client.post("/outreach/events/new/", {**form, **spoiled}).status_code == 400
    series = {**form, "recurrence": "weekly", "occurrences": "3", **spoiled}
    series["first_starts_at"] = series.pop("starts_at")
    assert client.post("/outreach/series/new/", series).status_code == 400
    assert not Event.objects.exists()


def test_the_outreach_page_shows_the_month_at_a_glance(client, coordinator, topic, k01):
    from outreach import targets

    held = plan(k01, by=coordinator, topic=topic, status=Event.Status.HELD)
    Event.objects.filter(pk=held.pk).update(starts_at=targets.month_bounds(targets.this_month())[0])
    sign_in(client, "outreach", language="en")
    page = client.get("/outreach/")
    assert page.status_code == 200
    assert page.context["progress"].parent_held == 1
    assert f'href="/outreach/events/{held.pk}/"' in page.text
    assert "1 held, 0 planned of 2" in page.text
    # K01's two stations hold nothing this month: both are behind.
    assert page.context["sites_behind"] == 2
    assert AuditEntry.objects.filter(action="outreach.event.listed", actor=coordinator).exists()
