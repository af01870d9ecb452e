"""The core of who sees which case (DESIGN.md §3), through the one selector every page uses."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from centre.models import AuditEntry, Site
from centre.versioning import StaleEditError
from counselling import services
from counselling.selectors import case_visible_to, get_case_for_user


def test_a_counsellor_sees_their_own_cases_only(alice, bob, alice_case, bob_case):
    assert list(case_visible_to(user=alice)) == [alice_case]
    assert list(case_visible_to(user=bob)) == [bob_case]


def test_another_counsellors_case_answers_404_like_a_missing_one(alice, bob_case):
    with pytest.raises(Http404):
        get_case_for_user(user=alice, case_id=bob_case.pk)
    with pytest.raises(Http404):
        get_case_for_user(user=alice, case_id=bob_case.pk + 10_000)


def test_sharing_read_only_opens_reading_but_not_writing(alice, bob, alice_case):
    services.case_share(actor=alice, case=alice_case, user=bob, can_change=False)
    assert get_case_for_user(user=bob, case_id=alice_case.pk) == alice_case
    with pytest.raises(PermissionDenied):
        get_case_for_user(user=bob, case_id=alice_case.pk, for_write=True)
    services.case_unshare(actor=alice, case=alice_case, user=bob)
    assert not case_visible_to(user=bob).filter(pk=alice_case.pk).exists()


def test_reassignment_moves_the_grants(alice, bob, sam, alice_case):
    services.case_assign(actor=sam, case=alice_case, counsellor=bob, expected_version=1)
    assert case_visible_to(user=bob).filter(pk=alice_case.pk).exists()
    assert not case_visible_to(user=alice).filter(pk=alice_case.pk).exists()


def test_a_supervisor_sees_their_site_and_the_sites_below_but_no_other(
    sam, alice, make_case, alice_case, staff_at
):
    station_case = make_case(counsellor=alice, site=Site.objects.get(code="K01-S001"))
    other_county_case = make_case(
        counsellor=staff_at("west", "counsellor", "K02"), site=Site.objects.get(code="K02")
    )
    visible = set(case_visible_to(user=sam))
    assert {alice_case, station_case} <= visible
    assert other_county_case not in visible
    assert get_case_for_user(user=sam, case_id=alice_case.pk, for_write=True) == alice_case


@pytest.mark.parametrize("username", ["liaison", "operator", "stats", "auditor", "outreach"])
def test_roles_without_clinical_access_see_no_case(account, alice_case, username):
    user = account(username)
    assert not case_visible_to(user=user).exists()
    with pytest.raises(Http404):
        get_case_for_user(user=user, case_id=alice_case.pk)


def test_break_glass_opens_reading_for_four_hours_with_a_reason(account, alice_case):
    crisis = account("crisis")
    with pytest.raises(ValidationError):
        services.break_glass_open(actor=crisis, case=alice_case, reason="why")
    services.break_glass_open(
        actor=crisis, case=alice_case, reason="来电学生称今晚有伤害自己的计划，需要查看既往记录"
    )
    assert get_case_for_user(user=crisis, case_id=alice_case.pk) == alice_case
    with pytest.raises(PermissionDenied):
        get_case_for_user(user=crisis, case_id=alice_case.pk, for_write=True)
    entry = AuditEntry.objects.get(action="counselling.case.break_glass")
    assert entry.reason.startswith("来电学生")
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=4, minutes=1)):
        assert not case_visible_to(user=crisis).exists()


def test_a_counsellor_cannot_break_the_glass(bob, alice_case):
    with pytest.raises(PermissionDenied):
        services.break_glass_open(
            actor=bob, case=alice_case, reason="I would like to read it please"
        )


def test_under_14_a_case_needs_a_guardians_consent_to_counselling(alice, k01, school):
    client = services.client_register(
        actor=alice,
        site=k01,
        full_name="李䶮",
        sex="male",
        date_of_birth=timezone.localdate().replace(year=timezone.localdate().year - 12),
        school=school,
    )
    with pytest.raises(ValidationError) as refused:
        services.case_open(
            actor=alice,
            client=client,
            site=k01,
            source="family",
            presenting_concerns="失眠",
            counsellor=alice,
        )
    assert refused.value.code == "consent_missing"


def test_the_second_of_two_concurrent_edits_is_refused(alice, sam, alice_case):
    services.case_update(
        actor=alice, case=alice_case, expected_version=1, presenting_concerns="first"
    )
    with pytest.raises(StaleEditError):
        services.case_update(
            actor=sam, case=alice_case, expected_version=1, presenting_concerns="second"
        )
    alice_case.refresh_from_db()
    assert alice_case.presenting_concerns == "first"
