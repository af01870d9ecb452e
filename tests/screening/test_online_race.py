"""The online self-assessment and a roster at the same time (issue 16), each in its own thread
on its own database connection: a roster giving a student a result while the student submits
online, either one first. The second matches the first's result — never a 500, never a failed
import, never a second result (one per campaign and student)."""

from __future__ import annotations

import datetime
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connection

from screening import importing, online_questions
from screening.importing import storing
from screening.models import (
    ConsentBasis,
    OnlineSession,
    RosterImport,
    ScreeningResult,
    Student,
    TrackingTask,
)
from screening.services import consent, online
from tests.screening.test_online import begin
from tests.support.concurrency import at_the_same_time
from tests.support.rosters import csv_bytes

pytestmark = pytest.mark.django_db(transaction=True)

FIRST = "first writer"
# The online answers flag the student (PHQ-A 9 + item 9: a crisis task); the roster's do not,
# so whose result was kept is plain.
ONLINE_FLAGGED = {"PHQ-A:1": 3, "PHQ-A:2": 3, "PHQ-A:3": 3, "PHQ-A:9": 1}


@pytest.fixture
def student(campaign) -> Student:
    campaign.consent_basis = ConsentBasis.BY_AGE
    campaign.save()
    return Student.objects.create(
        school=campaign.school,
        student_no="80000001",
        full_name="学生甲",
        sex="female",
        grade="八年级",
        class_name="3班",
        birth_date=datetime.date(2012, 5, 3),
    )


@pytest.fixture
def answered(campaign, student, account) -> OnlineSession:
    """The student's online session, every question answered, not yet submitted (committed)."""
    _window, slips = online.online_open(
        actor=account("liaison"), campaign=campaign, class_name=student.class_name
    )
    session = begin(slips[0][1])  # a 14-year-old: their own "I agree"
    for question in online_questions.questions(campaign.instruments):
        value = ONLINE_FLAGGED.get(question.key, 0)
        online.online_answer(session_id=session.pk, key=question.key, value=value)
    return session


@pytest.fixture
def roster(campaign, student, account) -> Callable[[], RosterImport]:
    """The class's roster imported (a call): the student with every answer 0."""
    row = [student.student_no, student.full_name, "女", "八年级", "3班", "2012-05-03"]
    data = csv_bytes([row + [0] * 16])

    def run() -> RosterImport:
        roster_import = RosterImport.objects.create(
            campaign=campaign, uploaded_by=account("liaison"), original_name="r.csv"
        )
        return importing.run_import(roster_import, data)

    return run


@pytest.fixture
def first_writer_held(monkeypatch) -> Iterator[tuple[threading.Event, threading.Event]]:
    """The first writer stops inside its transaction once its result is inserted (before its
    tasks), until released: the second writer runs against an uncommitted result."""
    stored, release = threading.Event(), threading.Event()
    insert_rows = storing.insert_rows

    def held(model: Any, columns: list[str], rows: Any) -> int:
        if model is TrackingTask and threading.current_thread().name == FIRST:
            stored.set()
            release.wait(timeout=30)
        return insert_rows(model, columns, rows)

    monkeypatch.setattr(storing, "insert_rows", held)
    yield stored, release
    release.set()


def _another_connection_waits_on_a_lock(timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return True
            time.sleep(0.02)
    return False


def _race(first: Callable[[], object], second: Callable[[], object], held) -> dict[str, Any]:
    """Run `first` until its result is stored, then `second`; once `second` waits on the first's
    lock, let the first commit. What each returned or raised, by name."""
    stored, release = held
    outcomes: dict[str, Any] = {}

    def run(name: str, work: Callable[[], object]) -> None:
        try:
            outcomes[name] = work()
        except Exception as error:  # the outcome the test asserts on
            outcomes[name] = error
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(FIRST, first), name=FIRST),
        threading.Thread(target=run, args=("second", second), name="second"),
    ]
    threads[0].start()
    assert stored.wait(timeout=30), outcomes
    threads[1].start()
    waited = _another_connection_waits_on_a_lock()
    release.set()
    for thread in threads:
        thread.join(timeout=60)
    outcomes["second waited"] = waited
    return outcomes


def _one_result(student: Student) -> ScreeningResult:
    results = list(ScreeningResult.objects.filter(student=student))
    assert len(results) == 1, results
    return results[0]


def test_a_submission_during_the_rosters_import_matches_the_rosters_result(
    student, answered, roster, first_writer_held
):
    submit = lambda: online.online_submit(session_id=answered.pk)  # noqa: E731
    outcomes = _race(roster, submit, first_writer_held)

    assert not isinstance(outcomes["second"], Exception), outcomes["second"]
    assert outcomes["second waited"]  # it met the roster's uncommitted result
    imported = outcomes[FIRST]
    assert (imported.status, imported.imported_rows, imported.unchanged_rows) == ("done", 1, 0)
    result = _one_result(student)
    assert result.roster_import_id == imported.pk
    assert result.phq_total == 0  # the roster's answers, not the online ones
    answered.refresh_from_db()
    assert answered.result_id == result.pk
    assert answered.submitted_at is not None
    # The roster's answers flag nothing, but the student's item 9 online is never dropped: the
    # roster's result gets the C-SSRS crisis task (one), not a second result.
    assert [task.kind for task in result.tasks.all()] == ["crisis"]
    assert result.crisis_flag


