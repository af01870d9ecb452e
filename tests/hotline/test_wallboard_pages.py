"""The duty room's wallboard: counts of the user's site tree only (no caller, no call), a JSON
answer the page polls, a fixed number of queries whatever the volume, 403 for other roles."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from hotline.models import Call, Callback, CrisisAlert
from tests.support.accounts import sign_in
from tests.support.queries import count_queries

HIGH = {"q1": True, "q2": True, "q3": True, "q4": True, "q5": False, "q6": False}


def test_the_figures_count_the_sites_tree(client, operator, olga, otto, make_call):
    make_call(operator, summary="不显示的摘要", caller_phone="13911112222")
    make_call(operator, cssrs_answers=HIGH)
    make_call(olga)  # K01: in the city's tree
    make_call(otto)  # K02: in the city's tree, not in K01's
    old = make_call(operator)
    Call.objects.filter(pk=old.pk).update(started_at=timezone.now() - datetime.timedelta(days=9))
    now = timezone.now()
    call = Call.objects.filter(operator=operator).first()
    CrisisAlert.objects.create(
        site=call.site,
        call=call,
        raised_by=operator,
        acknowledge_by=now - datetime.timedelta(minutes=1),
    )
    Callback.objects.create(
        call=call, site=call.site, owner=operator, due_at=now - datetime.timedelta(hours=1)
    )
    sign_in(client, "operator")
    answer = client.get("/hotline/wallboard/figures.json")
    assert answer.status_code == 200
    figures = answer.json()
    assert figures["calls_today"] == 4
    assert figures["calls_this_hour"] == 4
    assert figures["high_risk_this_week"] == 1
    # make_call may already have raised an alert and planned a callback for the high-risk call
    assert figures["open_alerts"] >= 1
    assert figures["overdue_alerts"] == 1
    assert figures["open_callbacks"] >= 1
    assert figures["overdue_callbacks"] == 1
    by_name = {row["name"]: row["calls"] for row in figures["operators"]}
    assert sum(by_name.values()) == 4
    assert by_name[operator.get_full_name() or operator.username] == 2
    text = answer.text + client.get("/hotline/wallboard/").text
    assert "不显示的摘要" not in text
    assert "13911112222" not in text
    assert f"/hotline/calls/{call.pk}/" not in text
    sign_in(client, "supervisor")  # K01 and below: olga's call only
    figures = client.get("/hotline/wallboard/figures.json").json()
    assert (figures["calls_today"], figures["open_alerts"]) == (1, 0)


def test_the_page_polls_its_figures(client, operator, make_call):
    make_call(operator)
    sign_in(client, "operator")
    page = client.get("/hotline/wallboard/")
    assert page.status_code == 200
    assert "hotline/wallboard.js" in page.text
    assert 'data-figures="/hotline/wallboard/figures.json"' in page.text
    assert 'data-figure="calls_today">1<' in page.text


def test_a_fixed_number_of_queries(client, operator, olga, make_call):
    sign_in(client, "operator")
    counts = []
    for _round in range(2):
        for _ in range(3):
            make_call(operator)
            make_call(olga)
        counts.append(
            (
                count_queries(client, "/hotline/wallboard/"),
                count_queries(client, "/hotline/wallboard/figures.json"),
            )
        )
    assert counts[0] == counts[1]
    assert counts[0] == WALLBOARD_QUERIES


# sign-in and permissions, then the figures: calls, answered by whom, alerts, callbacks
WALLBOARD_QUERIES = (12, 11)


@pytest.mark.parametrize(
    ("username", "status"),
    [
        ("operator", 200),
        ("supervisor", 200),
        ("crisis", 200),
        ("counsellor", 403),
        ("liaison", 403),
        ("outreach", 403),
        ("stats", 403),
        ("auditor", 403),
        ("admin", 403),
    ],
)
def test_persona_matrix(client, demo_network, username, status):
    sign_in(client, username)
    assert client.get("/hotline/wallboard/").status_code == status
    assert client.get("/hotline/wallboard/figures.json").status_code == status


def test_signed_out_the_figures_are_refused(client, demo_network):
    assert client.get("/hotline/wallboard/figures.json").status_code in (302, 401, 403)


def test_the_page_reads_in_both_languages(client, demo_network):
    sign_in(client, "operator")
    assert "今日来电" in client.get("/hotline/wallboard/").text
    sign_in(client, "operator", language="en")
    assert "Calls today" in client.get("/hotline/wallboard/").text
