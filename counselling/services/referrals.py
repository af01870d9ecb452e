"""Referrals along the green channel (DOMAIN.md §2.4): creating one and moving it along."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from centre.audit import audit_log
from centre.content_filter import forbidden_words
from centre.errors import ConflictError
from centre.models import User
from centre.text import without_invisible, word_characters
from counselling.models import (
    RISK_RANK,
    Case,
    Client,
    Consent,
    Referral,
    ReferralEvent,
    RiskLevel,
    school_sharing_withdrawn,
)
from counselling.services.clients import _crisis_exception, consent_lapsed_at, has_active_consent
from counselling.services.plausibility import require_appointment_passed


def referral_sla_hours(*, risk_level: str) -> int:
    """Hours from `created` to the first clinical visit (DOMAIN.md §2.4; configurable policy)."""
    return int(settings.REFERRAL_SLA_HOURS[risk_level])


def may_share_with_hospital(*, case: Case) -> bool:
    """The child's details go to the hospital with a consent to share with it in force, or at
    high or imminent risk: the emergency exception (PIPL Art. 13(4)/18)."""
    emergency = RISK_RANK[RiskLevel(case.risk_level)] >= RISK_RANK[RiskLevel.HIGH]
    return emergency or has_active_consent(
        client=case.client, purpose=Consent.Purpose.SHARE_WITH_HOSPITAL
    )


def require_letter_to_hospital(*, referral: Referral) -> None:
    """The referral letter is printed for a referral to the hospital only while its details may
    be shared with it (the consent may have been withdrawn since the referral was made)."""
    if not may_share_with_hospital(case=referral.case):
        raise ConflictError(
            _(
                "The consent to share with the hospital is no longer in force and the risk is "
                "not high: the letter cannot be printed. Record a new consent first."
            ),
            code="consent_missing",
        )


@transaction.atomic
def referral_create(
    *, actor: User, case: Case, destination: str, reason: str, crisis_reason: str = ""
) -> Referral:
    """Refer along the green channel. Without a consent to counselling in force only as the
    crisis exception (`crisis_reason`, audited); to the hospital also with a consent to share
    with it, or at high or imminent risk."""
    lapsed_at = consent_lapsed_at(client=case.client, purpose=Consent.Purpose.COUNSELLING)
    if lapsed_at is not None:
        _crisis_exception(
            actor=actor, case=case, reason=crisis_reason, lapsed_at=lapsed_at, work="referral"
        )
    to_hospital = destination in {
        Referral.Destination.HOSPITAL_PSYCHIATRY,
        Referral.Destination.OUTPATIENT,
    }
    if to_hospital and not may_share_with_hospital(case=case):
        raise ValidationError(
            _("Referring to the hospital needs consent to share with it."), code="consent_missing"
        )
    if not word_characters(
        reason
    ):  # zero-width spaces and punctuation tell the next service nothing
        raise ValidationError({"reason": _("Say why the child is referred.")})
    now = timezone.now()
    referral = Referral(
        case=case,
        destination=destination,
        reason=without_invisible(reason),
        created_by=actor,
        due_at=now + datetime.timedelta(hours=referral_sla_hours(risk_level=case.risk_level)),
    )
    referral.full_clean()
    referral.save()
    ReferralEvent.objects.create(referral=referral, status=referral.status, actor=actor, at=now)
    audit_log(
        actor=actor,
        action="counselling.referral.created",
        target=case,
        data={"referral": referral.pk, "destination": destination},
    )
    return referral


def _require_school_sharing(case: Case) -> None:
    """No feedback goes to the school once the consent to share with it is withdrawn."""
    client = case.client
    if Client.objects.filter(school_sharing_withdrawn(client.pk), pk=client.pk).exists():
        lapsed_at = consent_lapsed_at(client=client, purpose=Consent.Purpose.SHARE_WITH_SCHOOL)
        raise ValidationError(
            {
                "feedback_to_school": _(
                    "The consent to share with the school was withdrawn on %(day)s: no feedback "
                    "goes to the school. Close the referral instead."
                )
                % {"day": timezone.localdate(lapsed_at).isoformat() if lapsed_at else "—"}
            },
            code="consent_withdrawn",
        )


@transaction.atomic
def referral_advance(
    *,
    actor: User,
    referral: Referral,
    status: str,
    scheduled_for: datetime.datetime | None = None,
    feedback_to_school: str = "",
) -> Referral:
    """Move the referral to `status`. Attended or no-show only once its appointment's time has
    come (`ImplausibleError`); an appointment later than the SLA deadline is saved, and the
    referral says so (`appointment_after_deadline`: a warning, not a refusal)."""
    allowed = Referral.NEXT_STATUSES[Referral.Status(referral.status)]
    if status not in allowed:
        raise ValidationError(
            {
                "status": _("A referral cannot go from %(old)s to %(new)s.")
                % {"old": referral.get_status_display(), "new": Referral.Status(status).label}
            }
        )
    require_appointment_passed(referral, status)
    fields = ["status", "updated_at"]
    if status == Referral.Status.SCHEDULED:
        if scheduled_for is None:
            raise ValidationError({"scheduled_for": _("Give the appointment's date and time.")})
        referral.scheduled_for = scheduled_for
        fields.append("scheduled_for")
    if status == Referral.Status.FEEDBACK:
        _require_school_sharing(referral.case)
        words = forbidden_words(feedback_to_school)
        if not word_characters(feedback_to_school) or words:
            raise ValidationError(
                {
                    "feedback_to_school": _(
                        "Feedback to a school carries attendance, return-to-school advice and "
                        "accommodations only; remove: %(words)s"
                    )
                    % {"words": "、".join(words) or "—"}
                }
            )
        referral.feedback_to_school = without_invisible(feedback_to_school)
        fields.append("feedback_to_school")
    if status == Referral.Status.CLOSED:
        referral.closed_at = timezone.now()
        fields.append("closed_at")
    previous = referral.status
    referral.status = status
    referral.save(update_fields=fields)
    ReferralEvent.objects.create(referral=referral, status=status, actor=actor)
    audit_log(
        actor=actor,
        action="counselling.referral.advanced",
        target=referral.case,
        data={"referral": referral.pk, "from": previous, "to": status},
    )
    return referral
