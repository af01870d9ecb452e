"""The online self-assessment's services (issue 16): codes, windows, consent, and a submission
stored exactly as a roster row is."""

from __future__ import annotations

import datetime
import itertools

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings, strategies

from centre.errors import ConflictError, ServiceError
from screening import importing, online_questions
from screening.models import (
    Campaign,
    ConsentBasis,
    OnlineCode,
    OnlineSession,
    RosterImport,
    ScreeningResult,
    Student,
    TrackingTask,
)
from screening.services import online
from tests.support.clock import years_ago
from tests.support.rosters import GAD7, HEADER, PHQA, csv_bytes

NUMBERS = itertools.count(1)
SUPPLEMENTARY_HEADER = ["PHQA_A", "PHQA_B", "PHQA_C", "PHQA_D"]


@pytest.fixture
def online_campaign(campaign):
    campaign.consent_basis = ConsentBasis.BY_AGE
    campaign.save()
    return campaign


def new_student(school, class_name="3班", birth_date: datetime.date | None = None) -> Student:
    """A student of `class_name`, 14 and a month old unless born on `birth_date`: under the
    campaign's BY_AGE basis they consent for themselves on the first screen."""
    number = next(NUMBERS)
    return Student.objects.create(
        school=school,
        student_no=f"9{number:07d}",
        full_name=f"学生{number}",
        sex="female",
        grade="八年级",
        class_name=class_name,
        birth_date=birth_date or years_ago(14),
    )


def begin(code: str) -> OnlineSession:
    """Start with the slip's code and say "I agree" on the first screen."""
    session = online.online_start(code=code)
    return online.online_agree(session_id=session.pk)


def guardians_agree(campaign: Campaign, *students: Student) -> None:
    """The liaison records the guardians' slips of `students`."""
    from screening.services import consent_record_guardians

    consent_record_guardians(actor=campaign.liaison, campaign=campaign, students=list(students))


def answer_all(session: OnlineSession, answers: dict[str, int]) -> None:
    for key, value in answers.items():
        online.online_answer(session_id=session.pk, key=key, value=value)


def all_zero(campaign: Campaign) -> dict[str, int]:
    return {q.key: 0 for q in online_questions.questions(campaign.instruments)}


def open_for(campaign, actor, student) -> str:
    _window, slips = online.online_open(
        actor=actor, campaign=campaign, class_name=student.class_name
    )
    return {s.pk: code for s, code in slips}[student.pk]


def test_codes_are_unguessable_and_only_their_hash_is_kept(online_campaign, account):
    students = [new_student(online_campaign.school) for _ in range(3)]
    window, slips = online.online_open(
        actor=account("liaison"), campaign=online_campaign, class_name="3班"
    )
    codes = [code for _student, code in slips]
    assert {s.pk for s, _c in slips} == {s.pk for s in students}
    assert len(set(codes)) == 3
    assert all(len(c) == 10 and set(c) <= set(online.CODE_ALPHABET) for c in codes)
    stored = set(OnlineCode.objects.filter(window=window).values_list("code_hash", flat=True))
    assert stored == {online.code_hash(c) for c in codes}
    assert not stored & set(codes)
    # typed in lower case with spaces, as a student copies a slip
    spaced = " ".join([codes[0][:5].lower(), codes[0][5:]])
    assert online.online_start(code=spaced).code.student_id == slips[0][0].pk


def test_opening_needs_consent_basis_and_a_campaign_role(campaign, account):
    new_student(campaign.school)
    with pytest.raises(ServiceError) as refused:
        online.online_open(actor=account("liaison"), campaign=campaign, class_name="3班")
    assert refused.value.code == "no_consent"
    campaign.consent_basis = ConsentBasis.GUARDIAN
    campaign.save()
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        online.online_open(actor=account("crisis"), campaign=campaign, class_name="3班")
    online.online_open(actor=account("counsellor"), campaign=campaign, class_name="3班")
    with pytest.raises(ConflictError):
        online.online_open(actor=account("liaison"), campaign=campaign, class_name="3班")
    with pytest.raises(ServiceError) as empty:
        online.online_open(actor=account("liaison"), campaign=campaign, class_name="9班")
    assert empty.value.code == "no_students"


