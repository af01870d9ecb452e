"""Demo screening for `seed_demo`: a campaign per demo school with a screened roster imported
through the real import, and flagged students at every tier (one red after its interview); at
the first schools one class (its class list, not in the roster) opened online, two in three of
its students having submitted (the statistics' online figures are not zero)."""

from __future__ import annotations

import csv
import datetime
import io
import random

from django.utils import timezone

from centre.demo import demo_pupil
from centre.models import School, User
from centre.roles import Role
from screening import online_questions, services
from screening.models import Campaign, ConsentBasis, RosterImport, ScreeningResult, Student

STUDENTS_PER_SCHOOL = 200
ONLINE_SCHOOLS = 2  # the first schools with a liaison open their class "9班" online

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡"
GIVEN = "子涵欣怡梓萱一诺浩然宇轩思远雨桐俊杰佳怡嘉懿沐宸若汐晨阳语嫣明哲诗涵博文可馨天佑"


def seed(*, password, log) -> None:
    if Campaign.objects.exists():
        log("screening campaigns already there")
        return
    today = timezone.localdate()
    liaisons = {
        user.school_id: user
        for user in User.objects.filter(
            groups__name=Role.SCHOOL_LIAISON.value, school__isnull=False
        )
    }
    fallback = next(iter(liaisons.values()), None)
    if fallback is None:
        return
    opened = 0
    for school in School.objects.order_by("code"):
        campaign = Campaign.objects.create(
            school=school,
            name=f"{today.year}年秋季心理健康筛查",
            instruments=["PHQ-A", "GAD-7"],
            opens_on=today - datetime.timedelta(days=30),
            closes_on=today + datetime.timedelta(days=30),
            liaison=liaisons.get(school.pk, fallback),
        )
        outcome = services.roster_import_file(
            actor=campaign.liaison,
            campaign=campaign,
            name="名单.csv",
            data=_roster(school),
            all_or_nothing=False,
        )
        if outcome.status != RosterImport.Status.DONE:  # the service ends it as failed, quietly
            raise RuntimeError(f"demo roster import {outcome.pk}: {outcome.message}")
        _interview_one(campaign)
        if opened < ONLINE_SCHOOLS and school.pk in liaisons:  # its own liaison opens a class
            _online_class(campaign)
            opened += 1
    log(f"{Campaign.objects.count()} campaigns, {ScreeningResult.objects.count()} results")


def _roster(school: School) -> bytes:
    rng = random.Random(f"screening-{school.code}")  # noqa: S311 (made-up demo data)
    header = ["学号", "姓名", "性别", "年级", "班级", "出生日期"]
    header += [f"PHQA_{n}" for n in range(1, 10)] + [f"GAD7_{n}" for n in range(1, 8)]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    primary = school.level == School.Level.PRIMARY
    for number in range(1, STUDENTS_PER_SCHOOL + 1):
        # Mostly well; a tail of raised scores, as in a real school (about 1 in 6 flagged).
        level = rng.choices([0, 1, 2, 3], weights=[70, 16, 9, 5])[0]
        phq = [min(3, max(0, rng.randint(0, 1) + level - rng.randint(0, 1))) for _ in range(8)]
        item9 = 1 if level == 3 and rng.random() < 0.5 else 0
        gad = [min(3, max(0, rng.randint(0, 1) + level - 1)) for _ in range(7)]
        # A grade the school teaches (a primary school screens its two top grades: PHQ-A is
        # for ages 11 to 17), and a birthday that fits it.
        grade, age = demo_pupil(school.level, rng, grades=2 if primary else None)
        today = timezone.localdate()
        born = today.replace(year=today.year - age, day=min(today.day, 28))
        born -= datetime.timedelta(days=rng.randint(1, 360))
        writer.writerow(
            [
                f"{school.code[-4:]}{number:04d}",
                rng.choice(SURNAMES) + rng.choice(GIVEN[::2]) + rng.choice(GIVEN[1::2]),
                rng.choice(["男", "女"]),
                grade,
                f"{rng.randint(1, 8)}班",
                born.isoformat(),
                *phq,
                item9,
                *gad,
            ]
        )
    return buffer.getvalue().encode("gb18030")


ONLINE_CLASS_SIZE = 30


def _online_class(campaign: Campaign, class_name: str = "9班") -> None:
    """A class the roster left out (its class list imported, no answers), opened online, every
    guardian's slip back; two in three of its students agree on the first screen and submit,
    answering the lowest choice throughout. (A class the roster screened gets no slips.)"""
    school = campaign.school
    rng = random.Random(f"online-{school.code}")  # noqa: S311 (made-up demo data)
    today = timezone.localdate()
    students = []
    for number in range(1, ONLINE_CLASS_SIZE + 1):
        grade, age = demo_pupil(
            school.level, rng, grades=2 if school.level == School.Level.PRIMARY else None
        )
        born = today.replace(year=today.year - age, day=min(today.day, 28))
        students.append(
            Student(
                school=school,
                student_no=f"{school.code[-4:]}9{number:03d}",
                full_name=rng.choice(SURNAMES) + rng.choice(GIVEN[::2]) + rng.choice(GIVEN[1::2]),
                sex=rng.choice(["男", "女"]),
                grade=grade,
                class_name=class_name,
                birth_date=born - datetime.timedelta(days=rng.randint(1, 360)),
            )
        )
    Student.objects.bulk_create(students)
    services.campaign_record_consent(
        actor=campaign.liaison, campaign=campaign, basis=ConsentBasis.BY_AGE
    )
    _window, slips = services.online_open(
        actor=campaign.liaison, campaign=campaign, class_name=class_name
    )
    # Every guardian's slip came back (under 14 the code would not start without it).
    services.consent_record_guardians(
        actor=campaign.liaison, campaign=campaign, students=[student for student, _code in slips]
    )
    asked = online_questions.questions(campaign.instruments)
    for _student, code in slips[: len(slips) * 2 // 3]:
        session = services.online_start(code=code)
        services.online_agree(session_id=session.pk)
        for question in asked:
            lowest = min(value for value, _label in question.choices)
            services.online_answer(session_id=session.pk, key=question.key, value=lowest)
        services.online_submit(session_id=session.pk)


def _interview_one(campaign: Campaign) -> None:
    """One crisis-flagged student interviewed: C-SSRS high, so the demo has a red tier."""
    result = ScreeningResult.objects.filter(campaign=campaign, crisis_flag=True).first()
    counsellor = User.objects.filter(groups__name=Role.COUNSELLOR.value).first()
    if result is None or counsellor is None:
        return
    services.result_record_cssrs(
        actor=counsellor,
        result=result,
        answers={"q1": True, "q2": True, "q3": True, "q4": True, "q5": False, "q6": False},
    )
