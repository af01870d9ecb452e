"""Screening's retention (centre.retention, DOMAIN.md §5.5): SCREENING_ITEM_RETENTION_MONTHS
after a campaign closed, the item-level answers of the students it never flagged are removed
(their totals and tier stay, for the counts), and so are the uploaded roster files (names and
dates of birth as typed). Flagged students' data stays for the case plan + 3 years, a review
(README "Retention and backups")."""

from __future__ import annotations

import datetime

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

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


def unflagged_answers_expired(*, cutoff: datetime.datetime) -> QuerySet[ScreeningResult]:
    """Results of closed campaigns, never flagged by score, clinician or crisis answer, and with
    no task, whose answers are still there."""
    any_task = TrackingTask.objects.filter(result=OuterRef("pk"))
    return (
        ScreeningResult.objects.filter(
            campaign__closes_on__lt=timezone.localdate(cutoff),
            tier=Tier.NONE,
            score_tier=Tier.NONE,
            settled_tier=Tier.NONE,
            crisis_flag=False,
        )
        .filter(~Exists(any_task))
        .exclude(answers={})
        .exclude(student__in=held_ids(Student))  # a hold on the student keeps their answers
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
