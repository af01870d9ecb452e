"""`seed_demo`'s screening: a campaign per demo school, every tier present, once."""

from __future__ import annotations

from centre.models import School
from screening import demo
from screening.models import Campaign, ScreeningResult, TrackingTask


def test_every_demo_school_has_a_screened_roster_with_every_tier(demo_network):
    demo.seed(password=None, log=lambda message: None)
    assert Campaign.objects.count() == School.objects.count()
    tiers = set(ScreeningResult.objects.values_list("tier", flat=True))
    assert tiers == {"red", "orange", "yellow", "blue", "none"}
    assert TrackingTask.objects.filter(kind="crisis", status="open").exists()
    count = ScreeningResult.objects.count()
    demo.seed(password=None, log=lambda message: None)
    assert ScreeningResult.objects.count() == count


def test_demo_pupils_are_in_grades_their_school_has_at_an_age_that_fits(demo_network):
    from django.utils import timezone

    from centre.demo import GRADES
    from screening.models import Student

    demo.seed(password=None, log=lambda message: None)
    today = timezone.localdate()
    students = Student.objects.select_related("school")
    grades_seen: dict[str, set[str]] = {}
    for student in students:
        usual_age = dict(GRADES[student.school.level])[student.grade]  # KeyError: a wrong grade
        born = student.birth_date
        age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
        assert usual_age - 1 <= age <= min(usual_age, 17), (student.grade, age)
        grades_seen.setdefault(student.school.level, set()).add(student.grade)
    # PHQ-A is for ages 11 to 17: a primary school screens its top two grades only.
    assert grades_seen["primary"] == {"五年级", "六年级"}
    assert grades_seen["senior"] == {"高一", "高二", "高三"}
