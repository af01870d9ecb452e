"""The bounds of the dates and numbers people type, in one place: the pages' Django forms, the
API's DRF serializers and the models' field validators all use these validators, so a value the
API refuses the pages refuse too, with the same message.

Each validator raises Django's ValidationError (DRF turns it into a 400 naming the field). A
date far outside any plausible range is a typing slip (`0001-01-01`) or an attack; refused here
it never reaches a list, where one such row would break the reads of everyone who sees it."""

from __future__ import annotations

import datetime
import re

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# A client is a minor, or a young adult still followed after they came of age.
OLDEST_CLIENT_YEARS = 25
# Records of what happened (a session held, a case conference) go back at most this far.
RECORD_YEARS_BACK = 10
# Follow-ups, appointments and campaigns are planned (or moved) within this many years of today.
PLANNING_YEARS = 3
# A session is logged once it has taken place; a clock a few minutes fast is not refused.
CLOCK_SLACK = datetime.timedelta(minutes=5)
# The longest session or contact: a working day.
SESSION_MINUTES_MAX = 8 * 60


def years_from(day: datetime.date, years: int) -> datetime.date:
    """`day` moved by whole years (29 February becomes 28 February in other years)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def local_date(value: datetime.date | datetime.datetime) -> datetime.date:
    """The calendar day of a date, or of a moment in the centre's time zone."""
    if isinstance(value, datetime.datetime):
        if not timezone.is_aware(value):
            return value.date()
        try:
            return timezone.localtime(value).date()
        except OverflowError as error:  # 0001-01-01T00:00+14:00 is a day before year 1 here
            raise ValidationError(
                _("This moment is out of range: check the year."), code="out_of_range"
            ) from error
    return value


# A phone number as typed on a form: ASCII digits with spaces, dashes, brackets and a leading
# "+" (a superscript or full-width digit reaches no SMS gateway).
PHONE = re.compile(r"\+?[0-9()][0-9 ()-]{4,30}", re.ASCII)


def validate_phone(value: str, *, field: str | None = "phone") -> None:
    """Refuse a number no gateway can dial, on `field` (a service's record field), or as a
    plain error when `field` is None (a form's own clean_<field> method, which may not name
    another field)."""
    if PHONE.fullmatch(value.strip()):
        return
    message = _("Write the phone number in digits 0–9 (a leading + is allowed).")
    raise ValidationError({field: message} if field else message, code="phone")


def validate_birth_date(value: datetime.date) -> None:
    """A plausible date of birth for a client: in the past, at most OLDEST_CLIENT_YEARS ago."""
    today = timezone.localdate()
    if value >= today:
        raise ValidationError(_("The date of birth must be in the past."), code="future")
    if value < years_from(today, -OLDEST_CLIENT_YEARS):
        raise ValidationError(
            _("A client is at most %(years)s years old: check the year of birth.")
            % {"years": OLDEST_CLIENT_YEARS},
            code="too_old",
        )


def validate_held_at(value: datetime.datetime) -> None:
    """When a session took place: not in the future, at most RECORD_YEARS_BACK ago."""
    if value > timezone.now() + CLOCK_SLACK:
        raise ValidationError(_("A session is logged once it has taken place."), code="future")
    _refuse_before(value, RECORD_YEARS_BACK)


def validate_past_date(value: datetime.date) -> None:
    """A day something happened (a case conference): not in the future, within the record."""
    if local_date(value) > timezone.localdate():
        raise ValidationError(_("This date cannot be in the future."), code="future")
    _refuse_before(value, RECORD_YEARS_BACK)


def validate_planned(value: datetime.date | datetime.datetime) -> None:
    """A follow-up, an appointment, a campaign's dates: within PLANNING_YEARS of today."""
    today = timezone.localdate()
    day = local_date(value)
    if not years_from(today, -PLANNING_YEARS) <= day <= years_from(today, PLANNING_YEARS):
        raise ValidationError(
            _("Choose a date within %(years)s years of today.") % {"years": PLANNING_YEARS},
            code="out_of_range",
        )


def _refuse_before(value: datetime.date | datetime.datetime, years: int) -> None:
    if local_date(value) < years_from(timezone.localdate(), -years):
        raise ValidationError(
            _("This date is more than %(years)s years ago: check the year.") % {"years": years},
            code="too_old",
        )


SESSION_MINUTES = [MinValueValidator(0), MaxValueValidator(SESSION_MINUTES_MAX)]

# A hotline call's summary: a few paragraphs, never a transcript.
CALL_SUMMARY_MAX = 4000
# The longest a caller stays flagged (abusive) at a time.
CALLER_FLAG_DAYS_MAX = 90
