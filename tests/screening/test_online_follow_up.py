"""The online self-assessment's follow-up (issue 16): a submission that needs action now tells
the crisis team and the school's counsellors at once (a real worker); the liaison is reminded
before a class closes of the students who have not answered (a task, not data); the class
teacher's sheet of those students; the live progress counts; a new code for a lost slip."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone

from centre.content_filter import forbidden_words
from centre.models import AuditEntry, Notification, Reminder
from centre.reminders import render
from screening.models import OnlineSession, TrackingTask
from screening.services import online
from tests.screening.test_online import all_zero, answer_all, begin, guardians_agree, new_student
from tests.support.accounts import sign_in
from tests.support.worker import wait_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_rates")]

OTHER_ROLES = ["liaison2", "crisis", "operator", "stats", "auditor", "outreach"]


@pytest.fixture
def opened(online_campaign, account):
    """3班 (three students) opened online by the liaison: the window and each student's code."""
    students = [new_student(online_campaign.school) for _ in range(3)]
    guardians_agree(online_campaign, *students)
    window, slips = online.online_open(
        actor=account("liaison"), campaign=online_campaign, class_name="3班"
    )
    codes = {student.pk: code for student, code in slips}
    return window, [(student, codes[student.pk]) for student in students]


def submit(code: str, answers: dict[str, int] | None = None) -> OnlineSession:
    """The student answers every question (0 but `answers`) and submits."""
    session = begin(code=code)
    answer_all(session, all_zero(session.code.window.campaign) | (answers or {}))
    return online.online_submit(session_id=session.pk)


def action_now(task: TrackingTask):
    return Reminder.objects.filter(template="screening_online_action_now", target_id=str(task.pk))


# 1. Crisis within seconds -----------------------------------------------------------------------


def test_a_crisis_answer_plans_an_inbox_message_for_the_crisis_team_and_counsellors(
    opened, account, django_capture_on_commit_callbacks
):
    _window, slips = opened
    with django_capture_on_commit_callbacks() as callbacks:
        submitted = submit(slips[0][1], {"PHQ-A:9": 2})
    task = TrackingTask.objects.get(result=submitted.result, kind="crisis")
    told = action_now(task)
    recipients = set(told.values_list("recipient__username", flat=True))
    # The city's crisis team and the counsellors of K01 (the school's site tree); not the
    # liaison, not the supervisor, not the other county's staff.
    assert recipients == {"crisis", "counsellor", "counsellor2"}
    assert set(told.values_list("channel", flat=True)) == {"inbox"}
    assert all(row.due_at <= timezone.now() for row in told)
    assert callbacks, "dispatched on commit, not at the beat's next minute"
    for language in ("zh-hans", "en"):
        message = render(
            template="screening_online_action_now",
            params=told.first().params,
            language=language,
            channel="inbox",
        )
        text = f"{message.title} {message.body} {message.link}"
        assert not forbidden_words(text)
        assert submitted.code.student.full_name not in text
        assert submitted.code.student.student_no not in text
        assert message.link == f"/screening/results/{submitted.result_id}/"
    assert told.first().params == {"result": submitted.result_id}


def test_a_calm_submission_tells_no_one(opened):
    _window, slips = opened
    submit(slips[0][1])
    assert not Reminder.objects.filter(template="screening_online_action_now").exists()


def test_a_lifetime_attempt_alone_tells_them_too(opened):
    _window, slips = opened
    submitted = submit(slips[0][1], {"supplementary:lifetime_attempt": 1})
    task = TrackingTask.objects.get(result=submitted.result, kind="crisis")
    assert action_now(task).count() == 3


def test_the_real_worker_puts_it_in_the_crisis_inbox_within_seconds(
    celery_worker, client, online_campaign, account
):
    student = new_student(online_campaign.school)
    guardians_agree(online_campaign, student)
    _window, slips = online.online_open(
        actor=account("liaison"), campaign=online_campaign, class_name=student.class_name
    )
    submitted = submit(slips[0][1], {"PHQ-A:9": 2})
    task = TrackingTask.objects.get(result=submitted.result, kind="crisis")
    assert datetime.timedelta(hours=3, minutes=59) < task.due_at - submitted.submitted_at
    assert task.due_at - submitted.submitted_at <= datetime.timedelta(hours=4)
    crisis = account("crisis")
    wait_for(lambda: Notification.objects.filter(user=crisis).exists(), timeout=10)
    wait_for(lambda: not action_now(task).exclude(status="sent").exists(), timeout=10)
    sign_in(client, "crisis")
    inbox = client.get("/inbox/")
    assert inbox.status_code == 200
    assert "一份筛查需要立即处理" in inbox.text  # the crisis member reads Chinese
    assert student.full_name not in inbox.text
    assert Notification.objects.get(user=crisis).link == f"/screening/results/{task.result_id}/"


