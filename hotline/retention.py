"""The hotline's retention (centre.retention): calls and crisis alerts go
HOTLINE_RETENTION_YEARS after they started (DOMAIN.md §3.1, §5.5), with their issues, reports,
callbacks and alert events (cascades)."""

from __future__ import annotations

import datetime

from django.db.models import QuerySet

from hotline.models import Call, CrisisAlert


def calls_expired(*, cutoff: datetime.datetime) -> QuerySet[Call]:
    return Call.objects.filter(started_at__lt=cutoff)


def alerts_expired(*, cutoff: datetime.datetime) -> QuerySet[CrisisAlert]:
    return CrisisAlert.objects.filter(raised_at__lt=cutoff)
