"""Storing a validated roster: the valid rows (default) or nothing unless every row is valid
(`all_or_nothing`), each table as one COPY; the import row tells the progress and the outcome."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from centre.audit import audit_log
from centre.bulk import insert_rows
from centre.models import School
from screening import scoring, selectors, tiers
from screening.importing.validation import Row, Validated, validate
from screening.models import Campaign, RosterImport, ScreeningResult, Student, TrackingTask
from screening.roster_files import estimated_rows
from screening.roster_limits import RefusedRosterError

# pg_advisory_xact_lock(key, school) of _lock_new_students (centre's keys are 72_050_00n).
NEW_STUDENTS_LOCK = 72_050_101


def run_import(roster_import: RosterImport, data: bytes) -> RosterImport:
    """Validate and store one roster; the import row tells the progress and the outcome."""
    campaign = roster_import.campaign

    def progress(done: int) -> None:
        RosterImport.objects.filter(pk=roster_import.pk).update(done_rows=done)

    # A conditional claim: a second delivery of the task, or an import the sweep already ended,
    # runs nothing.
    claimed = RosterImport.objects.filter(
        pk=roster_import.pk, status=RosterImport.Status.WAITING
    ).update(
        status=RosterImport.Status.RUNNING,
        started_at=timezone.now(),
        total_rows=estimated_rows(data, roster_import.original_name)
        if len(data) <= settings.ROSTER_MAX_BYTES
        else 0,
    )
    if not claimed:
        roster_import.refresh_from_db()
        return roster_import
    try:
        validated = validate(data, roster_import.original_name, campaign, progress=progress)
    except RefusedRosterError as refused:
        _finish(roster_import, status=RosterImport.Status.REFUSED, message=refused.message)
        return roster_import
    roster_import.total_rows = validated.total_rows
    roster_import.errors = validated.errors
    if validated.bad_rows and roster_import.all_or_nothing:
        _finish(
            roster_import,
            status=RosterImport.Status.DONE,
            message=_("Nothing was imported: %(count)s rows have errors (all or nothing).")
            % {"count": validated.bad_rows},
        )
        return roster_import
    imported, unchanged = _store(roster_import, validated.rows)
    roster_import.imported_rows, roster_import.unchanged_rows = imported, unchanged
    _finish(roster_import, status=RosterImport.Status.DONE, message=_listed(validated))
    audit_log(
        actor=roster_import.uploaded_by,
        action="screening.roster.imported",
        target=roster_import,
        data={"imported": imported, "unchanged": unchanged, "errors": len(validated.errors)},
    )
    return roster_import


def _listed(validated: Validated) -> str:
    if not validated.errors_left_out:
        return ""
    return _("%(count)s rows have errors; the report lists the first %(listed)s errors only.") % {
        "count": validated.bad_rows,
        "listed": len(validated.errors),
    }


def _finish(roster_import: RosterImport, *, status: str, message: str = "") -> None:
    roster_import.status = status
    roster_import.message = message
    roster_import.done_rows = roster_import.total_rows
    roster_import.finished_at = timezone.now()
    roster_import.save(
        update_fields=[
            "status",
            "message",
            "total_rows",
            "done_rows",
            "errors",
            "imported_rows",
            "unchanged_rows",
            "finished_at",
        ]
    )


def _store(roster_import: RosterImport, rows: list[Row]) -> tuple[int, int]:
    imported, unchanged, _results = store_rows(roster_import.campaign, rows, roster_import)
    return imported, unchanged


@transaction.atomic
def store_rows(
    campaign: Campaign, rows: list[Row], roster_import: RosterImport | None = None
) -> tuple[int, int, dict[str, int]]:
    """Students the school does not know yet, then one result per student new to the campaign,
    then the tasks of the flagged ones — each as one COPY (centre.bulk). A roster's rows and an
    online submission (`roster_import` None) are stored here alike. Returns the rows imported,
    those unchanged (the student already had a result) and each row's result id by number."""
    school = campaign.school
    import_id = roster_import.pk if roster_import else None
    now = timezone.now()
    numbers = [row.student_no for row in rows]
    known = _student_ids(school, numbers)
    if len(known) < len(set(numbers)):
        # Two imports bringing the same new students at once: the second waits, then finds
        # them (their COPY would otherwise break the second on the school's student number).
        _lock_new_students(school)
        known = _student_ids(school, numbers)
    insert_rows(
        Student,
        STUDENT_COLUMNS,
        (
            (now, now, school.pk, row.student_no, row.name, row.sex, row.grade, row.class_name,
             row.birth_date, import_id)
            for row in rows
            if row.student_no not in known
        ),
    )  # fmt: skip
    # A roster and an online submission (or two rosters) giving one student a result at once:
    # the second waits for the first's commit, then reads its result and matches it (else
    # both would find none and the second break on the one result per campaign and student).
    known = _locked_student_ids(school, numbers)
    if roster_import is not None:
        rows = _without_withdrawn(campaign, rows)
    already = set(
        ScreeningResult.objects.filter(
            campaign=campaign, student_id__in=known.values()
        ).values_list("student_id", flat=True)
    )
    new_rows = [row for row in rows if known[row.student_no] not in already]
    insert_rows(
        ScreeningResult,
        RESULT_COLUMNS,
        (_result_values(campaign, import_id, row, known[row.student_no], now) for row in new_rows),
    )
    result_ids = dict(
        ScreeningResult.objects.filter(
            campaign=campaign, student_id__in=known.values()
        ).values_list("student_id", "pk")
    )
    insert_rows(
        TrackingTask,
        TASK_COLUMNS,
        (
            (now, now, result_ids[known[row.student_no]], kind, due_at, "open")
            for row in new_rows
            for kind, due_at in _tasks(row, now)
        ),
    )
    matched = [row for row in rows if known[row.student_no] in already]
    _keep_crisis_answers([(row, result_ids[known[row.student_no]]) for row in matched], now)
    by_number = {row.student_no: result_ids[known[row.student_no]] for row in rows}
    return len(new_rows), len(rows) - len(new_rows), by_number


