"""Per-student consent to a campaign (issue 16, DOMAIN.md §5.2): the liaison records, class by
class, the guardians' slips that came back, and a withdrawal; the student gives their own on the
first online screen (`screening.services.online.online_agree`). Who needs what is
`screening.models.needs_guardian_consent`; a withdrawal stops everything new for the campaign."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from centre import ages
from centre.audit import audit_log
from centre.errors import ServiceError
from centre.models import User
from centre.reminders import reminders_cancel
from screening import selectors
from screening.models import (
    Campaign,
    ScreeningResult,
    Student,
    StudentConsent,
    Tier,
    TrackingTask,
)


def _require_liaison(actor: User, campaign: Campaign) -> None:
    if not selectors.may_import_into(user=actor, campaign=campaign):
        raise PermissionDenied
    if not campaign.consent_basis:
        raise ServiceError(
            _("Record the campaign's consent basis first."), code="no_consent", field="basis"
        )


@transaction.atomic
def consent_record_guardians(
    *, actor: User, campaign: Campaign, students: list[Student], version: str = ""
) -> int:
    """Record the guardians' consent of `students` (their slips came back); returns how many
    are new. A slip recorded already is not doubled; a student whose consent was withdrawn is
    not recorded again (a withdrawal is final for the campaign). `students` are of the
    campaign's school (`selectors.class_consents`)."""
    _require_liaison(actor, campaign)
    if any(student.school_id != campaign.school_id for student in students):
        raise PermissionDenied
    withdrawn = selectors.withdrawn_student_numbers(campaign=campaign)
    recorded = set(
        StudentConsent.objects.filter(
            campaign=campaign,
            student__in=students,
            given_by=StudentConsent.GivenBy.GUARDIAN,
            withdrawn_at__isnull=True,
        ).values_list("student_id", flat=True)
    )
    chosen = [
        student
        for student in students
        if student.pk not in recorded and student.student_no not in withdrawn
    ]
    now = timezone.now()
    StudentConsent.objects.bulk_create(
        [
            StudentConsent(
                student=student,
                campaign=campaign,
                given_by=StudentConsent.GivenBy.GUARDIAN,
                version=version or settings.SCREENING_CONSENT_VERSION,
                basis=campaign.consent_basis,
                recorded_at=now,
                recorded_by=actor,
            )
            for student in chosen
        ],
        # The one-live-consent constraint: the same slips sent at once from two pages stay one.
        ignore_conflicts=True,
    )
    if chosen:
        audit_log(
            actor=actor,
            action="screening.consent.given",
            target=campaign,
            data={
                "given_by": StudentConsent.GivenBy.GUARDIAN,
                "students": [student.pk for student in chosen],
            },
        )
    return len(chosen)


def lock_student(student_id: int) -> None:
    """Held until the transaction ends: a withdrawal and an online submission of one student
    take this lock first, so one waits for the other and reads what it committed — a result is
    never stored after a withdrawal committed. NO KEY, as the roster's `store_rows` locks."""
    Student.objects.select_for_update(no_key=True).filter(pk=student_id).values_list(
        "pk", flat=True
    ).first()


def may_refuse_alone(*, campaign: Campaign, student: Student) -> bool:
    """Whether the student may refuse on their own (from 14, on the class's day); a refusal
    under 14 or of an unknown age is the guardian's."""
    if student.birth_date is None:
        return False
    day = selectors.consent_day(campaign=campaign, class_name=student.class_name)
    return ages.age_on(student.birth_date, day) >= ages.OWN_CONSENT_AGE


