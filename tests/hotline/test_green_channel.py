"""The green channel from a call: its operator or a supervisor of its site tree registers the
child and opens their counselling case (source hotline, risk from the call) for a counsellor of
their sites; the call is linked, the actor gets no grant on the case, nothing of the caller is
copied, a bad form answers 400 and others 404."""

from __future__ import annotations

import pytest
from django.utils import timezone

from centre.models import AuditEntry
from counselling.models import Case, Client, Guardian
from tests.support.accounts import sign_in

HIGH = {"q1": True, "q2": True, "q3": True, "q4": True, "q5": False, "q6": False}


def _intake(counsellor, **overrides):
    today = timezone.localdate()
    return {
        "full_name": "张同学",
        "date_of_birth": today.replace(year=today.year - 12).isoformat(),
        "sex": "female",
        "guardian_relationship": "mother",
        "guardian_name": "张母",
        "guardian_phone": "13800138000",
        "consent_given_by": "guardian",
        "consent_version": "2026-01",
        "counsellor": str(counsellor.pk),
        "presenting_concerns": "低落，需要面谈",
        **overrides,
    }


@pytest.fixture
def high_call(make_call, operator):
    return make_call(
        operator,
        cssrs_answers=HIGH,
        caller_name="来电者本人",
        caller_phone="13911112222",
        summary="来电摘要不复制",
    )


def test_the_operator_opens_a_case_from_a_high_risk_call(client, operator, alice, high_call):
    sign_in(client, "operator")
    page = client.get(f"/hotline/calls/{high_call.pk}/")
    assert f"/hotline/calls/{high_call.pk}/open-case/" in page.text
    form = client.get(f"/hotline/calls/{high_call.pk}/open-case/")
    assert form.status_code == 200
    assert 'name="phone"' not in form.text
    assert 'name="student_no"' not in form.text
    answer = client.post(f"/hotline/calls/{high_call.pk}/open-case/", _intake(alice))
    assert answer.status_code == 302
    assert answer.url == f"/hotline/calls/{high_call.pk}/"
    high_call.refresh_from_db()
    case = Case.objects.get(pk=high_call.case_id)
    assert (case.source, case.risk_level, case.counsellor, case.site) == (
        "hotline",
        "high",
        alice,
        alice.site,
    )
    child = Client.objects.get(pk=case.client_id)
    assert (child.full_name, child.phone, child.site) == ("张同学", "", alice.site)
    assert case.presenting_concerns == "低落，需要面谈"
    assert Guardian.objects.get(client=child).phone == "13800138000"
    opened = AuditEntry.objects.get(action="hotline.call.case_opened")
    assert opened.actor == operator
    assert opened.data == {"case": case.pk, "counsellor_id": alice.pk}
    assert AuditEntry.objects.get(action="counselling.case.opened").actor == operator
    assert "张同学" not in str(opened.data)
    assert "13911112222" not in str(opened.data)
    # the operator gets no way into the case; its counsellor has it
    assert client.get(f"/counselling/cases/{case.pk}/").status_code == 404
    sign_in(client, "counsellor")
    assert client.get(f"/counselling/cases/{case.pk}/").status_code == 200
    # once linked, the button is gone and a second try is refused
    sign_in(client, "operator")
    assert "/open-case/" not in client.get(f"/hotline/calls/{high_call.pk}/").text
    again = client.post(
        f"/hotline/calls/{high_call.pk}/open-case/", _intake(alice, full_name="李同学")
    )
    assert again.status_code == 409
    assert Case.objects.filter(source="hotline").count() == 1


def test_a_crisis_call_at_low_risk_opens_a_high_risk_case(client, operator, alice, make_call):
    call = make_call(operator, cssrs_answers={"q1": True, "q2": False, "q6": False}, crisis=True)
    sign_in(client, "operator")
    answer = client.post(f"/hotline/calls/{call.pk}/open-case/", _intake(alice))
    assert answer.status_code == 302
    call.refresh_from_db()
    assert call.case.risk_level == "high"


def test_a_supervisor_of_the_calls_tree_opens_one(client, olga, sam, alice, make_call):
    call = make_call(olga)  # K01: the K01 supervisor's tree
    sign_in(client, "supervisor")
    answer = client.post(f"/hotline/calls/{call.pk}/open-case/", _intake(alice))
    assert answer.status_code == 302
    call.refresh_from_db()
    assert (call.case.source, call.case.risk_level) == ("hotline", "none")
    assert AuditEntry.objects.get(action="hotline.call.case_opened").actor == sam


