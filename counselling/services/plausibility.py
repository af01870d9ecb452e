"""Plausibility: values that cannot be true of the record they are about. Each check raises
`centre.errors.ImplausibleError` (400) naming the field, so a page shows the reason on it with
what was typed kept, and the API answers `{"code": "implausible", "field": …}`.

The bounds every date has whatever its record (not in the future, not a century ago) are the
field rules (`centre.field_rules`); these are the rules a value breaks against its own record:
a session before the child was born, on a closed case, a follow-up due in the past, a referral
attended before its appointment. Nothing here writes; the services call these first."""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from centre.errors import ImplausibleError
from centre.field_rules import CLOCK_SLACK
from counselling.models import Case, Referral


def require_open_for_session(case: Case) -> None:
    """A closed case takes no new session: it is reopened first (a decision with its own audit
    entry and follow-up consequences), never silently worked on."""
    if case.status == Case.Status.CLOSED:
        raise ImplausibleError(
            _("This case is closed: reopen it before logging a session."), code="case_closed"
        )


def require_held_after_birth(case: Case, held_at: datetime.datetime) -> None:
    born = case.client.date_of_birth
    if timezone.localtime(held_at).date() < born:
        raise ImplausibleError(
            _("The child was born on %(day)s: a session cannot be held before that.")
            % {"day": born.isoformat()},
            field="held_at",
        )


def require_held_while_open(case: Case, held_at: datetime.datetime) -> None:
    """A session's date moved after the case closed would be a session on a closed case."""
    if case.closed_at is not None and held_at > case.closed_at:
        raise ImplausibleError(
            _("The case closed on %(day)s: a session cannot be held after that.")
            % {"day": timezone.localdate(case.closed_at).isoformat()},
            field="held_at",
        )


def require_due_ahead(due_at: datetime.datetime) -> None:
    """A follow-up is planned (or moved) for now or later; a contact that already happened is
    recorded as the outcome of a follow-up. A clock a few minutes apart is not refused."""
    if due_at < timezone.now() - CLOCK_SLACK:
        raise ImplausibleError(
            _("A follow-up cannot be due in the past: choose a time from now on."),
            field="due_at",
        )


def require_appointment_passed(referral: Referral, status: str) -> None:
    """Attended (or not) is known only once the appointment's time has come."""
    outcome = {Referral.Status.ATTENDED, Referral.Status.NO_SHOW}
    appointment = referral.scheduled_for
    if status in outcome and appointment is not None and timezone.now() < appointment:
        raise ImplausibleError(
            _(
                "The appointment is on %(when)s: whether the child attended can be recorded "
                "from then on."
            )
            % {"when": timezone.localtime(appointment).strftime("%Y-%m-%d %H:%M")},
            field="status",
        )
