"""Writes for outreach. One module per subject, each importing only the ones below it (none
imports this package); every name is re-exported here: callers write `services.event_create(...)`.

Each function is keyword-only with `actor` first, `@transaction.atomic`, writes its
`audit_log` entry and returns the record (README "How to add an app", step 4).
"""

# Targets, calendar feed
from outreach.services.calendar import calendar_feed_end as calendar_feed_end
from outreach.services.calendar import calendar_feed_reset as calendar_feed_reset
from outreach.services.events import (
    EVENT_FIELDS as EVENT_FIELDS,
)
from outreach.services.events import (
    event_cancel as event_cancel,
)
from outreach.services.events import (
    event_create as event_create,
)
from outreach.services.events import (
    event_mark_held as event_mark_held,
)
from outreach.services.events import (
    event_record_attendance as event_record_attendance,
)
from outreach.services.events import (
    event_update as event_update,
)
from outreach.services.events import (
    occurrence_times as occurrence_times,
)
from outreach.services.events import (
    series_cancel as series_cancel,
)
from outreach.services.events import (
    series_create as series_create,
)
from outreach.services.participants import (
    NoConsentError as NoConsentError,
)
from outreach.services.participants import (
    counselling_consent_in_force as counselling_consent_in_force,
)
from outreach.services.participants import (
    participant_add as participant_add,
)
from outreach.services.participants import (
    participant_remove as participant_remove,
)
from outreach.services.targets import can_edit_target as can_edit_target
from outreach.services.targets import remind_behind_targets as remind_behind_targets
from outreach.services.targets import site_target_set as site_target_set

__all__ = [
    "EVENT_FIELDS",
    "NoConsentError",
    "calendar_feed_end",
    "calendar_feed_reset",
    "can_edit_target",
    "counselling_consent_in_force",
    "event_cancel",
    "event_create",
    "event_mark_held",
    "event_record_attendance",
    "event_update",
    "occurrence_times",
    "participant_add",
    "participant_remove",
    "remind_behind_targets",
    "series_cancel",
    "series_create",
    "site_target_set",
]

from outreach.services.importing import RefusedSheetError as RefusedSheetError
from outreach.services.importing import SheetReport as SheetReport
from outreach.services.importing import sheet_import as sheet_import
from outreach.services.importing import validate_sheet as validate_sheet
from outreach.services.partners import AGREEMENT_FIELDS as AGREEMENT_FIELDS
from outreach.services.partners import PARTNER_FIELDS as PARTNER_FIELDS
from outreach.services.partners import agreement_create as agreement_create
from outreach.services.partners import agreement_update as agreement_update
from outreach.services.partners import partner_create as partner_create
from outreach.services.partners import partner_update as partner_update
from outreach.services.trainees import trainee_add as trainee_add
from outreach.services.trainees import trainee_remove as trainee_remove
from outreach.services.trainees import trainee_text_problems as trainee_text_problems
from outreach.services.trainees import trainees_count_set as trainees_count_set

__all__ += [
    "AGREEMENT_FIELDS",
    "PARTNER_FIELDS",
    "RefusedSheetError",
    "SheetReport",
    "agreement_create",
    "agreement_update",
    "partner_create",
    "partner_update",
    "sheet_import",
    "trainee_add",
    "trainee_remove",
    "trainee_text_problems",
    "trainees_count_set",
    "validate_sheet",
]
