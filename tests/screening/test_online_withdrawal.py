"""What a withdrawal of consent does (issue 16, DOMAIN.md §5.2 and §2.4), and codes for students
already screened: a refusal recorded before anyone consented stops everything new as a
withdrawal does; the student's open tasks are cancelled with the withdrawal as their reason,
except a crisis task (and a red tier's first action), kept and marked for the clinician; a class
opened online gives no slip to a student who already has a result, and the progress counts a
roster arriving after the slips as screened."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone

from centre.errors import ConflictError, ServiceError
from centre.models import AuditEntry, Reminder
from centre.reminders import reminder_plan
from screening import selectors
from screening.models import (
    OnlineCode,
    ScreeningResult,
    StudentConsent,
    Tier,
    TrackingTask,
)
from screening.services import (
    consent_record_guardians,
    consent_withdraw,
    escalate_overdue_crisis_tasks,
    online,
)
from tests.screening.test_online import all_zero, answer_all, begin, guardians_agree, new_student
from tests.screening.test_online_consent import import_roster, open_class
from tests.support.accounts import sign_in
from tests.support.clock import years_ago

pytestmark = pytest.mark.usefixtures("fresh_rates")


# Item 9 = 1: the C-SSRS crisis task (the tier held at orange until it is done).
FLAGGED = {"PHQ-A:1": 3, "PHQ-A:2": 3, "PHQ-A:3": 3, "PHQ-A:9": 1}
# A PHQ-A total of 15, item 9 at 0: orange by score alone, a routine interview within 3 days.
ORANGE_CALM = {f"PHQ-A:{n}": 3 for n in range(1, 6)}


def submitted(campaign, liaison, student, answers) -> ScreeningResult:
    session = begin(open_class(campaign, liaison, student.class_name)[student.pk])
    answer_all(session, all_zero(campaign) | answers)
    result = online.online_submit(session_id=session.pk).result
    assert result is not None
    return result


def withdraw_url(campaign, student) -> str:
    return f"/screening/campaigns/{campaign.pk}/consent/students/{student.pk}/withdraw/"


# 1. A refusal before anyone consented ----------------------------------------------------------


def test_a_guardians_refusal_before_any_consent_stops_the_code_and_the_roster(by_age, account):
    liaison = account("liaison")
    student = new_student(by_age.school, birth_date=years_ago(12))
    other = new_student(by_age.school, birth_date=years_ago(12))
    codes = open_class(by_age, liaison)
    assert consent_withdraw(actor=liaison, campaign=by_age, student=student) == 0
    refusal = StudentConsent.objects.get(student=student)
    assert (refusal.given_by, refusal.refused, refusal.withdrawn_by) == ("guardian", True, liaison)
    assert refusal.withdrawn_at is not None
    with pytest.raises(online.CodeRefusedError) as refused:
        online.online_start(code=codes[student.pk])
    assert refused.value.code == "withdrawn"
    # the slip coming back later is not recorded: the refusal is final for the campaign
    assert consent_record_guardians(actor=liaison, campaign=by_age, students=[student]) == 0
    roster = import_roster(by_age, liaison, [student, other])
    assert roster.imported_rows == 1
    assert "withdrawn" in roster.errors[0]["reason"]
    assert not ScreeningResult.objects.filter(student=student).exists()
    with pytest.raises(ServiceError) as again:
        consent_withdraw(actor=liaison, campaign=by_age, student=student)
    assert again.value.code == "withdrawn"
    assert StudentConsent.objects.filter(student=student).count() == 1
    entry = AuditEntry.objects.get(action="screening.consent.withdrawn")
    assert entry.data == {"campaign": by_age.pk, "consents": 0, "refused_by": "guardian"}
    assert student.full_name not in str(entry.data)


def test_a_14_year_old_refuses_alone_a_13_year_old_or_unknown_age_cannot(by_age, account):
    liaison = account("liaison")
    fifteen = new_student(by_age.school, birth_date=years_ago(15))
    thirteen = new_student(by_age.school, birth_date=years_ago(13))
    unknown = new_student(by_age.school)
    unknown.birth_date = None
    unknown.save()
    for student in (thirteen, unknown):
        with pytest.raises(ServiceError) as refused:
            consent_withdraw(actor=liaison, campaign=by_age, student=student, refused_by="student")
        assert refused.value.code == "invalid"
    with pytest.raises(ServiceError):
        consent_withdraw(actor=liaison, campaign=by_age, student=fifteen, refused_by="anyone")
    assert not StudentConsent.objects.exists()
    consent_withdraw(actor=liaison, campaign=by_age, student=fifteen, refused_by="student")
    assert StudentConsent.objects.get().given_by == "student"
    assert not selectors.consent_state(
        campaign=by_age, student=fifteen, on=timezone.localdate()
    ).may_start


def test_the_withdrawal_page_asks_who_refused_when_nobody_consented(client, by_age):
    twelve = new_student(by_age.school, birth_date=years_ago(12))
    fifteen = new_student(by_age.school, birth_date=years_ago(15))
    sign_in(client, "liaison", language="en")
    slips = client.get(f"/screening/campaigns/{by_age.pk}/consent/slips/?class=3班")
    assert withdraw_url(by_age, twelve) in slips.text  # the link is there before any consent
    page = client.get(withdraw_url(by_age, twelve))
    assert 'id="consent-refused-by"' in page.text
    assert 'value="student"' not in page.text  # under 14: the guardian's refusal only
    assert 'value="student"' in client.get(withdraw_url(by_age, fifteen)).text
    forged = client.post(withdraw_url(by_age, twelve), {"confirm": "yes", "refused_by": "student"})
    assert forged.status_code == 302
    assert "the refusal is the guardian" in client.get(forged["Location"]).text
    assert not StudentConsent.objects.exists()
    response = client.post(withdraw_url(by_age, twelve), {"confirm": "yes"})
    assert response.status_code == 302
    assert StudentConsent.objects.get().refused
    listed = client.get(response["Location"])
    assert withdraw_url(by_age, twelve) not in listed.text  # withdrawn: nothing more to record
    again = client.post(withdraw_url(by_age, twelve), {"confirm": "yes"})
    assert "already withdrawn" in client.get(again["Location"]).text
    assert StudentConsent.objects.count() == 1


def test_other_roles_get_404_and_record_nothing(client, by_age, account):
    student = new_student(by_age.school, birth_date=years_ago(12))
    for username in ("liaison2", "stats", "auditor", "crisis", "operator"):
        sign_in(client, username, language="en")
        assert client.get(withdraw_url(by_age, student)).status_code in (403, 404)
        posted = client.post(withdraw_url(by_age, student), {"confirm": "yes"})
        assert posted.status_code in (403, 404)
        client.logout()
    assert not StudentConsent.objects.exists()


# 3. The student's open tasks ---------------------------------------------------------------------


def plan_reminder_about(task: TrackingTask, recipient) -> Reminder:
    return reminder_plan(
        key=f"test:{task.pk}",
        channel=Reminder.Channel.INBOX,
        due_at=timezone.now() + datetime.timedelta(days=1),
        template="screening_school_concern",
        params={"result": task.result_id, "school": "S"},
        recipient=recipient,
        target=task,
    )


def test_a_withdrawal_keeps_the_crisis_task_open_and_marked(client, by_age, account):
    liaison = account("liaison")
    student = new_student(by_age.school)
    result = submitted(by_age, liaison, student, FLAGGED)
    crisis = result.tasks.get()
    assert crisis.kind == "crisis"
    reminder = plan_reminder_about(crisis, account("counsellor"))
    consent_withdraw(actor=liaison, campaign=by_age, student=student)
    crisis.refresh_from_db()
    assert crisis.status == "open"
    assert crisis.consent_withdrawn_at is not None
    reminder.refresh_from_db()
    assert reminder.status == Reminder.Status.PENDING  # its task is still to be done
    entry = AuditEntry.objects.get(action="screening.task.consent_withdrawn")
    assert entry.data == {"kept": [crisis.pk], "cancelled": [], "reminders_cancelled": 0}
    assert ScreeningResult.objects.filter(pk=result.pk).exists()  # the result is kept
    # the counsellor sees why, on the result and on the board
    sign_in(client, "counsellor", language="en")
    page = client.get(f"/screening/results/{result.pk}/")
    assert "consent withdrawn: kept open for the student" in page.text
    board = client.get("/screening/board/")
    assert "consent withdrawn: kept open" in board.text
    # overdue, the kept crisis task still escalates to the crisis team
    TrackingTask.objects.filter(pk=crisis.pk).update(due_at=timezone.now())
    assert escalate_overdue_crisis_tasks() == 1


def test_a_withdrawal_cancels_a_routine_interview_with_its_reminders(client, by_age, account):
    liaison = account("liaison")
    student = new_student(by_age.school)
    result = submitted(by_age, liaison, student, ORANGE_CALM)
    interview = result.tasks.get()
    assert (result.tier, interview.kind) == (Tier.ORANGE, "interview")
    reminder = plan_reminder_about(interview, account("counsellor"))
    consent_withdraw(actor=liaison, campaign=by_age, student=student)
    interview.refresh_from_db()
    assert interview.status == "cancelled"
    assert interview.consent_withdrawn_at is not None
    assert interview.done_by == liaison
    reminder.refresh_from_db()
    assert reminder.status == Reminder.Status.CANCELLED
    entry = AuditEntry.objects.get(action="screening.task.consent_withdrawn")
    assert entry.data == {"kept": [], "cancelled": [interview.pk], "reminders_cancelled": 1}
    sign_in(client, "counsellor", language="en")
    page = client.get(f"/screening/results/{result.pk}/")
    assert re.search(r"Cancelled · <span[^>]*>consent withdrawn</span>", page.text)


def test_a_red_tiers_first_action_stays_open_marked(by_age, account):
    liaison = account("liaison")
    student = new_student(by_age.school)
    result = submitted(by_age, liaison, student, ORANGE_CALM)
    # as a C-SSRS "high" confirms it: red, its interview within hours
    ScreeningResult.objects.filter(pk=result.pk).update(tier=Tier.RED)
    consent_withdraw(actor=liaison, campaign=by_age, student=student)
    statuses = {(t.status, t.consent_withdrawn_at is not None) for t in result.tasks.all()}
    assert statuses == {("open", True)}


def test_done_tasks_and_other_campaigns_are_not_touched(by_age, account):
    liaison = account("liaison")
    student, classmate = new_student(by_age.school), new_student(by_age.school)
    _window, slips = online.online_open(actor=liaison, campaign=by_age, class_name="3班")
    codes = {s.pk: code for s, code in slips}
    results = {}
    for each in (student, classmate):
        session = begin(codes[each.pk])
        answer_all(session, all_zero(by_age) | FLAGGED)
        results[each.pk] = ScreeningResult.objects.get(
            pk=online.online_submit(session_id=session.pk).result_id
        )
    crisis = results[student.pk].tasks.get(kind="crisis")
    TrackingTask.objects.filter(pk=crisis.pk).update(status="done", done_at=timezone.now())
    consent_withdraw(actor=liaison, campaign=by_age, student=student)
    crisis.refresh_from_db()
    assert (crisis.status, crisis.consent_withdrawn_at) == ("done", None)
    assert set(results[classmate.pk].tasks.values_list("status", flat=True)) == {"open"}
    assert not results[classmate.pk].tasks.filter(consent_withdrawn_at__isnull=False).exists()


def test_a_withdrawal_without_a_result_touches_no_task(by_age, account):
    student = new_student(by_age.school, birth_date=years_ago(12))
    guardians_agree(by_age, student)
    consent_withdraw(actor=account("liaison"), campaign=by_age, student=student)
    assert not AuditEntry.objects.filter(action="screening.task.consent_withdrawn").exists()


# 4. Codes for students already screened --------------------------------------------------------


def test_opening_a_class_skips_students_already_screened(client, by_age, account):
    liaison = account("liaison")
    rostered, first, second = (new_student(by_age.school) for _ in range(3))
    import_roster(by_age, liaison, [rostered])
    window, slips = online.online_open(actor=liaison, campaign=by_age, class_name="3班")
    assert sorted(student.pk for student, _code in slips) == sorted([first.pk, second.pk])
    assert not OnlineCode.objects.filter(student=rostered).exists()
    opened = AuditEntry.objects.get(action="screening.online.opened")
    assert opened.data["codes"] == 2
    assert opened.data["screened"] == 1
    [progress] = selectors.online_progress(campaign=by_age)
    assert (progress["not_yet"], progress["screened"], progress["submitted"]) == (2, 1, 0)
    # the sheet of slips says why one is missing; the reprint skips them too
    sign_in(client, "liaison", language="en")
    reprinted = client.post(f"/screening/online/windows/{window.pk}/reprint/", {"confirm": "yes"})
    assert reprinted.status_code == 200
    assert "1 student of the class is already screened" in reprinted.text
    assert rostered.full_name not in reprinted.text
    assert first.full_name in reprinted.text
    page = client.get(f"/screening/campaigns/{by_age.pk}/")
    cells = re.findall(r'<td data-count="(\w+)">(\d+)</td>', page.text)
    assert ("screened", "1") in cells


def test_a_class_whose_every_student_is_screened_is_not_opened(by_age, account):
    liaison = account("liaison")
    students = [new_student(by_age.school) for _ in range(2)]
    import_roster(by_age, liaison, students)
    with pytest.raises(ServiceError) as refused:
        online.online_open(actor=liaison, campaign=by_age, class_name="3班")
    assert refused.value.code == "all_screened"
    assert not by_age.windows.exists()


def test_a_roster_after_the_slips_counts_the_student_as_screened(client, by_age, account):
    liaison = account("liaison")
    late, waiting, started = (new_student(by_age.school) for _ in range(3))
    window, slips = online.online_open(actor=liaison, campaign=by_age, class_name="3班")
    codes = {s.pk: code for s, code in slips}
    begin(codes[late.pk])  # began online, then the school's paper roster came in
    begin(codes[started.pk])
    import_roster(by_age, liaison, [late])
    [progress] = selectors.online_progress(campaign=by_age)
    counts = {key: progress[key] for key in ("submitted", "started", "not_yet", "screened")}
    assert counts == {"submitted": 0, "started": 1, "not_yet": 1, "screened": 1}
    # the class teacher is not asked to chase them; no new code for them
    not_yet = [code.student_id for code in selectors.online_not_submitted(window_id=window.pk)]
    assert sorted(not_yet) == sorted([waiting.pk, started.pk])
    with pytest.raises(ConflictError) as refused:
        online.online_code_reissue(actor=liaison, window=window, student_id=late.pk)
    assert refused.value.code == "not_needed"
    assert [s.pk for s, _code in online.online_codes_reprint(actor=liaison, window=window)] == [
        waiting.pk
    ]
    # the code still works (the crisis path): item 9 online is kept on the roster's result
    session = online.online_start(code=codes[late.pk])
    answer_all(session, all_zero(by_age) | {"PHQ-A:9": 2})
    online.online_submit(session_id=session.pk)
    result = ScreeningResult.objects.get(student=late)
    assert result.roster_import_id is not None
    assert result.crisis_flag
    assert result.tasks.filter(kind="crisis", status="open").exists()
    [progress] = selectors.online_progress(campaign=by_age)
    assert (progress["submitted"], progress["screened"]) == (1, 0)


def test_the_public_pages_never_say_already_screened(client, by_age, account):
    liaison = account("liaison")
    late, other = new_student(by_age.school), new_student(by_age.school)
    codes = open_class(by_age, liaison)
    import_roster(by_age, liaison, [late])
    pages = {
        student: client.post("/screening/online/", {"code": codes[student.pk]})
        for student in (late, other)
    }
    assert pages[late].status_code == pages[other].status_code
    assert pages[late]["Location"] == pages[other]["Location"]
    walked = {}
    for student in (late, other):
        client.cookies.clear()
        client.post("/screening/online/", {"code": codes[student.pk]})
        walked[student] = client.get("/screening/online/question/", follow=True)
    assert walked[late].redirect_chain == walked[other].redirect_chain
    assert walked[late].status_code == walked[other].status_code == 200
    for text in (walked[late].text, pages[late].text):
        assert "screened" not in text.lower()
        assert "roster" not in text.lower()
        assert "名单" not in text
        assert "已完成筛查" not in text


def test_a_withdrawal_between_a_rosters_check_and_its_storing_keeps_the_row_out(by_age, account):
    """A roster is validated (no withdrawal yet), then the guardian's withdrawal commits, then
    the roster's rows are stored: store_rows reads withdrawals again under the students' locks,
    so the withdrawn student's row stores nothing and the classmate's is stored."""
    from screening import importing
    from screening.models import RosterImport
    from tests.screening.test_online_consent import roster_row
    from tests.support.rosters import csv_bytes

    liaison = account("liaison")
    student, classmate = new_student(by_age.school), new_student(by_age.school)
    data = csv_bytes([roster_row(s) + [0] * 16 for s in (student, classmate)])
    validated = importing.validate(data, "r.csv", by_age)
    assert len(validated.rows) == 2
    consent_withdraw(actor=liaison, campaign=by_age, student=student)
    roster = RosterImport.objects.create(
        campaign=by_age, uploaded_by=liaison, original_name="r.csv"
    )
    imported, _unchanged, stored = importing.store_rows(by_age, validated.rows, roster)
    assert imported == 1
    assert set(stored) == {classmate.student_no}
    assert not ScreeningResult.objects.filter(student=student).exists()
    assert ScreeningResult.objects.filter(student=classmate).exists()
