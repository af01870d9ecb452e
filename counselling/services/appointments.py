"""Appointments: a session planned at a time, its guardian's reminder, cancelling it, and
turning it into a logged session in one step.

The guardian's SMS goes through the outbox (`centre.reminders`) with the same rules as a
follow-up's (`follow_ups.sms_recipient`: a consent to reminders, never for high or imminent risk,
a masked salutation, never the child's name): the evening before, or at once when that evening
has passed and the appointment is more than `SMS_NOTICE` away. Its text is the declared template
`appointment_sms`, the follow-up's words ("appointment" at a time, a number to change it)."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from centre.audit import audit_log
from centre.errors import ServiceError
from centre.models import Reminder, User
from centre.reminders import reminder_plan, reminders_cancel
from centre.versioning import save_versioned
from counselling.models import Appointment, Case, CounsellingSession
from counselling.services.follow_ups import sms_recipient
from counselling.services.sessions import session_log

# Too close to the appointment for a text to help: the counsellor calls instead.
SMS_NOTICE = datetime.timedelta(hours=2)
EVENING_HOUR = 18


class ClosedCaseError(ServiceError):
    code = "case_closed"


def _require_open(case: Case) -> None:
    if case.status == Case.Status.CLOSED:
        raise ClosedCaseError(
            _("This case is closed: reopen it before planning or logging a session.")
        )


def _require_planned(appointment: Appointment) -> None:
    if appointment.status != Appointment.Status.PLANNED:
        raise ValidationError(_("This appointment is no longer planned."), code="not_planned")


@transaction.atomic
def appointment_plan(
    *,
    actor: User,
    case: Case,
    starts_at: datetime.datetime,
    modality: str,
    kind: str,
    duration_minutes: int = 50,
) -> Appointment:
    """Plan a session of `case` at `starts_at` (in the future, within the planning years), with
    the guardian's reminder where consent allows. The counsellor is the actor."""
    _require_open(case)
    if duration_minutes < 1:
        raise ValidationError(
            {"duration_minutes": _("An appointment lasts at least a minute.")}, code="empty"
        )
    if starts_at <= timezone.now():
        raise ValidationError(
            {"starts_at": _("An appointment is planned for a time still to come.")},
            code="past",
        )
    appointment = Appointment(
        case=case,
        counsellor=actor,
        starts_at=starts_at,
        modality=modality,
        kind=kind,
        duration_minutes=duration_minutes,
        created_by=actor,
    )
    appointment.full_clean(exclude=["session"])
    appointment.save()
    reminder = plan_appointment_reminder(appointment)
    audit_log(
        actor=actor,
        action="counselling.appointment.planned",
        target=case,
        data={"appointment": appointment.pk, "reminder": reminder is not None},
    )
    return appointment


def plan_appointment_reminder(appointment: Appointment) -> Reminder | None:
    """The guardian's SMS about `appointment`, if anyone may get one and there is still time."""
    recipient = sms_recipient(appointment.case)
    now = timezone.now()
    if recipient is None or appointment.starts_at - now < SMS_NOTICE:
        return None
    phone, language, salutation = recipient
    day = timezone.localdate(appointment.starts_at)
    evening_before = timezone.make_aware(
        datetime.datetime.combine(day - datetime.timedelta(days=1), datetime.time(EVENING_HOUR))
    )
    return reminder_plan(
        key=f"appointment:{appointment.pk}:sms:{appointment.starts_at.isoformat()}",
        channel=Reminder.Channel.SMS,
        due_at=max(now, evening_before),
        template="appointment_sms",
        params={"salutation": salutation, "when": appointment.starts_at.isoformat()},
        phone=phone,
        language=language,
        target=appointment,
        site=appointment.case.site,
    )


@transaction.atomic
def appointment_cancel(
    *, actor: User, appointment: Appointment, expected_version: int
) -> Appointment:
    """Cancel a planned appointment; its reminder still waiting is not sent."""
    _require_planned(appointment)
    save_versioned(
        appointment,
        expected_version=expected_version,
        fields={"status": Appointment.Status.CANCELLED},
    )
    reminders_cancel(target=appointment)
    audit_log(
        actor=actor,
        action="counselling.appointment.cancelled",
        target=appointment.case,
        data={"appointment": appointment.pk},
    )
    return appointment


@transaction.atomic
def appointment_to_session(
    *, actor: User, appointment: Appointment, expected_version: int, **session_fields: Any
) -> CounsellingSession:
    """Log the session the appointment planned (`session_log`'s fields, prefilled from it by the
    form) and mark the appointment done, in one transaction: both or neither."""
    _require_planned(appointment)
    _require_open(appointment.case)
    save_versioned(
        appointment, expected_version=expected_version, fields={"status": Appointment.Status.DONE}
    )
    session = session_log(actor=actor, case=appointment.case, **session_fields)
    Appointment.objects.filter(pk=appointment.pk).update(session=session)
    appointment.session = session
    reminders_cancel(target=appointment)
    audit_log(
        actor=actor,
        action="counselling.appointment.done",
        target=appointment.case,
        data={"appointment": appointment.pk, "session": session.pk},
    )
    return session