@transaction.atomic
def consent_withdraw(
    *,
    actor: User,
    campaign: Campaign,
    student: Student,
    refused_by: str = StudentConsent.GivenBy.GUARDIAN,
) -> int:
    """Withdraw every consent of `student` to `campaign` in force (a guardian's, the student's
    own), or, when nobody has consented yet, record `refused_by`'s refusal: from now on the
    student cannot start, answer or submit online, and a roster row for them in this campaign
    is refused. A result already submitted is kept (retention), nothing new is made of it, and
    its open tasks are settled (`settle_tasks_after_withdrawal`). Returns how many consents
    were withdrawn (0: a refusal recorded)."""
    _require_liaison(actor, campaign)
    lock_student(student.pk)  # an online submission of the student finishes first, or waits
    now = timezone.now()
    consents = StudentConsent.objects.filter(campaign=campaign, student=student)
    withdrawn = consents.filter(withdrawn_at__isnull=True).update(
        withdrawn_at=now, withdrawn_by=actor
    )
    if not withdrawn:
        if consents.exists():
            raise ServiceError(
                _("This student's consent to this campaign is already withdrawn."),
                code="withdrawn",
            )
        _record_refusal(actor, campaign, student, refused_by=refused_by, now=now)
    audit_log(
        actor=actor,
        action="screening.consent.withdrawn",
        target=student,
        data={"campaign": campaign.pk, "consents": withdrawn, "refused_by": refused_by},
    )
    settle_tasks_after_withdrawal(actor=actor, campaign=campaign, student=student, now=now)
    return withdrawn


def _record_refusal(
    actor: User, campaign: Campaign, student: Student, *, refused_by: str, now: datetime.datetime
) -> StudentConsent:
    if refused_by not in StudentConsent.GivenBy.values or (
        refused_by == StudentConsent.GivenBy.STUDENT
        and not may_refuse_alone(campaign=campaign, student=student)
    ):
        raise ServiceError(
            _("Under 14 the refusal is the guardian's."), code="invalid", field="refused_by"
        )
    return StudentConsent.objects.create(
        student=student,
        campaign=campaign,
        given_by=refused_by,
        version=settings.SCREENING_CONSENT_VERSION,
        basis=campaign.consent_basis,
        recorded_at=now,
        recorded_by=actor,
        withdrawn_at=now,
        withdrawn_by=actor,
        refused=True,
    )


def kept_after_withdrawal() -> Q:
    """The open tasks a withdrawal does not cancel: the C-SSRS crisis task and a red tier's
    first action. Duty of care comes first (DOMAIN.md §5.2: a 一级 disclosure needs no
    consent, PIPL 13(4)), so they stay, marked for the clinician."""
    return Q(kind=TrackingTask.Kind.CRISIS_ASSESSMENT) | Q(result__tier=Tier.RED)


def settle_tasks_after_withdrawal(
    *, actor: User, campaign: Campaign, student: Student, now: datetime.datetime
) -> None:
    """The student's open tasks of the campaign once their consent is withdrawn: a crisis task
    (and a red tier's first action) stays open, marked; every other open task (an interview, a
    re-screen, a class-teacher watch) is cancelled with the withdrawal as its reason, and what
    was still to be sent about it is cancelled. Both audited."""
    tasks = TrackingTask.objects.filter(
        result__campaign=campaign, result__student=student, status=TrackingTask.Status.OPEN
    )
    locked = list(tasks.select_for_update(of=("self",)).values_list("pk", flat=True))
    if not locked:
        return
    open_tasks = TrackingTask.objects.filter(pk__in=locked)
    kept = list(open_tasks.filter(kept_after_withdrawal()).values_list("pk", flat=True))
    cancelled = list(open_tasks.exclude(pk__in=kept))
    open_tasks.filter(pk__in=kept).update(consent_withdrawn_at=now, updated_at=now)
    open_tasks.filter(pk__in=[task.pk for task in cancelled]).update(
        status=TrackingTask.Status.CANCELLED,
        consent_withdrawn_at=now,
        done_at=now,
        done_by=actor,
        updated_at=now,
    )
    reminders = sum(reminders_cancel(target=task) for task in cancelled)
    result = ScreeningResult.objects.get(campaign=campaign, student=student)  # access: its tasks
    audit_log(
        actor=actor,
        action="screening.task.consent_withdrawn",
        target=result,
        data={
            "kept": kept,
            "cancelled": [task.pk for task in cancelled],
            "reminders_cancelled": reminders,
        },
    )
