"""The hotline's services, one module per subject (each importing only those below it)."""

from hotline.services.alerts import (
    acknowledge,
    add_action,
    close,
    escalate_alerts,
    raise_alert,
)
from hotline.services.callbacks import (
    due_for,
    may_record,
    plan_callback,
    record_outcome,
)
from hotline.services.calls import (
    ACTIONS_BY_RISK,
    actions_for,
    call_draft_update,
    call_link_case,
    call_open_case,
    call_save,
    call_saved,
    call_start,
    caller_flag_set,
    case_risk_of,
    cssrs_risk,
    high_risk_warnings,
    mandatory_report_record,
)
from hotline.services.handover import handover_mark_read, handover_write
from hotline.services.rota import (
    on_call_now,
    rota_gaps,
    shift_add,
    shift_edit,
    shift_remove,
)

__all__ = [
    "ACTIONS_BY_RISK",
    "acknowledge",
    "actions_for",
    "add_action",
    "call_draft_update",
    "call_link_case",
    "call_open_case",
    "call_save",
    "call_saved",
    "call_start",
    "caller_flag_set",
    "case_risk_of",
    "close",
    "cssrs_risk",
    "due_for",
    "escalate_alerts",
    "handover_mark_read",
    "handover_write",
    "high_risk_warnings",
    "mandatory_report_record",
    "may_record",
    "on_call_now",
    "plan_callback",
    "raise_alert",
    "record_outcome",
    "rota_gaps",
    "shift_add",
    "shift_edit",
    "shift_remove",
]