# 2b. The liaison's reminder before the class closes ---------------------------------------------


def not_yet_reminder(window):
    return Reminder.objects.get(template="screening_online_not_yet", target_id=str(window.pk))


def test_opening_plans_the_liaisons_reminder_two_hours_before_closing(opened, account):
    window, _slips = opened
    reminder = not_yet_reminder(window)
    assert reminder.recipient == account("liaison")
    assert reminder.status == "pending"
    assert reminder.due_at == window.closes_at - datetime.timedelta(hours=2)
    assert reminder.params == {"window": window.pk, "class": "3班"}


def test_the_reminder_time_is_a_setting(online_campaign, account, settings):
    settings.ONLINE_REMINDER_MINUTES_BEFORE_CLOSE = 30
    new_student(online_campaign.school)
    window, _slips = online.online_open(
        actor=account("liaison"), campaign=online_campaign, class_name="3班"
    )
    assert not_yet_reminder(window).due_at == window.closes_at - datetime.timedelta(minutes=30)


def test_a_class_named_with_a_forbidden_word_still_opens_and_is_not_named(online_campaign, account):
    new_student(online_campaign.school, class_name="精神3班")
    window, _slips = online.online_open(
        actor=account("liaison"), campaign=online_campaign, class_name="精神3班"
    )
    reminder = not_yet_reminder(window)
    message = render(
        template=reminder.template, params=reminder.params, language="en", channel="inbox"
    )
    assert message.title == "Class —: 1 student has not answered yet"


def test_the_reminder_gives_the_class_and_a_count_counted_when_sent(opened):
    window, slips = opened
    submit(slips[0][1], {"PHQ-A:9": 3})
    reminder = not_yet_reminder(window)
    english = render(
        template=reminder.template, params=reminder.params, language="en", channel="inbox"
    )
    assert english.title == "Class 3班: 2 students have not answered yet"
    assert english.link == f"/screening/online/windows/{window.pk}/not-yet/"
    chinese = render(
        template=reminder.template, params=reminder.params, language="zh-hans", channel="inbox"
    )
    assert chinese.title == "3班：还有 2 名学生尚未作答"
    for message in (english, chinese):
        text = f"{message.title} {message.body}"
        assert not forbidden_words(text)
        for student, _code in slips:
            assert student.full_name not in text
            assert student.student_no not in text


def test_the_reminder_is_cancelled_once_everyone_has_answered(opened):
    window, slips = opened
    for _student, code in slips[:2]:
        submit(code)
    assert not_yet_reminder(window).status == "pending"
    submit(slips[2][1])
    reminder = not_yet_reminder(window)
    assert reminder.status == "cancelled"
    # Sent all the same (a race with the last submission): neutral, no count to chase.
    message = render(
        template=reminder.template, params=reminder.params, language="en", channel="inbox"
    )
    assert message.title == "Class 3班: every student has answered"


def test_closing_the_class_cancels_the_reminder(opened, account):
    window, _slips = opened
    online.online_close(actor=account("liaison"), window=window)
    assert not_yet_reminder(window).status == "cancelled"


# 2a. The class teacher's sheet ------------------------------------------------------------------


def test_the_sheet_lists_who_has_not_submitted_and_nothing_else(client, opened):
    window, slips = opened
    answered, started, untouched = slips
    submit(answered[1], {"PHQ-A:9": 2})
    session = begin(code=started[1])
    online.online_answer(session_id=session.pk, key="PHQ-A:1", value=3)
    sign_in(client, "liaison")
    page = client.get(f"/screening/online/windows/{window.pk}/not-yet/")
    assert page.status_code == 200
    table = re.search(r'<table class="sheet" id="not-yet">.*?</table>', page.text, re.S).group(0)
    for student, _code in (started, untouched):
        assert student.student_no in table
        assert student.full_name in table
    assert answered[0].full_name not in page.text
    visible = re.sub(r"<[^>]+>", " ", page.text)
    assert not forbidden_words(visible)
    assert "留出时间，让他们凭纸条作答" in visible  # the page in Chinese, the default
    entry = AuditEntry.objects.filter(action="screening.online_not_yet.printed").get()
    assert entry.data["window"] == window.pk
    assert entry.data["file"].startswith(f"not-yet-{window.pk}-")
    assert entry.data["records"] == 2