def test_a_roster_during_a_submission_leaves_the_online_result_and_finishes(
    student, answered, roster, first_writer_held
):
    submit = lambda: online.online_submit(session_id=answered.pk)  # noqa: E731
    outcomes = _race(submit, roster, first_writer_held)

    imported = outcomes["second"]
    assert not isinstance(imported, Exception), imported
    assert outcomes["second waited"]
    assert (imported.status, imported.imported_rows, imported.unchanged_rows) == ("done", 0, 1)
    result = _one_result(student)
    assert result.roster_import_id is None
    assert result.phq_total == 10  # the online answers
    answered.refresh_from_db()
    assert answered.result_id == result.pk
    kinds = list(TrackingTask.objects.values_list("kind", flat=True))
    assert sorted(kinds) == sorted(result.tasks.values_list("kind", flat=True))
    assert TrackingTask.Kind.CRISIS_ASSESSMENT in kinds
    assert len(kinds) == len(set(kinds))  # each task once


def test_two_rosters_of_new_students_at_once_import_them_once(campaign, account):
    rows = [[f"8100000{n}", f"学生{n}", "女", "八年级", "4班", "2012-05-03"] for n in range(5)]
    data = csv_bytes([row + [0] * 16 for row in rows])
    liaison = account("liaison")

    def upload() -> RosterImport:
        roster_import = RosterImport.objects.create(
            campaign=campaign, uploaded_by=liaison, original_name="r.csv"
        )
        return importing.run_import(roster_import, data)

    imports = at_the_same_time(upload)
    assert sorted((i.status, i.imported_rows, i.unchanged_rows) for i in imports) == [
        ("done", 0, 5),
        ("done", 5, 0),
    ]
    assert Student.objects.filter(class_name="4班").count() == 5
    assert ScreeningResult.objects.filter(campaign=campaign).count() == 5


def test_a_code_started_twice_at_once_gives_one_session(student, campaign, account):
    _window, slips = online.online_open(
        actor=account("liaison"), campaign=campaign, class_name=student.class_name
    )
    sessions = at_the_same_time(lambda: online.online_start(code=slips[0][1]), times=4)
    assert len({session.pk for session in sessions}) == 1
    assert OnlineSession.objects.count() == 1


def test_a_submission_sent_twice_at_once_is_stored_once(student, answered):
    sessions = at_the_same_time(lambda: online.online_submit(session_id=answered.pk), times=3)
    assert len({(session.result_id, session.submitted_at) for session in sessions}) == 1
    result = _one_result(student)
    kinds = list(TrackingTask.objects.values_list("kind", flat=True))
    assert sorted(kinds) == sorted(result.tasks.values_list("kind", flat=True))
    assert len(kinds) == len(set(kinds))


# A withdrawal of consent and the submission at the same moment (the student on the last
# question): both lock the student's row first, so one commits before the other reads.


@pytest.fixture
def withdrawal_held(monkeypatch) -> Iterator[tuple[threading.Event, threading.Event]]:
    """The first writer's withdrawal stops inside its transaction, its consent withdrawn and
    the student locked (before its tasks are settled), until released."""
    withdrawn, release = threading.Event(), threading.Event()
    settle = consent.settle_tasks_after_withdrawal

    def held(**arguments: Any) -> None:
        if threading.current_thread().name == FIRST:
            withdrawn.set()
            release.wait(timeout=30)
        settle(**arguments)

    monkeypatch.setattr(consent, "settle_tasks_after_withdrawal", held)
    yield withdrawn, release
    release.set()


def test_a_submission_during_a_withdrawal_is_refused_and_stores_nothing(
    campaign, student, answered, account, withdrawal_held
):
    withdraw = lambda: consent.consent_withdraw(  # noqa: E731
        actor=account("liaison"), campaign=campaign, student=student
    )
    submit = lambda: online.online_submit(session_id=answered.pk)  # noqa: E731
    outcomes = _race(withdraw, submit, withdrawal_held)

    assert outcomes[FIRST] == 1, outcomes[FIRST]
    assert outcomes["second waited"]  # the submission waited for the withdrawal's lock
    refused = outcomes["second"]
    assert isinstance(refused, online.CodeRefusedError), refused
    assert refused.code == "withdrawn"  # the kind page
    assert not ScreeningResult.objects.filter(student=student).exists()
    answered.refresh_from_db()
    assert (answered.submitted_at, answered.result_id) == (None, None)
    assert answered.answers  # kept, unscored


def test_a_withdrawal_during_a_submission_keeps_the_result_and_settles_its_tasks(
    campaign, student, answered, account, first_writer_held
):
    submit = lambda: online.online_submit(session_id=answered.pk)  # noqa: E731
    withdraw = lambda: consent.consent_withdraw(  # noqa: E731
        actor=account("liaison"), campaign=campaign, student=student
    )
    outcomes = _race(submit, withdraw, first_writer_held)

    assert not isinstance(outcomes[FIRST], Exception), outcomes[FIRST]
    assert outcomes["second"] == 1, outcomes["second"]
    assert outcomes["second waited"]  # the withdrawal waited for the submission's lock
    result = _one_result(student)
    answered.refresh_from_db()
    assert answered.result_id == result.pk
    # the withdrawal saw the committed result: its crisis task kept open, marked
    [crisis] = result.tasks.all()
    assert (crisis.kind, crisis.status) == ("crisis", "open")
    assert crisis.consent_withdrawn_at is not None
