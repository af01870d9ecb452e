"""Students who left the school (issue 17, DOMAIN.md §5.5 "or at graduation"): the school's
liaison (or a clinician of its site) marks a class or a grade as left on a day, after a
confirmation page, audited; every other role answers 404; dates that cannot be true are
refused with a message; and the retention run de-identifies the answers of unflagged students
SCREENING_LEAVING_GRACE_DAYS after they left, never a flagged or held student's, counted by a
dry run under a type of its own. Undone before the run, nothing is lost; after it, the page
says the answers are gone."""

from __future__ import annotations

import datetime
import json
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from centre.errors import ServiceError
from centre.legal_holds import legal_hold_place
from centre.models import AuditEntry, School, User
from centre.retention import retention_run
from screening.models import Campaign, ScreeningResult, Student
from screening.services import leaving
from tests.support.accounts import sign_in
from tests.support.clock import at

DAY = datetime.timedelta(days=1)
NOW = at(2026, 9, 15)  # the retention run's moment in the retention tests
GRADUATION = datetime.date(2026, 7, 1)  # 76 days before NOW: past the 30 days' grace
CLASS = "九1班"


def leaving_url(campaign) -> str:
    return f"/screening/campaigns/{campaign.pk}/leaving/"


def make_student(school, number: str, *, class_name: str = CLASS, **fields) -> Student:
    return Student.objects.create(
        school=school,
        student_no=number,
        full_name=f"学生{number}",
        grade="九年级",
        class_name=class_name,
        birth_date=fields.pop("birth_date", datetime.date(2011, 3, 1)),
        **fields,
    )


def mark(campaign, students, *, left_on=GRADUATION, reason="graduated") -> int:
    """The service, as the school's liaison."""
    liaison = User.objects.get(username="liaison")
    return leaving.students_mark_left(
        actor=liaison, campaign=campaign, students=students, left_on=left_on, reason=reason
    )


def screened(campaign, student, **fields) -> ScreeningResult:
    return ScreeningResult.objects.create(
        campaign=campaign,
        student=student,
        answers={"PHQ-A": [0, 1, 0, 0, 0, 0, 0, 0, 0]},
        scores={"PHQ-A": {"total": 1, "items": [0, 1]}},
        phq_total=1,
        **fields,
    )


@pytest.fixture
def spring(school, account):
    """A campaign of the liaison's school that closed in the spring, before the graduation."""
    return Campaign.objects.create(
        school=school,
        name="2026 春季筛查",
        instruments=["PHQ-A"],
        opens_on=datetime.date(2026, 3, 1),
        closes_on=datetime.date(2026, 4, 30),
        liaison=account("liaison"),
    )


@pytest.fixture
def pupils(school):
    """Three students of the class; the first born less than 10 years ago (a date before their
    birth is then inside the record's 10 years)."""
    first = make_student(school, "2026001", birth_date=datetime.date(2017, 9, 1))
    return [first, *(make_student(school, f"2026{n:03d}") for n in range(2, 4))]


def mark_by_page(client, campaign, students, *, left_on="2026-07-01", confirm=True, **extra):
    data = {
        "class": CLASS,
        "action": "mark",
        "left_on": left_on,
        "reason": "graduated",
        "students": [student.pk for student in students],
        **extra,
    }
    if confirm:
        data["confirm"] = "yes"
    return client.post(leaving_url(campaign), data)


# 1. Who may -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "username", ["liaison2", "crisis", "operator", "outreach", "stats", "auditor", "admin"]
)
def test_every_other_role_and_another_schools_liaison_get_404(client, spring, pupils, username):
    sign_in(client, username)
    assert client.get(leaving_url(spring), {"class": CLASS}).status_code == 404
    assert mark_by_page(client, spring, pupils, left_on="2026-07-01").status_code == 404
    assert mark_by_page(client, spring, pupils, confirm=False).status_code == 404
    assert not Student.objects.filter(left_on__isnull=False).exists()
    assert not AuditEntry.objects.filter(action__startswith="screening.student.left").exists()


def test_a_class_or_grade_the_school_does_not_have_is_404(client, spring, pupils, school):
    other = School.objects.exclude(pk=school.pk).first()
    make_student(other, "9999001", class_name="外校班")
    sign_in(client, "liaison", language="en")
    assert client.get(leaving_url(spring), {"class": "外校班"}).status_code == 404
    assert client.get(leaving_url(spring), {"grade": "不存在"}).status_code == 404
    assert client.get(leaving_url(spring)).status_code == 404


# 2. Marking a class, with its confirmation page -----------------------------------------------


