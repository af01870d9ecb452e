"""A school-side task done with its outcome (the liaison's, issue 13), and the referral feedback
meant for the school shown to the school (DOMAIN.md §2.4: attendance, return-to-school advice,
accommodations; no diagnosis)."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from centre.models import AuditEntry, Reminder
from counselling.models import Referral
from screening.models import TrackingTask
from tests.support.accounts import sign_in
from tests.support.board import flag_students
from tests.support.queries import count_queries

FEEDBACK = "学生已按时就诊，可正常返校；建议减少课后作业量两周。"


@pytest.fixture
def watch(campaign):
    """A blue student's class-teacher watch, among others' tasks."""
    tasks = flag_students(campaign, 48)  # the blue are 36–47
    return next(task for task in tasks if task.kind == "watch")


def done_url(task) -> str:
    return f"/screening/tasks/{task.pk}/done/"


def test_the_liaison_marks_a_watch_done_with_its_outcome(client, watch):
    sign_in(client, "liaison")
    assert "task-done-link" in client.get("/screening/board/").text
    assert client.get(done_url(watch)).status_code == 200
    response = client.post(done_url(watch), {"outcome": "nothing", "outcome_note": "一切正常"})
    assert response.status_code == 302
    watch.refresh_from_db()
    assert (watch.status, watch.outcome, watch.outcome_note) == ("done", "nothing", "一切正常")
    assert watch.done_by.username == "liaison"
    assert watch.done_at is not None
    entry = AuditEntry.objects.get(action="screening.task.done")
    assert entry.data == {"task": watch.pk, "outcome": "nothing"}
    board = client.get("/screening/board/", {"status": "done"})
    assert watch.result.student.student_no in board.text
    assert "已完成：未见需要关注的情况" in board.text  # the page speaks Chinese
    again = client.post(done_url(watch), {"outcome": "nothing"})
    assert again.status_code == 400  # done once
    assert not Reminder.objects.exists()


def test_a_concern_needs_words_and_tells_the_sites_clinicians(client, watch):
    sign_in(client, "liaison")
    assert (
        client.post(done_url(watch), {"outcome": "concern", "outcome_note": " \u200b "}).status_code
        == 400
    )
    response = client.post(done_url(watch), {"outcome": "concern", "outcome_note": "上课常哭"})
    assert response.status_code == 302
    told = Reminder.objects.filter(template="screening_school_concern")
    assert {reminder.recipient.username for reminder in told} >= {"counsellor", "supervisor"}
    assert "liaison" not in {reminder.recipient.username for reminder in told}
    for reminder in told:
        assert reminder.params == {"result": watch.result_id, "school": "SCH-0101"}  # no name


@pytest.mark.parametrize(
    "data",
    [
        {"outcome": "nothing", "outcome_note": "x" * 10_000},
        {"outcome": "nothing", "outcome_note": "a\x00b"},
        {"outcome": "purple"},
        {},
    ],
)
def test_hostile_outcomes_are_refused_with_400(client, watch, data):
    sign_in(client, "liaison")
    assert client.post(done_url(watch), data).status_code == 400
    watch.refresh_from_db()
    assert watch.status == "open"


def test_a_clinicians_task_is_not_done_from_the_school(client, campaign):
    tasks = flag_students(campaign, 4)
    sign_in(client, "liaison")
    for task in tasks:
        if task.kind != "watch":
            assert client.get(done_url(task)).status_code == 404
            assert client.post(done_url(task), {"outcome": "nothing"}).status_code == 404


@pytest.mark.parametrize(
    ("username", "status"), [("liaison2", 404), ("crisis", 404), ("operator", 404), ("stats", 404)]
)
def test_other_roles_and_schools_cannot_mark_it_done(client, watch, username, status):
    sign_in(client, username)
    assert client.get(done_url(watch)).status_code == status
    assert client.post(done_url(watch), {"outcome": "nothing"}).status_code == status
    watch.refresh_from_db()
    assert watch.status == "open"


def test_the_site_counsellor_may_mark_it_done_too(client, watch):
    sign_in(client, "counsellor")
    assert client.post(done_url(watch), {"outcome": "left"}).status_code == 302
    watch.refresh_from_db()
    assert (watch.status, watch.done_by.username) == ("done", "counsellor")


def test_the_school_sees_the_referral_feedback_meant_for_it(client, campaign, make_case, alice):
    task = flag_students(campaign, 1)[0]
    case = make_case(counsellor=alice)
    Referral.objects.create(
        case=case,
        destination="hospital_psychiatry",
        status="feedback",
        reason="评估",
        due_at=timezone.now() + datetime.timedelta(days=1),
        created_by=alice,
        feedback_to_school=FEEDBACK,
    )
    TrackingTask.objects.filter(pk=task.pk).update(status="referred", case=case)
    sign_in(client, "liaison")
    board = client.get("/screening/board/", {"status": "referred"})
    assert f"/screening/results/{task.result_id}/#school-feedback" in board.text
    page = client.get(f"/screening/results/{task.result_id}/")
    assert FEEDBACK in page.text
    assert f"/counselling/cases/{case.pk}/" not in page.text  # the case stays the centre's
    client.logout()
    sign_in(client, "liaison2")
    assert client.get(f"/screening/results/{task.result_id}/").status_code == 404
    assert FEEDBACK not in client.get("/screening/board/", {"status": "all"}).text


def test_the_done_page_reads_a_fixed_number_of_queries(client, watch):
    sign_in(client, "liaison")
    assert count_queries(client, done_url(watch)) == 9


def test_feedback_is_hidden_from_the_school_once_sharing_with_it_is_withdrawn(
    client, campaign, make_case, alice
):
    from counselling import services
    from counselling.models import Consent

    task = flag_students(campaign, 1)[0]
    case = make_case(counsellor=alice)
    Referral.objects.create(
        case=case,
        destination="hospital_psychiatry",
        status="feedback",
        reason="评估",
        due_at=timezone.now() + datetime.timedelta(days=1),
        created_by=alice,
        feedback_to_school=FEEDBACK,
    )
    TrackingTask.objects.filter(pk=task.pk).update(status="referred", case=case)
    consent = services.consent_record(
        actor=alice,
        client=case.client,
        purpose=Consent.Purpose.SHARE_WITH_SCHOOL,
        given_by=Consent.GivenBy.GUARDIAN,
        guardian=case.client.guardians.first(),
        version="2026-01",
    )
    sign_in(client, "liaison")
    result_url = f"/screening/results/{task.result_id}/"
    assert FEEDBACK in client.get(result_url).text  # shared while the consent is in force
    services.consent_withdraw(actor=alice, consent=consent)
    page = client.get(result_url)
    assert page.status_code == 200
    assert FEEDBACK not in page.text
    board = client.get("/screening/board/", {"status": "referred"})
    assert f"{result_url}#school-feedback" not in board.text