def test_start_refuses_unknown_closed_expired_used_and_consent_withdrawn(online_campaign, account):
    student = new_student(online_campaign.school)
    code = open_for(online_campaign, account("liaison"), student)
    with pytest.raises(online.CodeRefusedError) as unknown:
        online.online_start(code="ABCDEFGHJK")
    assert unknown.value.code == "unknown"
    session = begin(code)
    assert online.online_start(code=code).pk == session.pk  # resumes, not a second session

    online_campaign.consent_basis = ""
    online_campaign.save()
    with pytest.raises(online.CodeRefusedError) as no_consent:
        online.online_start(code=code)
    assert no_consent.value.code == "no_consent"
    online_campaign.consent_basis = ConsentBasis.GUARDIAN
    online_campaign.save()
    guardians_agree(online_campaign, student)

    window = session.code.window
    window.closes_at = timezone.now() - datetime.timedelta(minutes=1)
    window.save()
    with pytest.raises(online.CodeRefusedError) as expired:
        online.online_start(code=code)
    assert expired.value.code == "closed"
    with pytest.raises(online.CodeRefusedError):
        online.online_answer(session_id=session.pk, key="PHQ-A:1", value=0)

    window.closes_at = timezone.now() + datetime.timedelta(hours=1)
    window.save()
    answer_all(session, all_zero(online_campaign))
    online.online_submit(session_id=session.pk)
    with pytest.raises(online.CodeRefusedError) as used:
        online.online_start(code=code)
    assert used.value.code == "used"

    online.online_close(actor=account("liaison"), window=window)
    other = new_student(online_campaign.school, class_name="4班")
    other_code = open_for(online_campaign, account("liaison"), other)
    guardians_agree(online_campaign, other)
    assert online.online_start(code=other_code).code.window_id != window.pk


def test_item_9_and_every_question_are_required(online_campaign, account):
    student = new_student(online_campaign.school)
    session = begin(open_for(online_campaign, account("liaison"), student))
    answers = all_zero(online_campaign)
    del answers["PHQ-A:9"]
    answer_all(session, answers)
    with pytest.raises(ServiceError) as refused:
        online.online_submit(session_id=session.pk)
    assert refused.value.code == "incomplete"
    with pytest.raises(ServiceError):
        online.online_answer(session_id=session.pk, key="PHQ-A:9", value=4)
    with pytest.raises(ServiceError):
        online.online_answer(session_id=session.pk, key="SDQ:1", value=0)
    assert not ScreeningResult.objects.exists()


def test_double_submit_changes_nothing(online_campaign, account):
    student = new_student(online_campaign.school)
    session = begin(open_for(online_campaign, account("liaison"), student))
    answer_all(session, all_zero(online_campaign) | {"PHQ-A:1": 3, "PHQ-A:2": 3, "PHQ-A:3": 3})
    first = online.online_submit(session_id=session.pk)
    second = online.online_submit(session_id=session.pk)
    assert first.result_id == second.result_id
    assert first.submitted_at == second.submitted_at
    assert ScreeningResult.objects.filter(student=student).count() == 1
    assert TrackingTask.objects.count() == TrackingTask.objects.filter(result=first.result).count()


def test_crisis_answer_creates_the_four_hour_task_at_once(online_campaign, account):
    student = new_student(online_campaign.school)
    session = begin(open_for(online_campaign, account("liaison"), student))
    answer_all(session, all_zero(online_campaign) | {"PHQ-A:9": 2})
    before = timezone.now()
    submitted = online.online_submit(session_id=session.pk)
    assert online.is_crisis(submitted)
    task = TrackingTask.objects.get(
        result=submitted.result, kind=TrackingTask.Kind.CRISIS_ASSESSMENT
    )
    assert task.status == "open"
    assert (
        datetime.timedelta(hours=3, minutes=59)
        < task.due_at - before
        <= datetime.timedelta(hours=4, minutes=1)
    )
    assert submitted.result.crisis_flag


def test_a_student_already_imported_is_matched_not_doubled(online_campaign, account):
    student = new_student(online_campaign.school)
    code = open_for(online_campaign, account("liaison"), student)
    roster = RosterImport.objects.create(
        campaign=online_campaign, uploaded_by=account("liaison"), original_name="r.csv"
    )
    row = [student.student_no, student.full_name, "女", "八年级", "3班", "2012-05-03"]
    importing.run_import(roster, csv_bytes([row + [0] * 16]))
    imported = ScreeningResult.objects.get(student=student)
    session = begin(code)
    answer_all(session, all_zero(online_campaign))
    assert online.online_submit(session_id=session.pk).result_id == imported.pk
    assert Student.objects.filter(student_no=student.student_no).count() == 1
    assert ScreeningResult.objects.filter(student=student).count() == 1


