"""Kept for the tests and scripts that import `counselling.follow_ups`: the follow-up services
now live in `counselling.services` (planning in `services.follow_ups`, recording an outcome in
`services.outcomes`, the conference reminder in `services.conferences`). New code calls
`services.<name>`."""

from counselling.services.conferences import remind_case_conferences
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

__all__ = [
    "escalate_overdue",
    "follow_up_add",
    "follow_up_cancel",
    "follow_up_move",
    "follow_up_plan_create",
    "follow_up_plan_on_status",
    "follow_up_record_outcome",
    "pathway_for",
    "plan_dates",
    "plan_reminders",
    "remind_case_conferences",
    "send_digests",
    "sms_recipient",
    "step_offset",
    "supervisors_of",
]
