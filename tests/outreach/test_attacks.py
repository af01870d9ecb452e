"""Attacks on the outreach pages and API, each finding kept as a regression test: a hostile or
careless user gets a clear 400/404/409, never a 500 nor a record they may not see."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from centre.models import Site
from outreach import services
from outreach.models import Event, Participant, Topic, Trainee
from outreach.topics import ensure_topics
from tests.support.accounts import sign_in

pytestmark = pytest.mark.django_db
API = "/api/v1/outreach"


@pytest.fixture
def topic(demo_network):
    ensure_topics()
    return Topic.objects.get(code="parent-child-communication")


@pytest.fixture
def coordinator(account):
    return account("outreach")


def plan(site, *, by, topic, kind=Event.Kind.PARENT_CLASS, when=None, **fields):
    return Event.objects.create(
        site=site,
        kind=kind,
        title="活动",
        topic=topic,
        starts_at=when or timezone.now() - datetime.timedelta(hours=1),
        created_by=by,
        **fields,
    )


@pytest.mark.parametrize(
    "when",
    ["9999-12-31T23:00:00-12:00", "0001-01-01T00:00:00+14:00", "0001-01-01T00:00:00Z"],
)
def test_an_api_plan_at_the_edge_of_time_is_a_400(client, coordinator, topic, k01, when):
    sign_in(client, "outreach")
    body = {"site": k01.pk, "kind": "parent_class", "title": "x", "topic": topic.pk}
    answer = client.post(
        f"{API}/events/", {**body, "starts_at": when}, content_type="application/json"
    )
    assert answer.status_code == 400
    assert not Event.objects.exists()


@pytest.mark.parametrize(
    "when", ["9999-12-31T23:00-12:00", "0001-01-01T00:00+14:00", "10000-01-01T00:00"]
)
def test_a_page_plan_at_the_edge_of_time_is_a_400(client, coordinator, topic, k01, when):
    sign_in(client, "outreach")
    form = {
        "kind": "parent_class",
        "title": "x",
        "topic": topic.pk,
        "site": k01.pk,
        "starts_at": when,
        "duration_minutes": "90",
    }
    assert client.post("/outreach/events/new/", form).status_code == 400
    series = {**form, "recurrence": "monthly", "occurrences": "52"}
    series["first_starts_at"] = series.pop("starts_at")
    assert client.post("/outreach/series/new/", series).status_code == 400


@pytest.mark.parametrize(
    "counts",
    [
        {"parents": "²"},
        {"parents": "１２"},
        {"parents": "\\N"},
        {"parents": "1" * 10_000},
        {"parents": "100001"},
        {"parents": "-0"},
        {"parents": "3\x00"},
        {"version": "99999999999999999999999"},
    ],
)
def test_hostile_counts_at_the_door_are_a_400(client, coordinator, topic, k01, counts):
    event = plan(k01, by=coordinator, topic=topic)
    sign_in(client, "outreach")
    answer = client.post(f"/outreach/events/{event.pk}/attendance/", {"version": 1, **counts})
    assert answer.status_code in (302, 400, 409), counts
    event.refresh_from_db()
    assert event.parents in (0, 12), counts


@pytest.mark.parametrize(
    "counts",
    [{"parents": -1}, {"parents": 10**12}, {"parents": "²"}, {"parents": None}, {"version": 0}],
)
def test_hostile_counts_through_the_api_are_a_400(client, coordinator, topic, k01, counts):
    event = plan(k01, by=coordinator, topic=topic)
    sign_in(client, "outreach")
    answer = client.post(
        f"{API}/events/{event.pk}/attendance/",
        {"version": 1, **counts},
        content_type="application/json",
    )
    assert answer.status_code == 400
    event.refresh_from_db()
    assert (event.parents, event.version) == (0, 1)


def test_a_stale_api_count_is_a_409(client, coordinator, topic, k01):
    event = plan(k01, by=coordinator, topic=topic)
    sign_in(client, "outreach")
    url = f"{API}/events/{event.pk}/attendance/"
    assert client.post(url, {"version": 1, "parents": 3}, "application/json").status_code == 200
    assert client.post(url, {"version": 1, "parents": 9}, "application/json").status_code == 409
    event.refresh_from_db()
    assert event.parents == 3


def test_a_held_event_is_not_cancelled_and_a_cancelled_one_takes_no_attendance(
    client, coordinator, topic, k01
):
    held = plan(k01, by=coordinator, topic=topic, status=Event.Status.HELD)
    cancelled = plan(k01, by=coordinator, topic=topic, status=Event.Status.CANCELLED)
    sign_in(client, "outreach")
    answer = client.post(f"/outreach/events/{held.pk}/cancel/", {"version": 1, "confirm": "on"})
    assert answer.status_code == 400
    held.refresh_from_db()
    assert held.status == Event.Status.HELD
    for page in ("attendance", "held"):
        url = f"/outreach/events/{cancelled.pk}/{page}/"
        assert client.post(url, {"version": 1, "parents": "5"}).status_code == 400
    cancelled.refresh_from_db()
    assert (cancelled.parents, cancelled.status) == (0, Event.Status.CANCELLED)


def test_a_training_with_listed_trainees_stays_a_training(client, coordinator, topic, k01):
    """Otherwise the trainees' names would stay on a school lecture, where no page lists or
    removes them (names are read only at trainings)."""
    training = plan(k01, by=coordinator, topic=topic, kind=Event.Kind.TRAINING)
    Trainee.objects.create(event=training, name="王老师", organisation="一中")
    sign_in(client, "outreach")
    form = {
        "version": 1,
        "kind": "school_lecture",
        "title": "讲座",
        "topic": topic.pk,
        "starts_at": "2026-12-20T19:00",
        "duration_minutes": "90",
    }
    answer = client.post(f"/outreach/events/{training.pk}/edit/", form)
    assert answer.status_code == 400
    assert "kind" in answer.context["form"].errors
    patch = client.patch(
        f"{API}/events/{training.pk}/",
        {"version": 1, "kind": "school_lecture"},
        content_type="application/json",
    )
    assert patch.status_code == 400
    training.refresh_from_db()
    assert training.kind == Event.Kind.TRAINING


def test_a_case_of_another_county_is_not_added_to_a_group(
    client, coordinator, topic, k01, alice, make_case
):
    """A counsellor who still leads a case transferred to another county does not bring it
    into a group of their own county."""
    from counselling.models import Case

    group = plan(k01, by=coordinator, topic=topic, kind=Event.Kind.GROUP_COUNSELLING)
    group.facilitators.add(alice)
    elsewhere = make_case(counsellor=alice)
    Case.objects.filter(pk=elsewhere.pk).update(site=Site.objects.get(code="K02"))
    sign_in(client, "counsellor")
    answer = client.post(f"/outreach/events/{group.pk}/", {"case": elsewhere.pk})
    assert answer.status_code == 400
    assert answer.context["form"].errors["case"]
    assert not Participant.objects.exists()


def test_a_station_counsellor_facilitating_a_county_event_sees_it_and_counts_it(
    client, coordinator, topic, k01, staff_at
):
    """The planner chose them among the staff of the tree: they open the event they run."""
    station = staff_at("counsellor-s001", "counsellor", "K01-S001")
    event = plan(k01, by=coordinator, topic=topic)
    event.facilitators.add(station)
    client.force_login(station)
    assert client.get(f"/outreach/events/{event.pk}/").status_code == 200
    assert list(client.get("/outreach/events/").context["events"]) == [event]
    answer = client.post(f"/outreach/events/{event.pk}/attendance/", {"version": 1, "parents": "9"})
    assert answer.status_code == 302
    event.refresh_from_db()
    assert event.parents == 9
    # Still no planning, and nothing of the county they do not run.
    assert client.get(f"/outreach/events/{event.pk}/edit/").status_code == 404
    other = plan(k01, by=coordinator, topic=topic)
    assert client.get(f"/outreach/events/{other.pk}/").status_code == 404


def _upload(client, event, data: bytes, name: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        f"/outreach/events/{event.pk}/import/", {"file": SimpleUploadedFile(name, data)}
    )


def _zip_bomb() -> bytes:
    """A workbook whose sheet unpacks to 300 MB of blanks (a few hundred KB packed)."""
    import io
    import zipfile

    from tests.support.rosters import xlsx_bytes

    source, out = zipfile.ZipFile(io.BytesIO(xlsx_bytes([["学生"]], header=["身份"]))), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                content = content.replace(b"<sheetData>", b"<sheetData>" + b" " * 300_000_000)
            target.writestr(info.filename, content)
    return out.getvalue()


def test_a_zip_bomb_and_a_50_mb_sheet_are_refused_with_a_message(client, coordinator, topic, k01):
    event = plan(k01, by=coordinator, topic=topic, kind=Event.Kind.SCHOOL_LECTURE)
    client.force_login(coordinator)
    client.cookies["portal_language"] = "en"
    for data, name in (
        (_zip_bomb(), "a.xlsx"),
        (b"\xe5\xad\xa6\xe7\x94\x9f\n" * 7_000_000, "a.csv"),
    ):
        answer = _upload(client, event, data, name)
        assert answer.status_code in (400, 413), name
    event.refresh_from_db()
    assert event.attendance_total == 0


def test_formulas_in_a_training_sheet_are_kept_as_text_never_as_links(
    client, coordinator, topic, k01
):
    from tests.support.rosters import csv_bytes

    training = plan(k01, by=coordinator, topic=topic, kind=Event.Kind.TRAINING)
    client.force_login(coordinator)
    rows = [["姓名", "单位"], ['=HYPERLINK("http://evil.example","点我")', "=1+1"]]
    answer = _upload(client, training, csv_bytes(rows[1:], header=rows[0]), "a.csv")
    assert answer.status_code == 200
    assert Trainee.objects.filter(event=training).count() == 1
    page = client.get(f"/outreach/events/{training.pk}/trainees/")
    assert 'href="http://evil.example"' not in page.text


def test_a_series_running_past_the_planning_horizon_is_a_400_and_leaves_nothing(
    client, coordinator, topic, k01
):
    from centre.field_rules import PLANNING_YEARS
    from outreach.models import Series

    sign_in(client, "outreach")
    first = timezone.localdate().replace(day=1) + datetime.timedelta(days=365 * PLANNING_YEARS - 90)
    form = {
        "kind": "parent_class",
        "title": "月度家长课堂",
        "topic": topic.pk,
        "site": k01.pk,
        "recurrence": "monthly",
        "first_starts_at": f"{first:%Y-%m-%d}T19:00",
        "occurrences": "52",
        "duration_minutes": "90",
    }
    assert client.post("/outreach/series/new/", form).status_code == 400
    assert not Series.objects.exists()
    assert not Event.objects.exists()


def test_a_held_event_is_not_moved_into_the_future(client, coordinator, topic, k01):
    held = plan(k01, by=coordinator, topic=topic, status=Event.Status.HELD, parents=30)
    sign_in(client, "outreach")
    later = timezone.localtime() + datetime.timedelta(days=10)
    form = {
        "version": 1,
        "kind": "parent_class",
        "title": "家长课堂",
        "topic": topic.pk,
        "starts_at": later.strftime("%Y-%m-%dT%H:%M"),
        "duration_minutes": "90",
    }
    answer = client.post(f"/outreach/events/{held.pk}/edit/", form)
    assert answer.status_code == 400
    assert "starts_at" in answer.context["form"].errors
    patch = client.patch(
        f"{API}/events/{held.pk}/",
        {"version": 1, "starts_at": later.isoformat()},
        content_type="application/json",
    )
    assert patch.status_code == 400
    held.refresh_from_db()
    assert held.starts_at < timezone.now()
    # Correcting the hour it was held at stays possible.
    earlier = timezone.localtime() - datetime.timedelta(days=1)
    form["starts_at"] = earlier.strftime("%Y-%m-%dT%H:%M")
    assert client.post(f"/outreach/events/{held.pk}/edit/", form).status_code == 302


def test_a_cancelled_group_takes_no_participant(client, coordinator, topic, k01, alice, alice_case):
    group = plan(
        k01, by=coordinator, topic=topic, kind=Event.Kind.GROUP_THERAPY, status="cancelled"
    )
    group.facilitators.add(alice)
    sign_in(client, "counsellor")
    answer = client.post(f"/outreach/events/{group.pk}/", {"case": alice_case.pk})
    assert answer.status_code == 400
    assert not Participant.objects.exists()


@pytest.mark.parametrize("report", ["x" * 10_000, "报告\x00", "\\N"])
def test_a_hostile_report_is_a_400_or_kept_as_text(client, coordinator, topic, k01, report):
    event = plan(k01, by=coordinator, topic=topic)
    sign_in(client, "outreach")
    answer = client.post(f"/outreach/events/{event.pk}/held/", {"version": 1, "report": report})
    event.refresh_from_db()
    if report == "\\N":
        assert answer.status_code == 302
        assert event.report == "\\N"
    else:
        assert answer.status_code == 400
        assert event.status == Event.Status.PLANNED


def test_the_attendance_form_and_api_do_not_count_fewer_trainees_than_listed(
    client, coordinator, topic, k01
):
    """The trainees' page refuses a count below the list; the attendance form, marking held
    and the API keep the same rule."""
    training = plan(k01, by=coordinator, topic=topic, kind=Event.Kind.TRAINING)
    for number in range(3):
        Trainee.objects.create(event=training, name=f"学员{number}")
    sign_in(client, "outreach")
    for page in ("attendance", "held"):
        url = f"/outreach/events/{training.pk}/{page}/"
        answer = client.post(url, {"version": 1, "trainees_count": "1"})
        assert answer.status_code == 400, page
        assert "trainees_count" in answer.context["form"].errors
    api = client.post(
        f"{API}/events/{training.pk}/attendance/",
        {"version": 1, "trainees_count": 2},
        content_type="application/json",
    )
    assert api.status_code == 400
    training.refresh_from_db()
    assert (training.trainees_count, training.status) == (0, Event.Status.PLANNED)
    saved = client.post(
        f"/outreach/events/{training.pk}/attendance/", {"version": 1, "trainees_count": "3"}
    )
    assert saved.status_code == 302


@pytest.mark.parametrize("username", ["outreach", "counsellor"])
def test_ending_a_calendar_address_never_made_and_making_it_twice(client, username, demo_network):
    sign_in(client, username)
    url = "/outreach/calendar/feed/"
    assert client.post(url, {"action": "end"}).status_code == 302
    first = client.post(url).context["address"]
    second = client.post(url).context["address"]
    assert first
    assert second
    assert first != second
    assert client.get(first.split("testserver", 1)[1]).status_code == 404
    assert client.get(second.split("testserver", 1)[1]).status_code == 200


@pytest.mark.parametrize(
    "params",
    [
        {"view": "week", "day": "2099-12-31"},
        {"view": "week", "day": "2000-01-01"},
        {"day": "２０２６-１２-０１"},
        {"facilitator": "99999999999999999999"},
        {"site": "-1"},
        {"view": "\x00"},
    ],
)
def test_hostile_calendar_parameters_are_a_clear_answer(client, coordinator, params):
    client.force_login(coordinator)
    assert client.get("/outreach/calendar/", params).status_code in (200, 400)


def test_a_coordinator_sees_a_groups_count_never_its_names_in_list_api_or_calendar(
    client, coordinator, topic, k01, alice, alice_case
):
    group = plan(k01, by=coordinator, topic=topic, kind=Event.Kind.GROUP_COUNSELLING)
    group.facilitators.add(alice)
    services.participant_add(actor=alice, event=group, case=alice_case)
    name = alice_case.client.full_name
    sign_in(client, "outreach")
    for url in (
        "/outreach/",
        "/outreach/events/",
        f"/outreach/events/{group.pk}/",
        "/outreach/calendar/",
        f"{API}/events/",
        f"{API}/events/{group.pk}/",
    ):
        answer = client.get(url)
        assert answer.status_code == 200, url
        assert name not in answer.content.decode(), url
    token = services.calendar_feed_reset(actor=alice)
    feed = client.get(f"/outreach/calendar/{token}.ics")
    assert feed.status_code == 200
    assert name not in feed.content.decode()