def test_a_crisis_answer_online_is_kept_for_a_student_whose_roster_came_first(
    online_campaign, account
):
    """The roster's calm result stands (one result per campaign), but item 9 = 2 told online is
    never dropped: the result is flagged, its 4-hour C-SSRS task opened, the crisis team told."""
    from centre.models import Reminder

    student = new_student(online_campaign.school)
    code = open_for(online_campaign, account("liaison"), student)
    roster = RosterImport.objects.create(
        campaign=online_campaign, uploaded_by=account("liaison"), original_name="r.csv"
    )
    row = [student.student_no, student.full_name, "女", "八年级", "3班", "2012-05-03"]
    importing.run_import(roster, csv_bytes([row + [0] * 16]))
    imported = ScreeningResult.objects.get(student=student)
    assert not imported.crisis_flag
    assert not imported.tasks.exists()
    session = begin(code)
    answer_all(session, all_zero(online_campaign) | {"PHQ-A:9": 2})
    before = timezone.now()
    submitted = online.online_submit(session_id=session.pk)
    assert submitted.result_id == imported.pk
    imported.refresh_from_db()
    assert imported.crisis_flag
    task = imported.tasks.get(kind=TrackingTask.Kind.CRISIS_ASSESSMENT, status="open")
    assert task.due_at - before <= datetime.timedelta(hours=4, minutes=1)
    assert Reminder.objects.filter(
        template="screening_online_action_now", target_id=str(task.pk)
    ).exists()
    # the submit sent again (a double tap, a retried request) opens no second task
    assert online.online_submit(session_id=session.pk).result_id == imported.pk
    assert imported.tasks.filter(kind=TrackingTask.Kind.CRISIS_ASSESSMENT).count() == 1


def test_a_second_roster_with_a_crisis_row_keeps_it_for_a_student_already_resulted(
    online_campaign, account
):
    """The shared store_rows keeps the crisis answer whoever brings it: a second roster whose
    row says item 9 = 2 flags the first roster's calm result and opens its C-SSRS task, once."""
    student = new_student(online_campaign.school)
    row = [student.student_no, student.full_name, "女", "八年级", "3班", "2012-05-03"]
    calm = [0] * 16
    crisis = [0] * 8 + [2] + [0] * 7  # PHQ-A item 9 = 2
    for answers in (calm, crisis, crisis):
        roster = RosterImport.objects.create(
            campaign=online_campaign, uploaded_by=account("liaison"), original_name="r.csv"
        )
        importing.run_import(roster, csv_bytes([row + answers]))
    result = ScreeningResult.objects.get(student=student)
    assert result.crisis_flag
    assert result.answers["PHQ-A"][8] == 0  # the first result stands
    assert list(result.tasks.values_list("kind", "status")) == [
        (TrackingTask.Kind.CRISIS_ASSESSMENT, "open")
    ]


def _tasks(result: ScreeningResult) -> list[tuple[str, int]]:
    return sorted(
        (task.kind, round((task.due_at - result.screened_at).total_seconds() / 60))
        for task in result.tasks.all()
    )


