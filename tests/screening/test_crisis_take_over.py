"""The crisis team takes over an overdue assessment from the result page (issue 13, DOMAIN.md
§5.3: active level 1 and 2 records): school and liaison, the guardians of a referred student's
case (an audited read of that child's file) and the C-SSRS interview — never scores; a result
outside red and orange shows them none of it and refuses the interview."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from centre.models import AuditEntry
from screening import scoring
from screening.models import RosterImport, ScreeningResult, TrackingTask
from tests.support.accounts import switch_to
from tests.support.queries import count_queries
from tests.support.rosters import csv_bytes, roster_rows, student_row

pytestmark = pytest.mark.django_db

CSSRS_LOW = {"action": "cssrs", "q1": "yes", "q2": "no", "q6": "no"}


@pytest.fixture
def imported(client, campaign):
    rows = roster_rows(4)
    rows[0] = student_row(1, phq=[3, 3, 3, 3, 3, 1, 1, 0, 2])  # orange, crisis task
    switch_to(client, "liaison")
    upload = SimpleUploadedFile("名单.csv", csv_bytes(rows))
    assert client.post(f"/screening/campaigns/{campaign.pk}/", {"file": upload}).status_code == 302
    client.logout()
    return RosterImport.objects.get()


def flagged() -> ScreeningResult:
    return ScreeningResult.objects.get(crisis_flag=True)


def unflagged() -> ScreeningResult:
    return ScreeningResult.objects.filter(crisis_flag=False, tier="none").first()


def test_the_crisis_team_sees_what_it_needs_to_act_and_no_scores(client, imported, campaign):
    result = flagged()
    switch_to(client, "crisis")
    response = client.get(f"/screening/results/{result.pk}/")
    assert response.status_code == 200
    page = response.text
    section = page.split('id="take-over"')[1].split("</section>")[0]
    assert campaign.school.name in section
    assert campaign.school.code in section
    assert campaign.liaison.get_full_name() in section
    assert 'id="cssrs-form"' in section
    assert "请联系学校联络员" in section  # not referred: no guardian recorded yet
    assert 'id="scores"' not in page
    assert "norm" not in page.lower()
    assert AuditEntry.objects.filter(
        actor__username="crisis", action="screening.result.viewed", target_id=str(result.pk)
    ).exists()


def test_the_crisis_team_records_the_interview_and_the_crisis_task_closes(client, imported):
    result = flagged()
    switch_to(client, "crisis")
    response = client.post(f"/screening/results/{result.pk}/", CSSRS_LOW)
    assert response.status_code == 302
    result.refresh_from_db()
    assert result.cssrs_band == "low"
    assert result.tier_confirmed
    assert not result.tasks.filter(kind="crisis", status="open").exists()
    assert result.answers[scoring.CSSRS]["q1"] is True


def test_a_referred_students_guardians_are_shown_and_the_read_is_audited(
    client, imported, make_case, alice
):
    result = flagged()
    case = make_case(counsellor=alice, risk_level="high")
    TrackingTask.objects.filter(result=result).update(case=case)
    switch_to(client, "crisis")
    page = client.get(f"/screening/results/{result.pk}/").text
    contacts = page.split('id="guardian-contacts"')[1].split("</ul>")[0]
    assert "13800000000" in contacts
    assert 'href="tel:13800000000"' in contacts
    entry = AuditEntry.objects.get(actor__username="crisis", action="counselling.client.viewed")
    assert entry.target_id == str(case.client_id)
    assert entry.data == {"guardian_contacts": True, "result": result.pk}


def test_outside_red_and_orange_the_crisis_team_gets_none_of_it(client, imported):
    result = unflagged()
    switch_to(client, "crisis")
    page = client.get(f"/screening/results/{result.pk}/").text
    assert 'id="take-over"' not in page
    assert 'id="cssrs-form"' not in page
    assert client.post(f"/screening/results/{result.pk}/", CSSRS_LOW).status_code == 403
    result.refresh_from_db()
    assert not result.cssrs_band


@pytest.mark.parametrize("action", ["tier", "approve", "decline", "", "cssrs2"])
def test_the_crisis_team_changes_nothing_else(client, imported, action):
    result = flagged()
    switch_to(client, "crisis")
    response = client.post(
        f"/screening/results/{result.pk}/", {"action": action, "tier": "none", "reason": "x" * 20}
    )
    assert response.status_code == 403
    result.refresh_from_db()
    assert result.tier == "orange"


def test_a_liaison_still_records_no_interview(client, imported):
    result = flagged()
    switch_to(client, "liaison")
    page = client.get(f"/screening/results/{result.pk}/").text
    assert 'id="take-over"' not in page
    assert client.post(f"/screening/results/{result.pk}/", CSSRS_LOW).status_code == 403


def test_a_hostile_interview_is_a_400_not_a_500(client, imported):
    result = flagged()
    switch_to(client, "crisis")
    for answers in [{"q1": "\x00"}, {"q1": "yes" * 4000}, {"q1": "²", "q2": "no", "q6": "no"}]:
        response = client.post(f"/screening/results/{result.pk}/", {"action": "cssrs", **answers})
        assert response.status_code == 400
    result.refresh_from_db()
    assert not result.cssrs_band


def test_the_take_over_page_needs_a_fixed_number_of_queries(client, imported, make_case, alice):
    result = flagged()
    switch_to(client, "crisis")
    assert count_queries(client, f"/screening/results/{result.pk}/") == 13  # + referral feedback
    TrackingTask.objects.filter(result=result).update(case=make_case(counsellor=alice))
    assert (
        count_queries(client, f"/screening/results/{result.pk}/") == 15
    )  # + guardians, their audit


def test_overdue_assessments_reach_the_crisis_team_as_one_message_naming_the_schools(
    imported, campaign, account
):
    import datetime

    from django.utils import timezone

    from centre import reminders
    from centre.models import Reminder
    from screening import services

    TrackingTask.objects.filter(kind="crisis").update(
        due_at=timezone.now() - datetime.timedelta(hours=1)
    )
    assert services.escalate_overdue_crisis_tasks() == 1
    assert services.escalate_overdue_crisis_tasks() == 0
    (message,) = Reminder.objects.filter(template="screening_crisis_overdue_batch")
    assert message.recipient == account("crisis")
    assert message.params == {"tasks": 1, "schools": [[campaign.school.code, 1]]}
    text = reminders.render(
        template=message.template, params=message.params, language="en", channel="inbox"
    )
    assert text.title == "1 overdue assessment to take over"
    assert f"{campaign.school.code} (1)" in text.body
    student = flagged().student
    assert student.full_name not in text.title + text.body
    chinese = reminders.render(
        template=message.template, params=message.params, language="zh-hans", channel="inbox"
    )
    assert chinese.title == "有 1 项逾期评估需要接手"