def _without_withdrawn(campaign: Campaign, rows: list[Row]) -> list[Row]:
    """A roster's rows less those whose consent was withdrawn after the roster was validated:
    read again under the students' locks, which a withdrawal takes too (DOMAIN.md §5.2: nothing
    new once consent is withdrawn)."""
    withdrawn = selectors.withdrawn_student_numbers(campaign=campaign)
    return [row for row in rows if row.student_no not in withdrawn]


def _keep_crisis_answers(matched: list[tuple[Row, int]], now: datetime.datetime) -> None:
    """A crisis answer (item 9, serious thoughts this month, a lifetime attempt) in a row whose
    student already has this campaign's result — a second roster, or the online form after a
    roster: the stored result stands (one per campaign), but what the student told us is never
    dropped. The results are flagged and get their C-SSRS task with the crisis SLA, unless one
    is open already — in three statements for any number of rows, as the rest of a roster."""
    delays = {
        result_id: datetime.timedelta(hours=row.tier.crisis_task_sla_hours)
        for row, result_id in matched
        if row.tier.crisis_task_sla_hours is not None
    }
    if not delays:
        return
    ScreeningResult.objects.filter(pk__in=delays).update(crisis_flag=True)
    open_already = set(
        TrackingTask.objects.filter(
            result_id__in=delays,
            kind=TrackingTask.Kind.CRISIS_ASSESSMENT,
            status=TrackingTask.Status.OPEN,
        ).values_list("result_id", flat=True)
    )
    insert_rows(
        TrackingTask,
        TASK_COLUMNS,
        (
            (now, now, result_id, TrackingTask.Kind.CRISIS_ASSESSMENT, now + delay, "open")
            for result_id, delay in delays.items()
            if result_id not in open_already
        ),
    )


STUDENT_COLUMNS = [
    "created_at",
    "updated_at",
    "school_id",
    "student_no",
    "full_name",
    "sex",
    "grade",
    "class_name",
    "birth_date",
    "first_import_id",
]
RESULT_COLUMNS = [
    "campaign_id",
    "student_id",
    "roster_import_id",
    "answers",
    "scores",
    "phq_total",
    "gad_total",
    "sdq_total",
    "crisis_flag",
    "score_tier",
    "settled_tier",
    "tier",
    "tier_confirmed",
    "cssrs_band",
    "screened_at",
]
TASK_COLUMNS = ["created_at", "updated_at", "result_id", "kind", "due_at", "status"]


def _student_ids(school: School, numbers: list[str]) -> dict[str, int]:
    return dict(
        Student.objects.filter(school=school, student_no__in=numbers).values_list(
            "student_no", "pk"
        )
    )


def _locked_student_ids(school: School, numbers: list[str]) -> dict[str, int]:
    """The students locked until the transaction ends, in one order (no deadlock between two
    rosters). NO KEY: a row inserted meanwhile referring to a student (a code) does not wait."""
    students = Student.objects.filter(school=school, student_no__in=numbers).order_by("pk")
    return dict(students.select_for_update(no_key=True).values_list("student_no", "pk"))


def _lock_new_students(school: School) -> None:
    """Held until the transaction ends: one writer of the school's new students at a time."""
    if connection.vendor != "postgresql":
        return  # SQLite (a trial run) has one writer at a time anyway
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s::int, %s::int)", [NEW_STUDENTS_LOCK, school.pk]
        )


def _result_values(
    campaign: Campaign,
    import_id: int | None,
    row: Row,
    student_id: int,
    now: datetime.datetime,
) -> tuple[Any, ...]:
    def total(instrument: str) -> int | None:
        return row.scores.get(instrument, {}).get("total")

    phq = total(scoring.PHQA) if scoring.PHQA in row.scores else total(scoring.PHQ9)
    return (
        campaign.pk,
        student_id,
        import_id,
        row.answers,
        row.scores,
        phq,
        total(scoring.GAD7),
        total(scoring.SDQ),
        row.tier.provisional,
        row.tier.tier,
        row.tier.settled_tier,
        row.tier.tier,
        False,
        "",
        now,
    )


def _tasks(row: Row, now: datetime.datetime) -> list[tuple[str, datetime.datetime]]:
    return [(kind, now + delay) for kind, delay in tiers.first_tasks(row.tier)]