def test_the_liaison_marks_a_class_after_a_confirmation_page_audited(client, spring, pupils):
    sign_in(client, "liaison", language="en")
    page = client.get(leaving_url(spring), {"class": CLASS})
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('name="students"') == 3
    assert html.count(" checked") == 3
    listed = AuditEntry.objects.filter(action="screening.leaving.listed").count()
    assert listed >= 1

    confirm = mark_by_page(client, spring, pupils, confirm=False)
    assert confirm.status_code == 200
    text = confirm.content.decode()
    assert "3 students are recorded as having left the school on 2026-07-01" in text
    assert "their answers are gone" in text
    assert "cannot be brought back" in text
    assert 'name="confirm"' in text
    assert not Student.objects.filter(left_on__isnull=False).exists()  # nothing yet

    done = mark_by_page(client, spring, pupils)
    assert done.status_code == 302
    assert done["Location"] == f"{leaving_url(spring)}?class=%E4%B9%9D1%E7%8F%AD"
    for student in Student.objects.filter(pk__in=[p.pk for p in pupils]):
        assert (student.left_on, student.left_reason) == (GRADUATION, "graduated")
        assert student.left_recorded_at is not None
    entry = AuditEntry.objects.get(action="screening.student.left")
    assert entry.actor.username == "liaison"
    assert sorted(entry.data["students"]) == sorted(p.pk for p in pupils)
    assert entry.data["left_on"] == "2026-07-01"
    assert "学生" not in json.dumps(entry.data, ensure_ascii=False)  # ids, never names
    assert AuditEntry.objects.filter(action="screening.leaving.listed").count() > listed


def test_a_clinician_of_the_site_marks_one_student_of_a_grade(client, spring, pupils, school):
    other_class = make_student(school, "2026900", class_name="九2班")
    sign_in(client, "counsellor", language="en")
    page = client.get(leaving_url(spring), {"grade": "九年级"})
    assert page.status_code == 200
    assert other_class.full_name in page.content.decode()
    response = client.post(
        leaving_url(spring),
        {
            "grade": "九年级",
            "action": "mark",
            "left_on": "2026-10-08",
            "reason": "transferred",
            "students": [other_class.pk],
            "confirm": "yes",
        },
    )
    assert response.status_code == 302
    assert Student.objects.get(pk=other_class.pk).left_reason == "transferred"
    assert not Student.objects.filter(pk__in=[p.pk for p in pupils], left_on__isnull=False)


def test_a_student_marked_already_keeps_their_date(spring, pupils, account):
    first = mark(spring, pupils[:1])
    again = mark(spring, pupils, left_on=GRADUATION + DAY)
    assert (first, again) == (1, 2)
    assert Student.objects.get(pk=pupils[0].pk).left_on == GRADUATION


# 3. Hostile dates and students ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("left_on", "message"),
    [
        ("2027-01-05", "This date cannot be in the future."),
        ("0001-01-01", "more than 10 years ago"),
        ("2017-08-01", "is not after the date of birth of 2026001"),
        ("2017-09-01", "is not after the date of birth of 2026001"),
        ("2026-02-30", "Enter a valid date."),
        ("99999-01-01", "Enter a valid date."),
        ("", "Give the day the students left."),
    ],
)
@pytest.mark.parametrize("confirm", [False, True])
def test_a_date_that_cannot_be_true_is_refused_with_a_message(
    client, spring, pupils, left_on, message, confirm
):
    sign_in(client, "liaison", language="en")
    response = mark_by_page(client, spring, pupils[:1], left_on=left_on, confirm=confirm)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Student.objects.filter(left_on__isnull=False).exists()
    assert not AuditEntry.objects.filter(action="screening.student.left").exists()


def test_a_student_of_another_school_is_refused(client, spring, pupils, school, account):
    other = School.objects.exclude(pk=school.pk).first()
    stranger = make_student(other, "2026001")  # the same number, another school
    sign_in(client, "liaison", language="en")
    response = mark_by_page(client, spring, [pupils[1], stranger])
    assert response.status_code == 400
    assert "Tick students of this list only." in response.content.decode()
    with pytest.raises(ServiceError) as refused:
        mark(spring, [stranger])
    assert refused.value.code == "other_school"
    assert not Student.objects.filter(left_on__isnull=False).exists()


def test_a_reason_that_is_not_one_and_an_empty_tick_are_refused(client, spring, pupils):
    sign_in(client, "liaison", language="en")
    bad_reason = mark_by_page(client, spring, pupils, reason="expelled")
    assert bad_reason.status_code == 400
    nobody = mark_by_page(client, spring, [])
    assert nobody.status_code == 400
    assert "Tick at least one student." in nobody.content.decode()
    unknown_action = mark_by_page(client, spring, pupils, action="erase")
    assert unknown_action.status_code == 400
    assert not Student.objects.filter(left_on__isnull=False).exists()


# 4. Retention at graduation ---------------------------------------------------------------------


