"""Students who left the school (issue 17, DOMAIN.md §5.5 "or at graduation"): the school's
liaison, or a clinician of its site, records that a class (or a grade, or a few students) left
on a day, graduated or transferred, and may undo it. The leaving date is a retention event: the
item-level answers of those never flagged are de-identified SCREENING_LEAVING_GRACE_DAYS after
it (screening.retention); undone before that, nothing is lost."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from centre import field_rules
from centre.audit import audit_log
from centre.errors import ImplausibleError, ServiceError
from centre.models import User
from screening import selectors
from screening.models import Campaign, LeftReason, Student

NUMBERS_SHOWN = 20  # student numbers named in a refusal, then "…"


def _require_manager(actor: User, campaign: Campaign, students: list[Student]) -> None:
    if not selectors.may_import_into(user=actor, campaign=campaign):
        raise PermissionDenied
    if not students:
        raise ServiceError(_("Tick at least one student."), code="no_students", field="students")
    if any(student.school_id != campaign.school_id for student in students):
        raise ServiceError(
            _("Only students of this campaign's school can be marked."),
            code="other_school",
            field="students",
        )


def _numbers(students: list[Student]) -> str:
    numbers = sorted(student.student_no for student in students)
    shown = "、".join(numbers[:NUMBERS_SHOWN])
    return shown + ("…" if len(numbers) > NUMBERS_SHOWN else "")


def leaving_check(
    *, actor: User, campaign: Campaign, students: list[Student], left_on: datetime.date, reason: str
) -> None:
    """Refuse a leaving that cannot be true, before the confirmation page and again when it is
    recorded: a day in the future or more than RECORD_YEARS_BACK ago (a year 1 typed), not after
    a student's date of birth, a reason that is not one, a student of another school. (When a
    student was screened says nothing: a roster's results carry the day it was imported.)"""
    _require_manager(actor, campaign, students)
    if reason not in LeftReason.values:
        raise ServiceError(_("Choose why the students left."), code="invalid", field="reason")
    try:
        field_rules.validate_past_date(left_on)
    except ValidationError as error:
        raise ImplausibleError(" ".join(error.messages), field="left_on") from error
    unborn = [s for s in students if s.birth_date is not None and s.birth_date >= left_on]
    if unborn:
        raise ImplausibleError(
            _("The leaving date is not after the date of birth of %(numbers)s.")
            % {"numbers": _numbers(unborn)},
            field="left_on",
        )


@transaction.atomic
def students_mark_left(
    *, actor: User, campaign: Campaign, students: list[Student], left_on: datetime.date, reason: str
) -> int:
    """Record that `students` (of the campaign's school) left on `left_on`; returns how many were
    marked. A student marked already keeps their date (undo it first to change it)."""
    leaving_check(actor=actor, campaign=campaign, students=students, left_on=left_on, reason=reason)
    rows = Student.objects.filter(  # access: checked above
        pk__in=[student.pk for student in students], left_on__isnull=True
    )
    marked = list(rows.select_for_update(no_key=True).values_list("pk", flat=True))
    now = timezone.now()
    Student.objects.filter(pk__in=marked).update(
        left_on=left_on, left_reason=reason, left_recorded_at=now, updated_at=now
    )
    if marked:
        audit_log(
            actor=actor,
            action="screening.student.left",
            target=campaign,
            data={"students": marked, "left_on": left_on.isoformat(), "reason": reason},
        )
    return len(marked)


@transaction.atomic
def students_unmark_left(*, actor: User, campaign: Campaign, students: list[Student]) -> int:
    """Record that `students` are at the school after all; returns how many were marked. Answers
    the retention run de-identified meanwhile stay gone: the audit entry counts them."""
    _require_manager(actor, campaign, students)
    rows = Student.objects.filter(  # access: checked above
        pk__in=[student.pk for student in students], left_on__isnull=False
    )
    unmarked = list(rows.select_for_update(no_key=True).values_list("pk", flat=True))
    Student.objects.filter(pk__in=unmarked).update(
        left_on=None, left_reason="", left_recorded_at=None, updated_at=timezone.now()
    )
    if unmarked:
        audit_log(
            actor=actor,
            action="screening.student.left_undone",
            target=campaign,
            data={
                "students": unmarked,
                "answers_gone": selectors.students_with_answers_gone(student_ids=unmarked),
            },
        )
    return len(unmarked)
