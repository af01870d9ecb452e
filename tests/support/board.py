"""Many flagged students at once, for the tracking board: students, results and their open
tasks written in bulk (the roster import is tested elsewhere; here the board is)."""

from __future__ import annotations

import datetime

from django.utils import timezone

from screening.models import Campaign, ScreeningResult, Student, TrackingTask

TIERS = ["red", "orange", "yellow", "blue"]
KINDS = {"red": "crisis", "orange": "interview", "yellow": "interview", "blue": "watch"}
GRADES = ["七年级", "八年级", "九年级"]
CLASSES = ["1班", "2班", "3班", "4班"]


def tier_of(number: int) -> str:
    """Every tier in every grade and class (3 grades × 4 classes repeat every 12 students)."""
    return TIERS[(number // 12) % len(TIERS)]


def flag_students(campaign: Campaign, count: int, *, start: int = 1) -> list[TrackingTask]:
    """`count` flagged students of the campaign's school, one open task each: grades, classes
    and tiers in turn (every combination), due from 3 days ago (overdue) on, an hour apart."""
    now = timezone.now()
    students = Student.objects.bulk_create(
        Student(
            school=campaign.school,
            student_no=f"S{number:06d}",
            full_name=f"看板学生{number}",
            grade=GRADES[number % len(GRADES)],
            class_name=CLASSES[number % len(CLASSES)],
        )
        for number in range(start, start + count)
    )
    results = ScreeningResult.objects.bulk_create(
        ScreeningResult(
            campaign=campaign,
            student=student,
            answers={},
            scores={"PHQ-A": {"total": 17, "band": "moderately_severe"}},
            phq_total=17,
            score_tier=tier_of(index),
            settled_tier=tier_of(index),
            tier=tier_of(index),
        )
        for index, student in enumerate(students, start=start)
    )
    return TrackingTask.objects.bulk_create(
        TrackingTask(
            result=result,
            kind=KINDS[result.tier],
            due_at=now - datetime.timedelta(days=3) + datetime.timedelta(hours=index),
        )
        for index, result in enumerate(results)
    )