@pytest.fixture
def graduated(spring, school, account):
    """Recorded at the end of the graduation day: an unflagged and a flagged graduate, an
    unflagged graduate under a legal hold, a student still at school; and a graduate who left
    only yesterday, all screened in the spring."""
    made = {
        "unflagged": make_student(school, "1001"),
        "flagged": make_student(school, "1002"),
        "held": make_student(school, "1003"),
        "staying": make_student(school, "1004", class_name="八1班"),
        "recent": make_student(school, "1005"),
    }
    results = {name: screened(spring, student) for name, student in made.items()}
    results["flagged"].tier = results["flagged"].score_tier = "yellow"
    results["flagged"].save()
    with time_machine.travel(at(2026, 7, 1, 18), tick=False):
        mark(spring, [made[name] for name in ("unflagged", "flagged", "held")])
    with time_machine.travel(NOW - DAY, tick=False):
        mark(spring, [made["recent"]], left_on=(NOW - DAY).date(), reason="transferred")
    legal_hold_place(
        actor=account("auditor"),
        target_type="screening.student",
        target_id=str(made["held"].pk),
        reason="法院调取 2026-17",
    )
    return results


def answers_of(result) -> dict:
    return ScreeningResult.objects.get(pk=result.pk).answers


def test_a_dry_run_counts_the_graduates_answers_under_their_own_type(graduated):
    with time_machine.travel(NOW, tick=False):
        counts = retention_run(dry_run=True)
        output = StringIO()
        call_command("retention", "--dry-run", stdout=output)
    assert counts["screening.left_school"] == 1
    assert counts["screening.screeningresult"] == 0  # the spring is not 12 months old
    assert "screening.left_school" in output.getvalue()
    assert "30 days" in output.getvalue()
    assert all(answers_of(result) for result in graduated.values())  # nothing changed


def test_retention_de_identifies_an_unflagged_graduate_but_never_a_flagged_or_held_one(
    graduated,
):
    with time_machine.travel(NOW, tick=False):
        counts = retention_run(dry_run=False)
    assert counts["screening.left_school"] == 1
    unflagged = ScreeningResult.objects.get(pk=graduated["unflagged"].pk)
    assert (unflagged.answers, unflagged.scores, unflagged.phq_total) == ({}, {}, 1)
    assert answers_of(graduated["flagged"])
    assert answers_of(graduated["held"])
    assert answers_of(graduated["staying"])
    assert answers_of(graduated["recent"])  # left yesterday: within the grace
    with time_machine.travel(NOW, tick=False):
        assert retention_run(dry_run=False)["screening.left_school"] == 0  # a second run


def test_the_grace_counts_from_the_leaving_date_and_from_the_day_it_was_recorded(
    spring, school, account
):
    late = make_student(school, "2001")
    result = screened(spring, late)
    # Graduated in July, recorded only the day before the run: the undo window is kept.
    with time_machine.travel(NOW - DAY, tick=False):
        mark(spring, [late])
    with time_machine.travel(NOW, tick=False):
        assert retention_run(dry_run=True)["screening.left_school"] == 0
    with time_machine.travel(NOW + 30 * DAY, tick=False):
        assert retention_run(dry_run=True)["screening.left_school"] == 1
        retention_run(dry_run=False)
    assert answers_of(result) == {}


def test_a_campaign_not_closed_keeps_a_graduates_answers_until_it_closes(school, account, campaign):
    """`campaign` (tests/conftest.py) runs until 2026-12-31."""
    student = make_student(school, "3001")
    result = screened(campaign, student)
    mark(campaign, [student], left_on=datetime.date(2026, 11, 1), reason="transferred")
    with time_machine.travel(at(2026, 12, 31), tick=False):
        assert retention_run(dry_run=True)["screening.left_school"] == 0
    with time_machine.travel(at(2027, 2, 1), tick=False):
        assert retention_run(dry_run=False)["screening.left_school"] == 1
    assert answers_of(result) == {}


def test_answers_past_both_rules_are_counted_once_by_the_twelve_months(school, account):
    liaison = account("liaison")
    old = Campaign.objects.create(
        school=school,
        name="2025 春季筛查",
        instruments=["PHQ-A"],
        opens_on=datetime.date(2025, 3, 1),
        closes_on=datetime.date(2025, 4, 30),
        liaison=liaison,
    )
    student = make_student(school, "4001")
    screened(old, student)
    with time_machine.travel(at(2026, 7, 1, 18), tick=False):
        mark(old, [student])
    with time_machine.travel(NOW, tick=False):
        dry = retention_run(dry_run=True)
        applied = retention_run(dry_run=False)
    assert (dry["screening.screeningresult"], dry["screening.left_school"]) == (1, 0)
    assert applied == dry


# 5. Undo --------------------------------------------------------------------------------------


