"""Counselling sessions: logging one (with the risk it assessed) and editing its notes."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from centre import field_rules
from centre.audit import audit_log
from centre.errors import ImplausibleError
from centre.models import User
from centre.versioning import save_versioned
from counselling.models import Case, Consent, CounsellingSession
from counselling.services.cases import case_change_risk
from counselling.services.clients import _crisis_exception, consent_lapsed_at
from counselling.services.plausibility import (
    require_held_after_birth,
    require_held_while_open,
    require_open_for_session,
)

SESSION_NOTE_FIELDS = ["note_presenting", "note_intervention", "note_plan"]


@transaction.atomic
def session_log(
    *,
    actor: User,
    case: Case,
    held_at: datetime.datetime,
    modality: str,
    kind: str,
    attendance: str,
    duration_minutes: int = 50,
    note_presenting: str = "",
    note_intervention: str = "",
    note_plan: str = "",
    risk_assessed: str = "",
    crisis_reason: str = "",
    case_version: int | None = None,
) -> CounsellingSession:
    """Record a session. A risk assessed at the session that differs from the case's moves the
    case's risk level, with the session as the reason: refused as a stale edit (and nothing
    logged) if the case was saved since `case_version` was read (the form's; the case as loaded
    when not given).

    A session held after the consent to counselling was withdrawn is refused, unless it is the
    crisis exception (`crisis_reason`, audited); so is one on a closed case (reopen it first)
    or before the child was born (`ImplausibleError`)."""
    require_open_for_session(case)
    require_held_after_birth(case, held_at)
    lapsed_at = consent_lapsed_at(client=case.client, purpose=Consent.Purpose.COUNSELLING)
    # Sessions are logged to the minute: one in the minute of the withdrawal counts as after it.
    if lapsed_at is not None and held_at >= lapsed_at.replace(second=0, microsecond=0):
        _crisis_exception(
            actor=actor, case=case, reason=crisis_reason, lapsed_at=lapsed_at, work="session"
        )
    session = CounsellingSession(
        case=case,
        counsellor=actor,
        held_at=held_at,
        modality=modality,
        kind=kind,
        attendance=attendance,
        duration_minutes=duration_minutes,
        note_presenting=note_presenting,
        note_intervention=note_intervention,
        note_plan=note_plan,
        risk_assessed=risk_assessed,
    )
    session.full_clean()
    session.save()
    audit_log(
        actor=actor,
        action="counselling.session.logged",
        target=case,
        data={"session": session.pk, "kind": kind, "attendance": attendance},
    )
    if risk_assessed and risk_assessed != case.risk_level:
        case_change_risk(
            actor=actor,
            case=case,
            level=risk_assessed,
            expected_version=case.version if case_version is None else case_version,
            reason=_("Assessed at the session of %(day)s")
            % {"day": timezone.localtime(held_at).date().isoformat()},
        )
    return session


@transaction.atomic
def session_update(
    *, actor: User, session: CounsellingSession, expected_version: int, **fields: Any
) -> CounsellingSession:
    """Change a session's notes, attendance, duration or date (`held_at`). A date keeps to the
    session's rules: taken place, not before the child was born, not after the case closed, and
    not after the consent to counselling lapsed (a session then is the crisis exception, logged
    as such, never made one by moving its date)."""
    unknown = set(fields) - {*SESSION_NOTE_FIELDS, "attendance", "duration_minutes", "held_at"}
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    fields = {name: value for name, value in fields.items() if getattr(session, name) != value}
    if "held_at" in fields:
        _require_plausible_move(session, fields["held_at"])
    save_versioned(session, expected_version=expected_version, fields=fields)
    audit_log(
        actor=actor,
        action="counselling.session.changed",
        target=session.case,
        data={"session": session.pk, "fields": sorted(fields)},
    )
    return session


def _require_plausible_move(session: CounsellingSession, held_at: datetime.datetime) -> None:
    try:
        field_rules.validate_held_at(held_at)
    except ValidationError as error:
        raise ValidationError({"held_at": error.messages}) from error
    case = session.case
    require_held_after_birth(case, held_at)
    require_held_while_open(case, held_at)
    lapsed_at = consent_lapsed_at(client=case.client, purpose=Consent.Purpose.COUNSELLING)
    if lapsed_at is not None and held_at >= lapsed_at.replace(second=0, microsecond=0):
        raise ImplausibleError(
            _(
                "The consent to counselling was withdrawn on %(day)s: a session after that is "
                "logged as the crisis exception, not moved there."
            )
            % {"day": timezone.localdate(lapsed_at).isoformat()},
            field="held_at",
        )
