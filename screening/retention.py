"""Screening's retention (centre.retention, DOMAIN.md §5.5): SCREENING_ITEM_RETENTION_MONTHS
after a campaign closed, the item-level answers of the students it never flagged are removed
(their totals and tier stay, for the counts), and so are the uploaded roster files (names and
dates of birth as typed). A student who left the school (graduated, transferred) has theirs
removed sooner: SCREENING_LEAVING_GRACE_DAYS after the leaving date, whichever comes first.
Flagged students' data stays for the case plan + 3 years, a review (README "Retention and
backups")."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from centre import retention
from centre.legal_holds import held_ids
from centre.retention import erase_file
from screening.models import (
    OnlineSession,
    RosterImport,
    ScreeningResult,
    Student,
    Tier,
    TrackingTask,
)


def _unflagged_with_answers() -> QuerySet[ScreeningResult]:
    """Results never flagged by score, clinician or crisis answer, with no task, whose answers
    are still there, of students no legal hold keeps."""
    any_task = TrackingTask.objects.filter(result=OuterRef("pk"))
    return (
        ScreeningResult.objects.filter(
            tier=Tier.NONE,
            score_tier=Tier.NONE,
            settled_tier=Tier.NONE,
            crisis_flag=False,
        )
        .filter(~Exists(any_task))
        .exclude(answers={})
        .exclude(student__in=held_ids(Student))  # a hold on the student keeps their answers
    )


def unflagged_answers_expired(*, cutoff: datetime.datetime) -> QuerySet[ScreeningResult]:
    """Unflagged results of campaigns closed before the cutoff (SCREENING_ITEM_RETENTION_MONTHS
    ago)."""
    return _unflagged_with_answers().filter(campaign__closes_on__lt=timezone.localdate(cutoff))


def left_school_answers_expired(*, cutoff: datetime.datetime) -> QuerySet[ScreeningResult]:
    """Unflagged results of students who left the school (DOMAIN.md §5.5 "or at graduation"):
    SCREENING_LEAVING_GRACE_DAYS (the cutoff) after the leaving date, after the day it was
    recorded, and after the campaign closed. Those the 12 months already take are left to them,
    so a row is counted (and a dry run reports it) under one type only."""
    now = cutoff + datetime.timedelta(days=settings.SCREENING_LEAVING_GRACE_DAYS)
    months_cutoff = retention.cutoff(retention.policy_of("screening.screeningresult"), now=now)
    day = timezone.localdate(cutoff)
    return (
        _unflagged_with_answers()
        .filter(
            student__left_on__lte=day,
            student__left_recorded_at__lte=cutoff,
            campaign__closes_on__lt=day,
        )
        .exclude(campaign__closes_on__lt=timezone.localdate(months_cutoff))
    )


def answers_deidentify(*, rows: QuerySet[ScreeningResult]) -> int:
    """Remove the answers and the per-item scoring; the totals, tier and student stay."""
    ids = list(rows.values_list("pk", flat=True))
    OnlineSession.objects.filter(result__in=ids).update(answers={})
    return ScreeningResult.objects.filter(pk__in=ids).update(answers={}, scores={})


def roster_files_expired(*, cutoff: datetime.datetime) -> QuerySet[RosterImport]:
    return RosterImport.objects.filter(campaign__closes_on__lt=timezone.localdate(cutoff)).exclude(
        file=""
    )


def roster_files_erase(*, rows: QuerySet[RosterImport]) -> int:
    return sum(erase_file(roster_import, "file") for roster_import in rows)