def unmark_by_page(client, campaign, students, *, confirm=True):
    data = {"class": CLASS, "action": "unmark", "students": [s.pk for s in students]}
    if confirm:
        data["confirm"] = "yes"
    return client.post(leaving_url(campaign), data)


def test_undone_before_the_run_the_student_is_restored_and_loses_nothing(client, graduated, spring):
    unflagged = graduated["unflagged"].student
    sign_in(client, "liaison", language="en")
    confirm = unmark_by_page(client, spring, [unflagged], confirm=False)
    assert confirm.status_code == 200
    assert "nothing is lost" in confirm.content.decode()
    assert unmark_by_page(client, spring, [unflagged]).status_code == 302
    student = Student.objects.get(pk=unflagged.pk)
    assert (student.left_on, student.left_reason, student.left_recorded_at) == (None, "", None)
    entry = AuditEntry.objects.get(action="screening.student.left_undone")
    assert entry.data == {"students": [unflagged.pk], "answers_gone": 0}
    with time_machine.travel(NOW, tick=False):
        retention_run(dry_run=False)
    assert answers_of(graduated["unflagged"])


def test_undone_after_the_run_the_page_says_the_answers_are_gone(client, graduated, spring):
    with time_machine.travel(NOW, tick=False):
        retention_run(dry_run=False)
    unflagged = graduated["unflagged"].student
    sign_in(client, "liaison", language="en")
    page = client.get(leaving_url(spring), {"class": CLASS})
    assert "de-identified" in page.content.decode()
    confirm = unmark_by_page(client, spring, [unflagged], confirm=False)
    assert "those answers are gone for good" in confirm.content.decode()
    assert unmark_by_page(client, spring, [unflagged]).status_code == 302
    assert Student.objects.get(pk=unflagged.pk).left_on is None
    assert answers_of(graduated["unflagged"]) == {}
    entry = AuditEntry.objects.get(action="screening.student.left_undone")
    assert entry.data["answers_gone"] == 1


def test_only_students_marked_may_be_unmarked(client, spring, pupils):
    sign_in(client, "liaison", language="en")
    response = unmark_by_page(client, spring, pupils[:1])
    assert response.status_code == 400
    assert "Tick students of this list only." in response.content.decode()


# 6. Online ------------------------------------------------------------------------------------


def test_a_student_who_left_gets_no_code_when_the_class_opens_online(online_campaign, account):
    from screening.services import online

    liaison = account("liaison")
    school = online_campaign.school
    staying = make_student(school, "5001")
    gone = make_student(school, "5002")
    mark(online_campaign, [gone], reason="transferred")
    _window, slips = online.online_open(actor=liaison, campaign=online_campaign, class_name=CLASS)
    assert [student.pk for student, _code in slips] == [staying.pk]
    mark(online_campaign, [staying])
    with pytest.raises(ServiceError) as refused:
        online.online_open(actor=liaison, campaign=online_campaign, class_name=CLASS)
    assert refused.value.code == "all_left"


def test_the_pages_read_in_chinese_by_default(client, spring, pupils):
    sign_in(client, "liaison")
    page = client.get(leaving_url(spring), {"class": CLASS})
    assert "离校学生" in page.text
    confirm = mark_by_page(client, spring, pupils, confirm=False)
    assert "无法找回" in confirm.text
    assert "毕业" in confirm.text
    refused = mark_by_page(client, spring, pupils, left_on="2027-01-05")
    assert refused.status_code == 400


@pytest.mark.parametrize(
    "changes",
    [
        {"class": "九1班\x00"},
        {"class": "班" * 200},
        {"students": ["abc"]},
        {"students": ["-1"]},
        {"left_on": "2026-07-01\x00"},
        {"left_on": "2026-07-01T00:00"},
        {"reason": "graduated" * 50},
        {"action": ""},
    ],
)
def test_hostile_parameters_are_refused_never_a_500(client, spring, pupils, changes):
    sign_in(client, "liaison", language="en")
    for confirm in (False, True):
        data = {
            "class": CLASS,
            "action": "mark",
            "left_on": "2026-07-01",
            "reason": "graduated",
            "students": [pupils[0].pk],
            **({"confirm": "yes"} if confirm else {}),
            **changes,
        }
        response = client.post(leaving_url(spring), data)
        assert response.status_code in (400, 404), changes
    assert not Student.objects.filter(left_on__isnull=False).exists()


def test_a_counsellor_of_another_site_gets_404(client, spring, pupils, staff_at):
    staff_at("counsellor_k02", "counsellor", "K02")
    sign_in(client, "counsellor_k02")
    assert client.get(leaving_url(spring), {"class": CLASS}).status_code == 404
    assert mark_by_page(client, spring, pupils).status_code == 404
    assert not Student.objects.filter(left_on__isnull=False).exists()
