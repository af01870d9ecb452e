"""The counselling cast, on top of the demo network (tests/conftest.py `demo_network`):

- `alice` (demo `counsellor`) leads `alice_case`; `bob` (demo `counsellor2`) leads `bob_case`;
  both at site K01. No case is shared between them.
- `sam` (demo `supervisor`, K01) sees every case of K01 and the stations below it.
- `liaison`, `operator`, `stats`, `auditor`, `outreach`, `crisis` see no case content.
"""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from centre.models import School, Site, User
from counselling import services
from counselling.models import Consent, Guardian
from tests.conftest import DEMO_PASSWORD


@pytest.fixture
def k01(demo_network) -> Site:
    return Site.objects.get(code="K01")


@pytest.fixture
def school(demo_network) -> School:
    return School.objects.get(code="SCH-0101")


@pytest.fixture
def staff_at(demo_network):
    """A new member of staff with `role` at the site `code` (a child is registered by the
    staff of the site they are registered at)."""

    def make(username: str, role: str, code: str) -> User:
        user = User.objects.create_user(
            username=username, password=DEMO_PASSWORD, site=Site.objects.get(code=code)
        )
        user.groups.add(Group.objects.get(name=role))
        return user

    return make


@pytest.fixture
def alice(account):
    return account("counsellor")


@pytest.fixture
def bob(account):
    return account("counsellor2")


@pytest.fixture
def sam(account):
    return account("supervisor")


def years_ago(years: int, days: int = 30) -> datetime.date:
    today = timezone.localdate()
    return today.replace(year=today.year - years) - datetime.timedelta(days=days)


@pytest.fixture
def make_case(k01, school):
    """Register a child (12 by default), record a guardian's consent and open a case."""
    counter = {"n": 0}

    def make(*, counsellor, age: int = 12, risk_level: str = "none", site=None, **case_fields):
        counter["n"] += 1
        client = services.client_register(
            actor=counsellor,
            site=site or k01,
            full_name=f"学生{counter['n']:03d}",
            sex="female",
            date_of_birth=years_ago(age, counter["n"]),
            school=school,
            grade="七年级",
            class_name="3班",
        )
        guardian = services.guardian_add(
            actor=counsellor,
            client=client,
            relationship=Guardian.Relationship.MOTHER,
            full_name="家长",
            phone="13800000000",
        )
        for purpose in (Consent.Purpose.COUNSELLING, Consent.Purpose.SHARE_WITH_HOSPITAL):
            services.consent_record(
                actor=counsellor,
                client=client,
                purpose=purpose,
                given_by=Consent.GivenBy.GUARDIAN,
                guardian=guardian,
                version="2026-01",
            )
        return services.case_open(
            actor=counsellor,
            client=client,
            site=site or k01,
            source="school",
            presenting_concerns="情绪低落，学习压力大",
            counsellor=counsellor,
            risk_level=risk_level,
            **case_fields,
        )

    return make


@pytest.fixture
def alice_case(make_case, alice):
    return make_case(counsellor=alice)


@pytest.fixture
def bob_case(make_case, bob):
    return make_case(counsellor=bob)
