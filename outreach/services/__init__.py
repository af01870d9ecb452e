"""Writes for outreach. One module per subject, each importing only the ones below it (none
imports this package); every name is re-exported here: callers write `services.event_create(...)`.

Each function is keyword-only with `actor` first, `@transaction.atomic`, writes its
`audit_log` entry and returns the record (README "How to add an app", step 4).
"""

# --- out1 --- events, series, attendance, participants, sign-in import

# --- end out1 ---

# --- out2 --- targets, calendar feed
from outreach.services.calendar import calendar_feed_end as calendar_feed_end
from outreach.services.calendar import calendar_feed_reset as calendar_feed_reset
from outreach.services.targets import can_edit_target as can_edit_target
from outreach.services.targets import remind_behind_targets as remind_behind_targets
from outreach.services.targets import site_target_set as site_target_set

# --- end out2 ---
