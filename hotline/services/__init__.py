"""The hotline's services, one module per subject (each importing only those below it).

Three engineers share this file: keep additions inside your block."""

# --- calls (hot1) ---
# --- end calls (hot1) ---
# --- alerts, rota (hot2) ---
from hotline.services.alerts import (  # noqa: F401
    acknowledge,
    add_action,
    close,
    escalate_alerts,
    raise_alert,
)

# --- end alerts, rota (hot2) ---
# --- callbacks, handover (hot3) ---
from hotline.services.callbacks import (  # noqa: F401
    due_for,
    may_record,
    plan_callback,
    record_outcome,
)
from hotline.services.calls import (  # noqa: F401
    ACTIONS_BY_RISK,
    actions_for,
    call_draft_update,
    call_link_case,
    call_save,
    call_saved,
    call_start,
    caller_flag_set,
    cssrs_risk,
    high_risk_warnings,
    mandatory_report_record,
)
from hotline.services.rota import (  # noqa: F401
    on_call_now,
    rota_gaps,
    shift_add,
    shift_edit,
    shift_remove,
)
# --- end callbacks, handover (hot3) ---
