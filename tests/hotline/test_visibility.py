"""Who sees which call, through the one selector every page and the API use."""

from __future__ import annotations

import pytest
from django.http import Http404

from hotline.caller import caller_hash
from hotline.models import CrisisAlert
from hotline.selectors import call_visible_to, caller_history, get_call_for_user


def test_an_operator_sees_their_own_calls_only(operator, olga, make_call):
    mine = make_call(operator)
    hers = make_call(olga)
    assert list(call_visible_to(user=operator)) == [mine]
    assert list(call_visible_to(user=olga)) == [hers]
    with pytest.raises(Http404):
        get_call_for_user(user=operator, call_id=hers.pk)
    with pytest.raises(Http404):
        get_call_for_user(user=operator, call_id=hers.pk + 10_000)


def test_a_supervisor_sees_the_calls_of_their_site_tree(sam, olga, otto, operator, make_call):
    at_k01 = make_call(olga)
    make_call(otto)  # K02
    make_call(operator)  # CITY, above K01
    assert list(call_visible_to(user=sam)) == [at_k01]


def test_the_crisis_team_sees_calls_behind_active_alerts_only(crisis, operator, make_call):
    alerted = make_call(operator)
    closed = make_call(operator)
    make_call(operator)
    now = alerted.started_at
    for call, status in ((alerted, "open"), (closed, "closed")):
        CrisisAlert.objects.create(
            site=call.site, call=call, raised_by=operator, acknowledge_by=now, status=status
        )
    assert list(call_visible_to(user=crisis)) == [alerted]


def test_whoever_an_active_alert_is_assigned_to_sees_its_call(olga, staff_at, make_call):
    """The primary on call may sit outside the call's site tree (a rota falls back to the parent
    site's, and a supervisor may assign anyone): the alert's call is theirs to see while active."""
    elsewhere = staff_at("kai", "crisis_team", "K02")
    call = make_call(olga)  # K01
    alert = CrisisAlert.objects.create(
        site=call.site, call=call, raised_by=olga, acknowledge_by=call.started_at,
        assignee=elsewhere, status="open",
    )  # fmt: skip
    assert list(call_visible_to(user=elsewhere)) == [call]
    CrisisAlert.objects.filter(pk=alert.pk).update(status="closed")
    assert not call_visible_to(user=elsewhere).exists()


@pytest.mark.parametrize("role_account", ["counsellor", "liaison", "stats", "auditor", "admin"])
def test_everyone_else_sees_no_call(account, operator, make_call, role_account):
    make_call(operator)
    assert not call_visible_to(user=account(role_account)).exists()


def test_repeat_callers_are_counted_within_the_site_tree_only(sam, olga, otto, make_call, staff_at):
    number = "13800138000"
    make_call(olga, caller_phone=number, cssrs_answers={"q1": True, "q2": False, "q6": False})
    make_call(otto, caller_phone=number)
    history = caller_history(user=olga, caller_hash=caller_hash(number))
    assert history["count"] == 1
    assert [call.risk for call in history["calls"]] == ["low"]
    other = caller_history(user=otto, caller_hash=caller_hash(number))
    assert other["count"] == 1
    assert other["calls"][0].site.code == "K02"
    assert caller_history(user=olga, caller_hash="")["count"] == 0
