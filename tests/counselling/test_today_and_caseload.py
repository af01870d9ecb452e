"""The counsellor's "today" page (the home after sign-in) and the caseload: the most urgent
first, keyset-paged, closed cases only when asked for, searched by name, student number or
school by POST. Other roles get 403 (a workspace) and nobody sees another's cases; the queries
of both pages are pinned."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from centre.models import AuditEntry, AuditRecord, Notification
from counselling import services
from counselling.models import Client
from screening.models import ScreeningResult, Student, TrackingTask
from tests.support.accounts import pass_second_factor, sign_in
from tests.support.queries import queries_per_page

NO_CLINICAL_ACCESS = ["liaison", "operator", "stats", "auditor", "outreach", "crisis"]


def crisis_task(campaign, *, name="危机学生", due_in_hours=-2) -> TrackingTask:
    student = Student.objects.create(
        school=campaign.school, student_no=f"S{Student.objects.count() + 1:05d}", full_name=name
    )
    result = ScreeningResult.objects.create(
        campaign=campaign, student=student, answers={}, scores={}, crisis_flag=True, tier="orange"
    )
    return TrackingTask.objects.create(
        result=result,
        kind=TrackingTask.Kind.CRISIS_ASSESSMENT,
        due_at=timezone.now() + datetime.timedelta(hours=due_in_hours),
    )


def appointment(actor, case, *, at):
    made = services.appointment_plan(
        actor=actor,
        case=case,
        starts_at=timezone.now() + datetime.timedelta(hours=1),
        modality="face_to_face",
        kind="counselling",
    )
    type(made).objects.filter(pk=made.pk).update(starts_at=at)
    return made


@pytest.fixture
def day(alice, bob, make_case, campaign):
    """Alice's day: a follow-up overdue, one due later today, one next week; an appointment
    later today and one not yet logged from yesterday; a crisis task; an unread message. Bob has
    a follow-up and an appointment today too."""
    now = timezone.localtime()
    end_of_day = now.replace(hour=23, minute=59, second=0, microsecond=0)
    cases = [make_case(counsellor=alice) for _ in range(3)]
    overdue = services.follow_up_add(actor=alice, case=cases[0], due_at=now)
    type(overdue).objects.filter(pk=overdue.pk).update(due_at=now - datetime.timedelta(days=3))
    later = services.follow_up_add(actor=alice, case=cases[1], due_at=end_of_day)
    next_week = services.follow_up_add(
        actor=alice, case=cases[2], due_at=now + datetime.timedelta(days=7)
    )
    today_appointment = appointment(alice, cases[2], at=end_of_day)
    unlogged = appointment(alice, cases[1], at=now - datetime.timedelta(days=1))
    tomorrow = appointment(alice, cases[0], at=now + datetime.timedelta(days=1, hours=1))
    bob_case = make_case(counsellor=bob)
    bob_follow_up = services.follow_up_add(actor=bob, case=bob_case, due_at=end_of_day)
    bob_appointment = appointment(bob, bob_case, at=end_of_day)
    task = crisis_task(campaign)
    message = Notification.objects.create(user=alice, title="会商提醒", link="/counselling/")
    return {
        "cases": cases,
        "overdue": overdue,
        "later": later,
        "next_week": next_week,
        "today_appointment": today_appointment,
        "unlogged": unlogged,
        "tomorrow": tomorrow,
        "bob_case": bob_case,
        "bob_follow_up": bob_follow_up,
        "bob_appointment": bob_appointment,
        "task": task,
        "message": message,
    }


def test_a_counsellor_signs_in_to_today(client, alice):
    client.post("/login/", {"username": "counsellor", "password": "demo-password-for-tests"})
    response = pass_second_factor(client, alice)  # both steps, then home: "today"
    response = client.get(response.headers["Location"], follow=True)
    assert response.redirect_chain[-1][0] == "/counselling/today/"
    assert response.status_code == 200
    assert client.get("/").headers["Location"] == "/counselling/today/"


@pytest.mark.parametrize("username", ["supervisor", "liaison", "stats", "auditor"])
def test_other_roles_keep_the_home_page(client, username, demo_network):
    sign_in(client, username)
    assert client.get("/").status_code == 200


def test_today_shows_what_is_due_and_nothing_of_anyone_else(client, day):
    sign_in(client, "counsellor")
    page = client.get("/counselling/today/").text
    for follow_up in (day["overdue"], day["later"]):
        assert f"/counselling/follow-ups/{follow_up.pk}/" in page
    assert f"/counselling/follow-ups/{day['next_week'].pk}/" not in page
    for planned in (day["today_appointment"], day["unlogged"]):
        assert f"/counselling/appointments/{planned.pk}/session/" in page
    assert f"/counselling/appointments/{day['tomorrow'].pk}/session/" not in page
    assert f"/screening/results/{day['task'].result_id}/" in page
    assert "危机学生" in page
    assert "会商提醒" in page
    # Bob's day is not Alice's.
    assert f"/counselling/follow-ups/{day['bob_follow_up'].pk}/" not in page
    assert f"/counselling/appointments/{day['bob_appointment'].pk}/" not in page
    assert day["bob_case"].client.full_name not in page
    # The overdue follow-up comes first and says so.
    assert page.index(f"follow-ups/{day['overdue'].pk}/") < page.index(
        f"follow-ups/{day['later'].pk}/"
    )


def test_a_done_crisis_task_or_a_read_message_leaves_today(client, day):
    TrackingTask.objects.filter(pk=day["task"].pk).update(status="done")
    Notification.objects.filter(pk=day["message"].pk).update(read_at=timezone.now())
    sign_in(client, "counsellor")
    page = client.get("/counselling/today/").text
    assert "危机学生" not in page
    assert "会商提醒" not in page


def test_reading_today_is_audited_naming_the_cases_and_the_results(client, day):
    sign_in(client, "counsellor")
    client.get("/counselling/today/")
    listed = AuditEntry.objects.filter(actor_username="counsellor", action__endswith=".listed")
    cases = AuditRecord.objects.filter(entry__in=listed, target_type="counselling.case")
    assert {int(record.target_id) for record in cases} == {case.pk for case in day["cases"]}
    results = AuditRecord.objects.filter(entry__in=listed, target_type="screening.screeningresult")
    assert [int(record.target_id) for record in results] == [day["task"].result_id]


@pytest.mark.parametrize("username", NO_CLINICAL_ACCESS)
def test_roles_without_clinical_access_have_no_today(client, day, username):
    sign_in(client, username)
    response = client.get("/counselling/today/")
    assert response.status_code == 403
    assert "危机学生" not in response.text


def test_today_is_in_english_too(client, day):
    sign_in(client, "counsellor", language="en")
    page = client.get("/counselling/today/").text
    assert "Follow-ups due today and overdue" in page
    sign_in(client, "counsellor", language="zh-hans")
    page = client.get("/counselling/today/").text
    assert "今日" in page


TODAY_QUERIES = 20


def test_today_needs_a_fixed_number_of_queries(client, alice, day, make_case, campaign):
    sign_in(client, "counsellor")
    urls = {"today": "/counselling/today/", "caseload": "/counselling/"}
    pinned = {"today": TODAY_QUERIES, "caseload": 12}
    assert queries_per_page(client, urls) == pinned
    now = timezone.localtime()
    for _ in range(5):
        case = make_case(counsellor=alice)
        services.follow_up_add(actor=alice, case=case, due_at=now)
        appointment(alice, case, at=now.replace(hour=23, minute=50))
        crisis_task(campaign)
        Notification.objects.create(user=alice, title="提醒")
    assert queries_per_page(client, urls) == pinned


# The caseload ---------------------------------------------------------------------------------


def test_closed_cases_are_hidden_unless_asked_for(client, alice, make_case):
    open_case = make_case(counsellor=alice)
    closed = make_case(counsellor=alice)
    services.case_change_status(actor=alice, case=closed, status="closed", expected_version=1)
    sign_in(client, "counsellor")
    text = client.get("/counselling/").text
    assert f"/cases/{open_case.pk}/" in text
    assert f"/cases/{closed.pk}/" not in text
    text = client.get("/counselling/", {"status": "closed"}).text
    assert f"/cases/{closed.pk}/" in text
    assert f"/cases/{open_case.pk}/" not in text
    text = client.get("/counselling/", {"status": "all"}).text
    assert f"/cases/{closed.pk}/" in text
    assert f"/cases/{open_case.pk}/" in text


def test_the_caseload_pages_by_position_most_urgent_first(client, alice, make_case, monkeypatch):
    from counselling.views import CaseloadView

    monkeypatch.setattr(CaseloadView, "per_page", 2)
    low = [make_case(counsellor=alice, risk_level="low") for _ in range(2)]
    high = make_case(counsellor=alice, risk_level="high")
    imminent = make_case(counsellor=alice, risk_level="imminent")
    none = make_case(counsellor=alice)
    expected = [imminent, high, low[1], low[0], none]
    sign_in(client, "counsellor")
    seen, response = [], client.get("/counselling/", {"risk_level": ""})
    while True:
        seen += [case.pk for case in response.context["cases"]]
        older = response.context["page"].older
        if older is None:
            break
        assert "page=" not in response.text
        response = client.get("/counselling/", {"older": older})
    assert seen == [case.pk for case in expected]
    newer = response.context["page"].newer
    back = client.get("/counselling/", {"newer": newer})
    assert [case.pk for case in back.context["cases"]] == [low[1].pk, low[0].pk]
    assert client.get("/counselling/", {"older": "x~y"}).status_code == 400
    assert client.get("/counselling/", {"older": "4~²"}).status_code == 400
    assert client.get("/counselling/", {"older": "4~1\x00"}).status_code == 400
    assert client.get("/counselling/", {"older": "9" * 10_000}).status_code == 400


def test_within_a_risk_the_overdue_follow_ups_lead_then_the_soonest_due(
    client, alice, make_case, monkeypatch
):
    from counselling.models import Case, FollowUp
    from counselling.views import CaseloadView
    from tests.support.counselling import overdue_follow_up

    monkeypatch.setattr(CaseloadView, "per_page", 2)
    imminent = make_case(counsellor=alice, risk_level="imminent")
    soon = make_case(counsellor=alice, risk_level="high")
    services.follow_up_add(
        actor=alice, case=soon, due_at=timezone.now() + datetime.timedelta(days=5)
    )
    late = make_case(counsellor=alice, risk_level="high")
    overdue_follow_up(alice, late, days=1)
    latest = make_case(counsellor=alice, risk_level="high")
    overdue_follow_up(alice, latest, days=3)
    quiet = make_case(counsellor=alice, risk_level="high")
    low_overdue = make_case(counsellor=alice, risk_level="low")
    overdue_follow_up(alice, low_overdue, days=30)
    expected = [imminent, latest, late, soon, quiet, low_overdue]
    sign_in(client, "counsellor")
    seen, response = [], client.get("/counselling/")
    while True:
        seen += [case.pk for case in response.context["cases"]]
        if response.context["page"].older is None:
            break
        response = client.get("/counselling/", {"older": response.context["page"].older})
    assert seen == [case.pk for case in expected]
    assert client.get("/counselling/", {"older": "4~1"}).status_code == 400
    # Done, the follow-up no longer lifts the case: the trigger keeps the order.
    FollowUp.objects.filter(case=latest).update(status=FollowUp.Status.DONE)
    assert Case.objects.get(pk=latest.pk).attention == 0
    order = [case.pk for case in client.get("/counselling/").context["cases"]]
    assert order == [imminent.pk, late.pk]
    FollowUp.objects.filter(case=late).delete()
    assert Case.objects.get(pk=late.pk).attention == 0


def test_a_due_follow_up_after_a_crisis_is_flagged_on_the_row(client, alice, make_case):
    from counselling.models import FollowUp

    case = make_case(counsellor=alice, risk_level="high")
    follow_up = services.follow_up_add(
        actor=alice, case=case, due_at=timezone.now() + datetime.timedelta(days=2)
    )
    sign_in(client, "counsellor")
    assert "危机后随访" not in client.get("/counselling/").text
    FollowUp.objects.filter(pk=follow_up.pk).update(pathway=FollowUp.Pathway.CRISIS)
    row = client.get("/counselling/").context["cases"][0]
    assert row.crisis_follow_up
    assert "危机后随访" in client.get("/counselling/").text


@pytest.fixture
def searchable(alice, bob, make_case):
    mine = make_case(counsellor=alice)
    Client.objects.filter(pk=mine.client_id).update(full_name="欧阳晓雨", student_no="20260042")
    others = make_case(counsellor=bob)
    Client.objects.filter(pk=others.client_id).update(full_name="欧阳晓风", student_no="20260043")
    return mine, others


@pytest.mark.parametrize("text", ["晓雨", "欧阳", "20260042", "东湖区实验中学", "sch-0101"])
def test_the_search_finds_ones_own_cases_by_name_student_number_or_school(client, searchable, text):
    mine, others = searchable
    sign_in(client, "counsellor")
    response = client.post("/counselling/", {"text": text})
    assert response.status_code == 200
    assert f"/cases/{mine.pk}/" in response.text
    assert f"/cases/{others.pk}/" not in response.text
    assert "欧阳晓风" not in response.text


def test_the_search_finds_nothing_of_another_counsellor(client, searchable):
    _mine, others = searchable
    sign_in(client, "counsellor")
    for text in ["欧阳晓风", "20260043"]:
        response = client.post("/counselling/", {"text": text})
        assert f"/cases/{others.pk}/" not in response.text
        assert "No case matches." in response.text or "没有" in response.text


def test_the_supervisor_searches_the_sites_cases(client, searchable):
    mine, others = searchable
    sign_in(client, "supervisor")
    response = client.post("/counselling/", {"text": "欧阳"})
    assert f"/cases/{mine.pk}/" in response.text
    assert f"/cases/{others.pk}/" in response.text


def test_the_search_hides_closed_cases_unless_asked(client, alice, searchable):
    mine, _others = searchable
    services.case_change_status(actor=alice, case=mine, status="closed", expected_version=1)
    sign_in(client, "counsellor")
    assert f"/cases/{mine.pk}/" not in client.post("/counselling/", {"text": "晓雨"}).text
    response = client.post("/counselling/", {"text": "晓雨", "include_closed": "on"})
    assert f"/cases/{mine.pk}/" in response.text


def test_the_search_is_audited_without_the_text_and_never_in_the_address(client, searchable):
    mine, _others = searchable
    sign_in(client, "counsellor")
    response = client.post("/counselling/", {"text": "欧阳晓雨"})
    assert 'method="post"' in response.text
    entry = AuditEntry.objects.filter(action="counselling.case.listed").latest("id")
    assert entry.data == {"search": True, "records": 1}
    assert "欧阳" not in str(entry.__dict__)
    assert [record.target_id for record in entry.records.all()] == [str(mine.pk)]
    # A name in the address is not a search: the plain caseload.
    text = client.get("/counselling/", {"text": "欧阳晓风"}).text
    assert "欧阳晓风" not in text


@pytest.mark.parametrize("text", ["", "   ", "x" * 10_000, "欧阳\x00", "%", "_", "\\"])
def test_hostile_search_text_is_a_400_or_nothing_found_never_a_500(client, searchable, text):
    sign_in(client, "counsellor")
    response = client.post("/counselling/", {"text": text})
    assert response.status_code in {200, 400}
    if response.status_code == 200:
        assert "欧阳晓风" not in response.text
        assert "欧阳晓雨" not in response.text  # wildcards are matched as typed


@pytest.mark.parametrize("username", NO_CLINICAL_ACCESS)
def test_roles_without_clinical_access_cannot_search(client, searchable, username):
    sign_in(client, username)
    response = client.post("/counselling/", {"text": "欧阳"})
    assert response.status_code == 403
    assert "欧阳" not in response.text


SEARCH_QUERIES = 12


def test_the_search_needs_a_fixed_number_of_queries(client, alice, make_case, searchable):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    sign_in(client, "counsellor")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.post("/counselling/", {"text": "学生"}).status_code == 200
        return len(queries)

    make_case(counsellor=alice)  # one match (no match writes no audited records)
    first = count()
    for _ in range(10):
        make_case(counsellor=alice)
    assert (first, count()) == (SEARCH_QUERIES, SEARCH_QUERIES)
