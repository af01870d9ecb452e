"""Outreach's retention (centre.retention): a group participant names a counselling case file,
and goes with it, COUNSELLING_RETENTION_YEARS after the case closed (the event and its counts
stay)."""

from __future__ import annotations

import datetime

from django.db.models import QuerySet

from outreach.models import Participant


def participants_expired(*, cutoff: datetime.datetime) -> QuerySet[Participant]:
    return Participant.objects.filter(case__closed_at__lt=cutoff)