@pytest.mark.parametrize("username", OTHER_ROLES)
def test_other_roles_get_404_on_the_new_pages(client, opened, username):
    window, slips = opened
    student = slips[0][0]
    sign_in(client, username)
    pages = [
        client.get(f"/screening/online/windows/{window.pk}/not-yet/"),
        client.get(f"/screening/campaigns/{window.campaign_id}/online/progress/"),
        client.post(f"/screening/online/windows/{window.pk}/students/{student.pk}/new-code/"),
        client.post(f"/screening/online/windows/{window.pk}/reprint/", {"confirm": "yes"}),
    ]
    assert [page.status_code for page in pages] == [404] * 4
    assert begin(code=slips[0][1]).code.student_id == student.pk  # still valid
    assert not AuditEntry.objects.filter(action__startswith="screening.online.code").exists()


def test_the_new_pages_ask_anonymous_visitors_to_sign_in(client, opened):
    window, _slips = opened
    page = client.get(f"/screening/online/windows/{window.pk}/not-yet/")
    assert page.status_code == 302
    assert "/login/" in page["Location"]


# 3. Live progress -------------------------------------------------------------------------------


def test_the_progress_fragment_gives_counts_only(client, opened):
    window, slips = opened
    submit(slips[0][1], {"PHQ-A:9": 2})
    begin(code=slips[1][1])
    sign_in(client, "counsellor")
    response = client.get(f"/screening/campaigns/{window.campaign_id}/online/progress/")
    assert response.status_code == 200
    assert response.json() == {
        "windows": [
            {
                "id": window.pk,
                "submitted": 1,
                "started": 1,
                "not_yet": 1,
                "consent_missing": 0,
                "screened": 0,
            }
        ]
    }
    page = client.get(f"/screening/campaigns/{window.campaign_id}/")
    url = f"/screening/campaigns/{window.campaign_id}/online/progress/"
    assert f'data-online-progress-url="{url}"' in page.text
    assert '<td data-count="submitted">1</td>' in page.text
    assert 'id="online-refresh"' in page.text  # without JavaScript: a refresh link
    assert "<script>" not in page.text


def test_the_campaign_page_says_which_class_is_closed_and_which_has_ended(client, opened, account):
    window, _slips = opened
    sign_in(client, "liaison")
    page = f"/screening/campaigns/{window.campaign_id}/"
    assert "已另行完成筛查（不发纸条）" in client.get(page).text  # a roster or an earlier window
    ended_at = timezone.now() - datetime.timedelta(minutes=1)
    type(window).objects.filter(pk=window.pk).update(closes_at=ended_at)
    ended = f"已于 {timezone.localtime(ended_at):%Y-%m-%d %H:%M} 结束"
    assert ended in client.get(page).text
    online.online_close(actor=account("liaison"), window=window)
    row = client.get(page).text.split(f'data-window="{window.pk}"')[1].split("</tr>")[0]
    assert "已关闭" in row
    assert "已结案" not in row  # a case's word, not a class's


def test_a_closed_class_offers_its_sheet_as_a_record_and_no_new_slips(client, opened, account):
    """New codes are refused once a class is closed (`_require_reprint`): the pages offer none.
    Who did not answer stays readable, as a record of the class."""
    window, _slips = opened
    sign_in(client, "liaison")
    campaign_page = f"/screening/campaigns/{window.campaign_id}/"
    sheet = f"/screening/online/windows/{window.pk}/not-yet/"

    def row() -> str:
        return (
            client.get(campaign_page).text.split(f'data-window="{window.pk}"')[1].split("</tr>")[0]
        )

    assert "未作答名单与补发纸条" in row()
    open_sheet = client.get(sheet).text
    assert 'id="reprint-form"' in open_sheet
    assert "/new-code/" in open_sheet
    online.online_close(actor=account("liaison"), window=window)
    closed_row = row()
    assert "补发纸条" not in closed_row
    assert f'href="{sheet}">未作答名单</a>' in closed_row
    page = client.get(sheet)
    assert page.status_code == 200
    assert 'id="reprint-form"' not in page.text
    assert "/new-code/" not in page.text
    assert "本班的线上测评已关闭" in page.text
    assert "之前留出时间" not in page.text  # no "give them time to answer before …"
    assert page.text.count("<tr><td>") == 3  # the three students still listed


