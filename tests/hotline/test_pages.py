"""The call pages, persona by persona: an operator picks up, the draft autosaves, the call is
saved; others' calls answer 404, other roles 404 on a call and 403 on the operators' pages;
reads are audited; the repeat-caller look-up never takes the number in the URL."""

from __future__ import annotations

import pytest

from centre.models import AuditEntry, AuditRecord
from hotline.caller import caller_hash
from hotline.models import Call
from tests.support.accounts import sign_in

HIGH_RISK_POST = {
    "channel": "phone",
    "contact_type": "child_about_self",
    "caller_role": "child",
    "age_band": "13_15",
    "sex": "female",
    "issue_1": "mental_health:suicidal",
    "summary": "Feels hopeless.",
    "cssrs_q1": "yes",
    "cssrs_q2": "yes",
    "cssrs_q3": "yes",
    "cssrs_q4": "yes",
    "cssrs_q5": "no",
    "cssrs_q6": "no",
    "actions": ["keep_on_line", "confirm_location"],
    "callback_wanted": "on",
    "callback_consent": "on",
}


def test_an_operator_picks_up_autosaves_and_saves_a_call(client, operator):
    sign_in(client, "operator")
    assert client.get("/hotline/calls/new/").status_code == 200
    picked = client.post("/hotline/calls/new/", {"channel": "web_chat"})
    call = Call.objects.get(operator=operator)
    assert picked.url == f"/hotline/calls/{call.pk}/edit/"
    form = client.get(picked.url)
    assert form.status_code == 200
    assert 'id="call-timer"' in form.text
    assert "hotline/call.js" in form.text
    draft = client.post(
        f"/hotline/calls/{call.pk}/draft/",
        {"summary": "so far", "cssrs_q1": "yes", "actions": ["keep_on_line"]},
    )
    assert draft.status_code == 200
    call.refresh_from_db()
    assert (call.summary, call.cssrs_answers, call.status) == ("so far", {"q1": True}, "draft")
    saved = client.post(f"/hotline/calls/{call.pk}/edit/", {**HIGH_RISK_POST, "version": 1})
    assert saved.status_code == 302
    call.refresh_from_db()
    assert (call.status, call.risk, call.crisis) == ("saved", "high", True)
    assert call.actions == ["keep_on_line", "confirm_location"]
    assert [(i.category, i.subcategory) for i in call.issues.all()] == [
        ("mental_health", "suicidal")
    ]
    detail = client.get(f"/hotline/calls/{call.pk}/")
    assert detail.status_code == 200
    assert AuditEntry.objects.filter(action="hotline.call.viewed", target_id=str(call.pk)).exists()
    # A saved call is no draft: the autosave refuses it.
    assert client.post(f"/hotline/calls/{call.pk}/draft/", {"summary": "x"}).status_code == 404


def test_a_refused_save_keeps_what_was_typed(client, operator):
    sign_in(client, "operator")
    client.post("/hotline/calls/new/")
    call = Call.objects.get(operator=operator)
    answer = client.post(
        f"/hotline/calls/{call.pk}/edit/",
        {**HIGH_RISK_POST, "cssrs_q2": "no", "version": 1, "summary": "typed words"},
    )
    assert answer.status_code == 400
    assert "typed words" in answer.text
    call.refresh_from_db()
    assert call.status == "draft"


def test_a_high_risk_call_without_first_actions_is_warned_not_blocked(client, operator):
    sign_in(client, "operator")
    client.post("/hotline/calls/new/")
    call = Call.objects.get(operator=operator)
    answer = client.post(
        f"/hotline/calls/{call.pk}/edit/",
        {**HIGH_RISK_POST, "actions": ["means_removed"], "version": 1},
        follow=True,
    )
    assert answer.status_code == 200
    call.refresh_from_db()
    assert call.status == "saved"
    assert 'role="alert"' in answer.text


def test_the_call_list_is_the_operators_own_and_audited(client, operator, olga, make_call):
    mine = make_call(operator)
    make_call(olga)
    sign_in(client, "operator")
    page = client.get("/hotline/calls/")
    assert page.status_code == 200
    entry = AuditEntry.objects.get(action="hotline.call.listed")
    assert list(AuditRecord.objects.filter(entry=entry).values_list("target_id", flat=True)) == [
        str(mine.pk)
    ]


@pytest.mark.parametrize(
    ("username", "list_status", "new_status", "detail_status"),
    [
        ("counsellor", 403, 403, 404),
        ("liaison", 403, 403, 404),
        ("stats", 403, 403, 404),
        ("auditor", 403, 403, 404),
        ("admin", 403, 403, 404),
        ("crisis", 200, 403, 404),  # no active alert behind it
        ("supervisor", 200, 403, 404),  # K01: the call is at CITY
    ],
)
def test_persona_matrix(
    client, operator, make_call, username, list_status, new_status, detail_status
):
    call = make_call(operator)
    sign_in(client, username)
    assert client.get("/hotline/calls/").status_code == list_status
    assert client.get("/hotline/calls/new/").status_code == new_status
    assert client.get(f"/hotline/calls/{call.pk}/").status_code == detail_status
    assert client.get(f"/hotline/calls/{call.pk}/edit/").status_code == 404
    assert client.post(f"/hotline/calls/{call.pk}/draft/", {}).status_code == 404
    assert client.post("/hotline/callers/lookup/", {"phone": "1"}).status_code == 403


