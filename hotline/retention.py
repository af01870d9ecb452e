"""The hotline's retention (centre.retention): calls and crisis alerts go
HOTLINE_RETENTION_YEARS after they started (DOMAIN.md §3.1, §5.5), with their issues, reports,
callbacks and alert events (cascades), and the flags on callers' numbers that long after they
ended. Never while a crisis is open: an alert not closed keeps itself and its call, and a call
linked to a case file still open stays with it."""

from __future__ import annotations

import datetime

from django.db.models import Exists, OuterRef, QuerySet

from counselling.models import Case
from hotline.models import Call, CallerFlag, CrisisAlert


def calls_expired(*, cutoff: datetime.datetime) -> QuerySet[Call]:
    open_alert = CrisisAlert.objects.filter(call=OuterRef("pk")).exclude(
        status=CrisisAlert.Status.CLOSED
    )
    return (
        Call.objects.filter(started_at__lt=cutoff)
        .filter(~Exists(open_alert))
        .exclude(case__in=Case.objects.exclude(status=Case.Status.CLOSED))
    )


def alerts_expired(*, cutoff: datetime.datetime) -> QuerySet[CrisisAlert]:
    return CrisisAlert.objects.filter(raised_at__lt=cutoff, status=CrisisAlert.Status.CLOSED)


def caller_flags_expired(*, cutoff: datetime.datetime) -> QuerySet[CallerFlag]:
    """A flag on a caller's number (its blind index) goes a window after it stopped applying: the
    call it came from may be long gone (SET_NULL), and the index still names the number."""
    return CallerFlag.objects.filter(until__lt=cutoff)
