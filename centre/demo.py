"""Demo data for centre: a small network of sites and schools, and one account per role.

`seed_demo` calls `seed(...)` in every app that has a `demo` module, centre first, so each app
adds realistic data for its own records. Everything is keyed by code or username: running it
again changes nothing that is already there.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.models import Group

from centre import two_factor, user_sessions
from centre.models import School, Site, User
from centre.roles import Role

SITES = [
    # code, name, kind, parent code
    ("CITY", "市未成年人心理健康辅导中心", Site.Kind.CITY_CENTRE, None),
    ("K01", "东湖区心理健康服务中心", Site.Kind.COUNTY_CENTRE, "CITY"),
    ("K02", "西山县心理健康服务中心", Site.Kind.COUNTY_CENTRE, "CITY"),
    ("K03", "南江县心理健康服务中心", Site.Kind.COUNTY_CENTRE, "CITY"),
    ("K01-S001", "东湖区实验中学心理服务站", Site.Kind.STATION, "K01"),
    ("K01-S002", "东湖区湖滨街道心理服务站", Site.Kind.STATION, "K01"),
    ("K02-S001", "西山县第一中学心理服务站", Site.Kind.STATION, "K02"),
    ("K03-S001", "南江县城关镇心理服务站", Site.Kind.STATION, "K03"),
]

SCHOOLS = [
    # code, name, district, level, site code
    ("SCH-0101", "东湖区实验中学", "东湖区", School.Level.JUNIOR, "K01-S001"),
    ("SCH-0102", "东湖区第二高级中学", "东湖区", School.Level.SENIOR, "K01-S001"),
    ("SCH-0103", "湖滨小学", "东湖区", School.Level.PRIMARY, "K01-S002"),
    ("SCH-0201", "西山县第一中学", "西山县", School.Level.SENIOR, "K02-S001"),
    ("SCH-0202", "西山县职业技术学校", "西山县", School.Level.VOCATIONAL, "K02-S001"),
    ("SCH-0301", "南江县城关初级中学", "南江县", School.Level.JUNIOR, "K03-S001"),
]


# The grades each level of school teaches, as its rosters write them, with the age a pupil
# usually reaches during that school year: a demo pupil is in a grade their school has.
GRADES = {
    School.Level.PRIMARY: [
        ("一年级", 7), ("二年级", 8), ("三年级", 9), ("四年级", 10), ("五年级", 11), ("六年级", 12),
    ],
    School.Level.JUNIOR: [("七年级", 13), ("八年级", 14), ("九年级", 15)],
    School.Level.SENIOR: [("高一", 16), ("高二", 17), ("高三", 18)],
    School.Level.VOCATIONAL: [("中职一年级", 16), ("中职二年级", 17), ("中职三年级", 18)],
}  # fmt: skip


def demo_pupil(level: str, rng: random.Random, *, grades: int | None = None) -> tuple[str, int]:
    """A grade `level` teaches (one of its top `grades` when given) and an age that fits it:
    its usual age, or a year younger for a pupil born late in the school year; a minor (≤ 17)."""
    taught = GRADES[School.Level(level)]
    grade, usual_age = rng.choice(taught[-grades:] if grades else taught)
    return grade, min(usual_age - rng.randint(0, 1), 17)


@dataclass(frozen=True)
class DemoAccount:
    username: str
    last_name: str
    first_name: str
    role: Role
    site_code: str
    school_code: str | None = None
    # The crisis team calls a flagged student's school through its liaison (the result page).
    phone: str = ""


ACCOUNTS = [
    DemoAccount("counsellor", "王", "敏", Role.COUNSELLOR, "K01"),
    DemoAccount("counsellor2", "李", "静", Role.COUNSELLOR, "K01"),
    DemoAccount("supervisor", "陈", "建国", Role.SUPERVISOR, "K01"),
    DemoAccount(
        "liaison", "赵", "老师", Role.SCHOOL_LIAISON, "K01-S001", "SCH-0101", phone="13800000101"
    ),
    DemoAccount(
        "liaison2", "孙", "老师", Role.SCHOOL_LIAISON, "K02-S001", "SCH-0201", phone="13800000201"
    ),
    DemoAccount("operator", "周", "晓", Role.HOTLINE_OPERATOR, "CITY"),
    DemoAccount("crisis", "吴", "强", Role.CRISIS_TEAM, "CITY"),
    DemoAccount("outreach", "郑", "洁", Role.OUTREACH_COORDINATOR, "K01"),
    DemoAccount("stats", "钱", "峰", Role.STATISTICS_ADMINISTRATOR, "CITY"),
    DemoAccount("auditor", "冯", "正", Role.AUDITOR, "CITY"),
    DemoAccount("admin", "何", "平", Role.SYSTEM_ADMINISTRATOR, "CITY"),
]


def seed(*, password: str | None, log: Callable[[str], object]) -> None:
    """Create the network and the accounts. `password` resets every demo account's password
    when given; when None, only new accounts need one and the caller has made sure it is set."""
    sites: dict[str | None, Site] = {}
    for code, name, kind, parent_code in SITES:
        sites[code], _created = Site.objects.update_or_create(
            code=code, defaults={"name": name, "kind": kind, "parent": sites.get(parent_code)}
        )
    schools: dict[str, School] = {}
    for code, name, district, level, site_code in SCHOOLS:
        schools[code], _created = School.objects.update_or_create(
            code=code,
            defaults={"name": name, "district": district, "level": level, "site": sites[site_code]},
        )
    log(f"sites: {len(sites)}, schools: {len(schools)}")

    for account in ACCOUNTS:
        user, created = User.objects.update_or_create(
            username=account.username,
            defaults={
                "last_name": account.last_name,
                "first_name": account.first_name,
                "site": sites[account.site_code],
                "school": schools.get(account.school_code) if account.school_code else None,
                "is_staff": account.role == Role.SYSTEM_ADMINISTRATOR,
                "is_active": True,
                "phone": account.phone,
            },
        )
        if created or password is not None:
            user.set_password(password)
            user.save(update_fields=["password"])
        user.groups.set([Group.objects.get(name=account.role.value)])
    log(f"accounts: {', '.join(account.username for account in ACCOUNTS)}")


def recovery_codes(*, renew: bool) -> dict[str, list[str]]:
    """Recovery codes for the demo accounts that have no second-step device yet (or for all
    of them, `renew`), by username: how a trial run passes the second step without a phone."""
    made = {}
    for account in ACCOUNTS:
        user = User.objects.get(username=account.username)
        if renew or not two_factor.has_device(user):
            made[account.username] = two_factor.recovery_codes_create(user=user)
            # A session verified by an old code ends with it (centre.middleware reads no device).
            user_sessions.sessions_end(
                user=user, actor=None, reason=user_sessions.EndReason.SECOND_FACTOR_RESET
            )
    return made


def missing_accounts() -> list[str]:
    existing = set(
        User.objects.filter(username__in=[a.username for a in ACCOUNTS]).values_list(
            "username", flat=True
        )
    )
    return [account.username for account in ACCOUNTS if account.username not in existing]