FREQUENCY = strategies.integers(min_value=0, max_value=3)
YES_NO = strategies.integers(min_value=0, max_value=1)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    phq=strategies.lists(FREQUENCY, min_size=9, max_size=9),
    gad=strategies.lists(FREQUENCY, min_size=7, max_size=7),
    supplementary=strategies.tuples(YES_NO, FREQUENCY, YES_NO, YES_NO),
)
def test_online_and_roster_give_identical_results_tiers_and_tasks(
    online_campaign, account, phq, gad, supplementary
):
    """Property: the same answers online and through a roster give the same stored answers,
    scores, tiers, crisis flag and tasks (kind and delay)."""
    roster_campaign = Campaign.objects.create(
        school=online_campaign.school,
        name="roster twin",
        instruments=online_campaign.instruments,
        opens_on=online_campaign.opens_on,
        closes_on=online_campaign.closes_on,
        liaison=online_campaign.liaison,
    )
    student = new_student(online_campaign.school, class_name=f"P{next(NUMBERS)}")
    session = begin(open_for(online_campaign, account("liaison"), student))
    names = ["dysthymia_past_year", "functional_difficulty"]
    names += ["serious_thoughts_past_month", "lifetime_attempt"]
    answers = {f"PHQ-A:{n}": v for n, v in enumerate(phq, start=1)}
    answers |= {f"GAD-7:{n}": v for n, v in enumerate(gad, start=1)}
    answers |= {f"supplementary:{name}": v for name, v in zip(names, supplementary, strict=True)}
    answer_all(session, answers)
    online_result = online.online_submit(session_id=session.pk).result

    roster = RosterImport.objects.create(
        campaign=roster_campaign, uploaded_by=account("liaison"), original_name="r.csv"
    )
    yes_no = ["是" if supplementary[0] else "否", supplementary[1]]
    yes_no += ["是" if supplementary[2] else "否", "是" if supplementary[3] else "否"]
    row = [student.student_no, student.full_name, "女", "八年级", student.class_name, "2012-05-03"]
    header = [*HEADER, *PHQA, *GAD7, *SUPPLEMENTARY_HEADER]
    importing.run_import(roster, csv_bytes([row + phq + gad + yes_no], header=header))
    roster_result = ScreeningResult.objects.get(campaign=roster_campaign, student=student)

    for field in ("answers", "scores", "phq_total", "gad_total", "sdq_total", "crisis_flag"):
        assert getattr(online_result, field) == getattr(roster_result, field), field
    for field in ("score_tier", "settled_tier", "tier", "tier_confirmed"):
        assert getattr(online_result, field) == getattr(roster_result, field), field
    assert _tasks(online_result) == _tasks(roster_result)


def test_undoing_the_roster_keeps_the_students_given_codes(online_campaign, account):
    """Undoing a roster removes its students no result refers to, but never one on a window's
    class list (their printed code would break, and the database refuses)."""
    from screening import services

    liaison = account("liaison")
    roster = RosterImport.objects.create(
        campaign=online_campaign, uploaded_by=liaison, original_name="r.csv"
    )
    rows = [
        [f"7{n:07d}", f"学生{n}", "女", "八年级", "5班", "2012-05-03"] + [0] * 16 for n in (1, 2)
    ]
    importing.run_import(roster, csv_bytes(rows))
    ScreeningResult.objects.filter(roster_import=roster).update(roster_import=None)
    ScreeningResult.objects.filter(student__student_no="70000002").delete()
    online.online_open(actor=liaison, campaign=online_campaign, class_name="5班")
    roster.refresh_from_db()
    services.roster_import_undo(actor=liaison, roster_import=roster)
    assert Student.objects.filter(student_no="70000002").exists()


@pytest.mark.parametrize("phq", [[1, 2, 3, 0, 1, 2, 3, 0, 1], [0] * 9, [3] * 8 + [0]])
def test_a_phq9_campaign_gives_the_rosters_result_too(account, school, phq):
    """PHQ-9 (its items in its own order) with GAD-7: online and roster alike."""
    campaigns = [
        Campaign.objects.create(
            school=school,
            name=name,
            instruments=["PHQ-9", "GAD-7"],
            opens_on=datetime.date(2026, 9, 1),
            closes_on=datetime.date(2026, 12, 31),
            liaison=account("liaison"),
            consent_basis=ConsentBasis.GUARDIAN,
        )
        for name in ("online", "roster")
    ]
    student = new_student(school, class_name=f"Q{next(NUMBERS)}")
    guardians_agree(campaigns[0], student)
    session = begin(open_for(campaigns[0], account("liaison"), student))
    answers = {f"PHQ-9:{n}": v for n, v in enumerate(phq, start=1)}
    answer_all(session, answers | {f"GAD-7:{n}": 1 for n in range(1, 8)})
    online_result = online.online_submit(session_id=session.pk).result
    roster = RosterImport.objects.create(
        campaign=campaigns[1], uploaded_by=account("liaison"), original_name="r.csv"
    )
    header = [*HEADER, *[f"PHQ9_{n}" for n in range(1, 10)], *GAD7]
    row = [student.student_no, student.full_name, "女", "八年级", student.class_name, ""]
    importing.run_import(roster, csv_bytes([row + phq + [1] * 7], header=header))
    roster_result = ScreeningResult.objects.get(campaign=campaigns[1], student=student)
    for field in ("answers", "scores", "phq_total", "crisis_flag", "tier", "settled_tier"):
        assert getattr(online_result, field) == getattr(roster_result, field), field
    assert _tasks(online_result) == _tasks(roster_result)
