"""The hotline's services, one module per subject (each importing only those below it).

Three engineers share this file: keep additions inside your block."""

# --- calls (hot1) ---
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
# --- end calls (hot1) ---

# --- alerts, rota (hot2) ---
# --- end alerts, rota (hot2) ---

# --- callbacks, handover (hot3) ---
# --- end callbacks, handover (hot3) ---
