"""Writes. Every change goes through one of these: they check the business rules, give and take
django-guardian grants, write the audit entry and refuse a stale edit.

Callers (views, APIs, commands) have already checked that the actor may see the record, with
the selectors; preconditions beyond that are in each docstring.

One module per subject, each importing only the ones below it (none imports this package):
plausibility checks; clients and consent; follow-up planning; access (grants, shares,
break-glass); cases; sessions, safety plans, referrals; appointments (above sessions); outcomes of
follow-ups (above cases and follow-ups); conferences. Every name is re-exported here: callers
write `services.case_open(...)`.
"""

from counselling.services.access import break_glass_open, case_record_read, case_share, case_unshare
from counselling.services.appointments import (
    ClosedCaseError,
    appointment_cancel,
    appointment_plan,
    appointment_to_session,
    plan_appointment_reminder,
)
from counselling.services.cases import (
    CASE_TRANSITIONS,
    case_assign,
    case_change_risk,
    case_change_status,
    case_open,
    case_open_from_intake,
    case_open_green_channel,
    case_update,
    may_return_to_active_work,
)
from counselling.services.clients import (
    ADULT_CONSENT_AGE,
    GUARDIAN_FIELDS,
    REASON_MINIMUM,
    DuplicateClientError,
    client_register,
    consent_lapsed_at,
    consent_record,
    consent_withdraw,
    guardian_add,
    guardian_update,
    has_active_consent,
)
from counselling.services.conferences import case_conference_record, remind_case_conferences
from counselling.services.follow_ups import (
    escalate_overdue,
    follow_up_add,
    follow_up_cancel,
    follow_up_move,
    follow_up_plan_create,
    follow_up_plan_on_status,
    pathway_for,
    plan_dates,
    plan_reminders,
    send_digests,
    sms_recipient,
    step_offset,
    supervisors_of,
)
from counselling.services.outcomes import follow_up_record_outcome
from counselling.services.plausibility import (
    require_appointment_passed,
    require_due_ahead,
    require_held_after_birth,
    require_held_while_open,
    require_open_for_session,
)
from counselling.services.referrals import (
    may_share_with_hospital,
    referral_advance,
    referral_create,
    referral_sla_hours,
    require_letter_to_hospital,
)
from counselling.services.safety_plans import case_needs_safety_plan, safety_plan_save
from counselling.services.sessions import SESSION_NOTE_FIELDS, session_log, session_update

__all__ = [
    "ADULT_CONSENT_AGE",
    "CASE_TRANSITIONS",
    "GUARDIAN_FIELDS",
    "REASON_MINIMUM",
    "SESSION_NOTE_FIELDS",
    "ClosedCaseError",
    "DuplicateClientError",
    "appointment_cancel",
    "appointment_plan",
    "appointment_to_session",
    "break_glass_open",
    "case_assign",
    "case_change_risk",
    "case_change_status",
    "case_conference_record",
    "case_needs_safety_plan",
    "case_open",
    "case_open_from_intake",
    "case_open_green_channel",
    "case_record_read",
    "case_share",
    "case_unshare",
    "case_update",
    "client_register",
    "consent_lapsed_at",
    "consent_record",
    "consent_withdraw",
    "escalate_overdue",
    "follow_up_add",
    "follow_up_cancel",
    "follow_up_move",
    "follow_up_plan_create",
    "follow_up_plan_on_status",
    "follow_up_record_outcome",
    "guardian_add",
    "guardian_update",
    "has_active_consent",
    "may_return_to_active_work",
    "may_share_with_hospital",
    "pathway_for",
    "plan_appointment_reminder",
    "plan_dates",
    "plan_reminders",
    "referral_advance",
    "referral_create",
    "referral_sla_hours",
    "remind_case_conferences",
    "require_appointment_passed",
    "require_due_ahead",
    "require_held_after_birth",
    "require_held_while_open",
    "require_letter_to_hospital",
    "require_open_for_session",
    "safety_plan_save",
    "send_digests",
    "session_log",
    "session_update",
    "sms_recipient",
    "step_offset",
    "supervisors_of",
]