def test_another_operators_call_answers_404(client, olga, make_call, operator):
    theirs = make_call(olga)
    sign_in(client, "operator")
    assert client.get(f"/hotline/calls/{theirs.pk}/").status_code == 404
    assert client.get(f"/hotline/calls/{theirs.pk}/edit/").status_code == 404
    assert client.get(f"/hotline/calls/{theirs.pk + 10_000}/").status_code == 404


def test_the_supervisor_edits_a_saved_call_of_their_tree_and_crisis_only_reads(
    client, sam, olga, make_call, crisis
):
    from hotline.models import CrisisAlert

    call = make_call(olga)
    sign_in(client, "supervisor")
    assert client.get(f"/hotline/calls/{call.pk}/").status_code == 200
    assert client.get(f"/hotline/calls/{call.pk}/edit/").status_code == 200
    CrisisAlert.objects.create(
        site=call.site, call=call, raised_by=olga, acknowledge_by=call.started_at
    )
    sign_in(client, "crisis")
    assert client.get(f"/hotline/calls/{call.pk}/").status_code == 200
    assert client.get(f"/hotline/calls/{call.pk}/edit/").status_code == 404


def test_the_repeat_caller_look_up_is_a_post_within_the_site_tree(
    client, operator, otto, make_call
):
    number = "13800138000"
    make_call(operator, caller_phone=number, cssrs_answers={"q1": True, "q2": False, "q6": False})
    make_call(otto, caller_phone=number)  # K02 is below CITY: the operator's tree
    sign_in(client, "operator")
    assert client.get("/hotline/callers/lookup/", {"phone": number}).status_code == 405
    found = client.post("/hotline/callers/lookup/", {"phone": "138 0013 8000"}).json()
    assert found["count"] == 2
    assert number not in str(found)
    assert client.post("/hotline/callers/lookup/", {"phone": "\x00" * 10_000}).json() == {
        "count": 0,
        "calls": [],
        "open_callbacks": 0,
        "flagged_until": None,
    }
    searches = AuditEntry.objects.filter(action="hotline.call.searched")
    assert searches.count() == 2
    assert not any(number in str(entry.data) for entry in searches)


def test_an_operator_at_a_county_does_not_see_the_citys_repeat_calls(
    client, operator, otto, make_call
):
    number = "13900139000"
    make_call(operator, caller_phone=number)  # CITY
    make_call(otto, caller_phone="13900139001")
    sign_in(client, "operator")
    client.logout()
    client.login(username="otto", password="demo-password-for-tests")
    found = client.post("/hotline/callers/lookup/", {"phone": number}).json()
    assert found["count"] == 0
    assert caller_hash(number) not in str(found)


def test_flagging_a_caller_from_the_call_page(client, operator, make_call):
    call = make_call(operator, caller_phone="13800138000")
    sign_in(client, "operator")
    assert client.post(f"/hotline/calls/{call.pk}/", {"days": "100000"}).status_code == 400
    assert client.post(f"/hotline/calls/{call.pk}/", {"days": "7"}).status_code == 302
    found = client.post("/hotline/callers/lookup/", {"phone": "13800138000"}).json()
    assert found["flagged_until"]


def test_making_a_saved_call_a_prank_asks_before_erasing_it(client, operator, make_call):
    """A slip of the shortcut keys on a saved call's edit must not wipe its summary and triage:
    the edit to a contact that keeps nothing is refused (400) until it is confirmed."""
    call = make_call(
        operator, summary="孩子说最近睡不着", cssrs_answers={"q1": True, "q2": False, "q6": False}
    )
    sign_in(client, "operator", language="en")
    prank = {"channel": "phone", "contact_type": "joke_prank", "version": str(call.version)}
    refused = client.post(f"/hotline/calls/{call.pk}/edit/", prank)
    assert refused.status_code == 400
    assert "confirm to erase them" in refused.text
    assert 'name="confirm_erase"' in refused.text
    call.refresh_from_db()
    assert (call.contact_type, call.summary) == ("child_about_self", "孩子说最近睡不着")
    done = client.post(f"/hotline/calls/{call.pk}/edit/", {**prank, "confirm_erase": "on"})
    assert done.status_code == 302
    call.refresh_from_db()
    assert (call.contact_type, call.summary, call.cssrs_answers) == ("joke_prank", "", {})