# 4. Slip reprint --------------------------------------------------------------------------------


def test_a_new_code_for_one_student_stops_the_old_one_at_once(client, opened):
    window, slips = opened
    student, old = slips[0]
    found = begin(code=old)  # whoever holds the old slip began
    online.online_answer(session_id=found.pk, key="PHQ-A:1", value=3)
    sign_in(client, "liaison")
    page = client.post(f"/screening/online/windows/{window.pk}/students/{student.pk}/new-code/")
    assert page.status_code == 200
    (printed,) = re.findall(r'class="slip-code">([A-Z0-9 ]+)<', page.text)
    assert student.full_name in page.text
    with pytest.raises(online.CodeRefusedError) as refused:
        begin(code=old)
    assert refused.value.code == "unknown"
    assert not OnlineSession.objects.filter(pk=found.pk).exists()  # what they began is gone
    session = begin(code=printed)
    assert session.code.student_id == student.pk
    assert session.answers == {}
    entry = AuditEntry.objects.get(action="screening.online.code_reissued")
    assert entry.data == {"student": student.pk, "answers_discarded": True}
    assert printed.replace(" ", "") not in str(entry.data)
    assert AuditEntry.objects.filter(action="screening.online_slips.viewed").count() == 1


def test_no_new_code_for_a_student_who_answered_or_a_closed_class(client, opened, account):
    window, slips = opened
    student, code = slips[0]
    submit(code)
    with pytest.raises(online.ServiceError) as answered:
        online.online_code_reissue(actor=account("liaison"), window=window, student_id=student.pk)
    assert answered.value.code == "answered"
    online.online_close(actor=account("liaison"), window=window)
    with pytest.raises(online.ServiceError) as closed:
        online.online_code_reissue(
            actor=account("liaison"), window=window, student_id=slips[1][0].pk
        )
    assert closed.value.code == "closed"
    sign_in(client, "liaison")
    page = client.post(f"/screening/online/windows/{window.pk}/students/{slips[1][0].pk}/new-code/")
    assert page.status_code == 302
    with pytest.raises(online.CodeRefusedError) as still:
        begin(code=slips[1][1])
    assert still.value.code == "closed"


def test_a_student_of_another_class_gets_404(client, opened, online_campaign):
    window, _slips = opened
    other = new_student(online_campaign.school, class_name="4班")
    sign_in(client, "liaison")
    page = client.post(f"/screening/online/windows/{window.pk}/students/{other.pk}/new-code/")
    assert page.status_code == 404


def test_reprinting_the_class_renews_only_those_who_have_not_started(client, opened):
    window, slips = opened
    (started, started_code), *untouched = slips
    begin(code=started_code)
    sign_in(client, "liaison")
    unconfirmed = client.post(f"/screening/online/windows/{window.pk}/reprint/")
    assert unconfirmed.status_code == 302
    assert begin(code=untouched[0][1])  # nothing changed without the tick
    OnlineSession.objects.filter(code__student=untouched[0][0]).delete()
    page = client.post(f"/screening/online/windows/{window.pk}/reprint/", {"confirm": "yes"})
    assert page.status_code == 200
    printed = re.findall(r'class="slip-code">([A-Z0-9 ]+)<', page.text)
    assert len(printed) == 2
    assert started.full_name not in page.text
    for (_student, old), new in zip(untouched, printed, strict=True):
        with pytest.raises(online.CodeRefusedError):
            begin(code=old)
        assert begin(code=new)
    assert begin(code=started_code).code.student_id == started.pk
    entry = AuditEntry.objects.get(action="screening.online.codes_reprinted")
    assert entry.data == {"codes": 2}
    again = client.post(f"/screening/online/windows/{window.pk}/reprint/", {"confirm": "yes"})
    assert again.status_code == 302  # everyone has started now: nothing to reprint
