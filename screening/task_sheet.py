"""The class teachers' task sheet (DOMAIN.md §5.2: "teachers receive tasks, not data"): per
student their class, what to do and by when — never a score, a band, a tier or a flag. The same
rows are downloaded as XLSX and printed; the words of each task pass the content filter of
DOMAIN.md §4.3 (`centre.content_filter`), in both languages (tests/screening/test_task_sheet.py)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from screening.models import TrackingTask

# A sheet lists at most this many tasks: a school's open tasks are a few thousand at most.
MAX_TASKS = 10_000

# What the class teacher does, by task: neutral words, the same for every tier.
TEACHER_TASKS: dict[str, Promise] = {
    TrackingTask.Kind.CRISIS_ASSESSMENT: gettext_lazy(
        "Accompany the student in person to the counselling room by the time given."
    ),
    TrackingTask.Kind.INTERVIEW: gettext_lazy(
        "Send the student to the counselling room for a talk with the school counsellor by the "
        "date given."
    ),
    TrackingTask.Kind.WATCH: gettext_lazy(
        "Keep an eye on the student in class and tell the school liaison of any change in mood, "
        "attendance or behaviour."
    ),
    TrackingTask.Kind.RESCREEN: gettext_lazy(
        "Make sure the student takes part in the next questionnaire."
    ),
}


@dataclass(frozen=True)
class SheetRow:
    student_no: str
    name: str
    grade: str
    class_name: str
    to_do: str
    due: str

    @property
    def group(self) -> str:
        """The class it is handed to: one printed page each."""
        return f"{self.grade}{self.class_name}"


def header() -> list[str]:
    return [_("Student number"), _("Student"), _("Grade"), _("Class"), _("What to do"), _("Do by")]


def sheet_rows(tasks: Iterable[TrackingTask]) -> list[SheetRow]:
    """The sheet's rows, by grade, class and due time: nothing of the result but the task."""
    rows = []
    for task in tasks:
        student = task.result.student
        due = timezone.localtime(task.due_at).strftime("%Y-%m-%d %H:%M")
        rows.append(
            SheetRow(
                student_no=student.student_no,
                name=student.full_name,
                grade=student.grade,
                class_name=student.class_name,
                to_do=str(TEACHER_TASKS[task.kind]),
                due=due,
            )
        )
    return rows


def as_cells(row: SheetRow) -> list[str]:
    return [row.student_no, row.name, row.grade, row.class_name, row.to_do, row.due]