@pytest.mark.parametrize(
    "overrides",
    [
        {"full_name": ""},
        {"date_of_birth": "0001-01-01"},
        {"date_of_birth": "²"},
        {"consent_given_by": "client"},  # 12: a guardian consents
        {"guardian_name": "", "guardian_phone": ""},  # half a guardian
        {"counsellor": "999999"},
        {"counsellor": "x"},
        {"presenting_concerns": ""},
    ],
)
def test_bad_input_answers_400_and_opens_nothing(client, alice, high_call, overrides):
    sign_in(client, "operator")
    answer = client.post(f"/hotline/calls/{high_call.pk}/open-case/", _intake(alice) | overrides)
    assert answer.status_code == 400
    assert 'class="error' in answer.text or "errorlist" in answer.text
    high_call.refresh_from_db()
    assert high_call.case_id is None
    assert not Case.objects.filter(source="hotline").exists()
    assert not Client.objects.filter(full_name="张同学").exists()


def test_a_counsellor_outside_the_supervisors_sites_is_refused(client, olga, make_call, staff_at):
    far = staff_at("kate", "counsellor", "K02")
    call = make_call(olga)
    sign_in(client, "supervisor")
    answer = client.post(f"/hotline/calls/{call.pk}/open-case/", _intake(far))
    assert answer.status_code == 400
    assert not Case.objects.filter(source="hotline").exists()


def test_a_draft_or_a_non_data_contact_opens_no_case(client, operator, alice, make_call):
    from hotline.services import call_start

    draft = call_start(actor=operator)
    prank = make_call(operator, contact_type="joke_prank")
    sign_in(client, "operator")
    for call in (draft, prank):
        answer = client.post(f"/hotline/calls/{call.pk}/open-case/", _intake(alice))
        assert answer.status_code == 400, call.contact_type
    assert not Case.objects.filter(source="hotline").exists()


@pytest.mark.parametrize(
    ("username", "status"),
    [
        ("operator", 200),  # its operator
        ("otto", 404),  # another operator
        ("supervisor", 404),  # K01's supervisor: a CITY call is outside the tree
        ("crisis", 404),  # reads calls behind alerts, changes none
        ("counsellor", 404),
        ("liaison", 404),
        ("stats", 404),
        ("auditor", 404),
        ("admin", 404),
    ],
)
def test_persona_matrix(client, otto, high_call, username, status):
    if username == "otto":
        client.login(username="otto", password="demo-password-for-tests")
    else:
        sign_in(client, username)
    assert client.get(f"/hotline/calls/{high_call.pk}/open-case/").status_code == status
    assert client.get(f"/hotline/calls/{high_call.pk + 10_000}/open-case/").status_code == 404


def test_the_page_reads_in_english_and_chinese(client, high_call):
    sign_in(client, "operator")
    zh = client.get(f"/hotline/calls/{high_call.pk}/open-case/")
    assert "绿色通道" in zh.text
    sign_in(client, "operator", language="en")
    en = client.get(f"/hotline/calls/{high_call.pk}/open-case/")
    assert "Open a case (green channel)" in en.text


def test_a_child_already_registered_is_refused_with_a_message(
    client, operator, alice, high_call, make_call
):
    sign_in(client, "operator")
    assert (
        client.post(f"/hotline/calls/{high_call.pk}/open-case/", _intake(alice)).status_code == 302
    )
    other = make_call(operator)
    again = client.post(f"/hotline/calls/{other.pk}/open-case/", _intake(alice))
    assert again.status_code == 409
    assert "已登记" in again.text or "already registered" in again.text
    other.refresh_from_db()
    assert other.case_id is None
    assert Case.objects.filter(source="hotline").count() == 1


def test_the_form_of_a_call_already_linked_sends_back_to_the_call(client, high_call, alice_case):
    """A bookmarked or second tab's green channel: no intake to fill in for nothing."""
    from hotline.models import Call

    Call.objects.filter(pk=high_call.pk).update(case=alice_case)
    sign_in(client, "operator", language="en")
    answer = client.get(f"/hotline/calls/{high_call.pk}/open-case/", follow=True)
    assert answer.redirect_chain == [(f"/hotline/calls/{high_call.pk}/", 302)]
    assert "This call is already linked to a case." in answer.text
    assert not Case.objects.filter(source="hotline").exists()
