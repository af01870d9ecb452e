"""Writes for outreach. One module per subject, each importing only the ones below it (none
imports this package); every name is re-exported here: callers write `services.event_create(...)`.

Each function is keyword-only with `actor` first, `@transaction.atomic`, writes its
`audit_log` entry and returns the record (README "How to add an app", step 4).
"""

# --- out1 --- events, series, attendance, participants, sign-in import

# --- end out1 ---

# --- out2 ---

# --- end out2 ---
