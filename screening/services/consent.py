"""Per-student consent to a campaign (issue 16, DOMAIN.md §5.2): the liaison records, class by
class, the guardians' slips that came back, and a withdrawal; the student gives their own on the
first online screen (`screening.services.online.online_agree`). Who needs what is
`screening.models.needs_guardian_consent`; a withdrawal stops everything new for the campaign."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from centre.audit import audit_log
from centre.errors import ServiceError
from centre.models import User
from screening import selectors
from screening.models import Campaign, Student, StudentConsent


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


@transaction.atomic
def consent_withdraw(*, actor: User, campaign: Campaign, student: Student) -> int:
    """Withdraw every consent of `student` to `campaign` in force (a guardian's, the student's
    own): from now on the student cannot start, answer or submit online, and a roster row for
    them in this campaign is refused. A result already submitted is kept (retention), nothing
    new is made of it. Returns how many were withdrawn."""
    _require_liaison(actor, campaign)
    live = StudentConsent.objects.select_for_update().filter(
        campaign=campaign, student=student, withdrawn_at__isnull=True
    )
    withdrawn = live.update(withdrawn_at=timezone.now(), withdrawn_by=actor)
    if not withdrawn:
        raise ServiceError(
            _("No consent of this student is recorded for this campaign."), code="no_consent"
        )
    audit_log(
        actor=actor,
        action="screening.consent.withdrawn",
        target=student,
        data={"campaign": campaign.pk, "consents": withdrawn},
    )
    return withdrawn
