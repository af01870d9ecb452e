"""The calls API: the same visibility as the pages, audited reads, in the OpenAPI schema."""

from __future__ import annotations

import pytest

from centre.models import AuditEntry
from tests.support.accounts import sign_in

API = "/api/v1/hotline"


def test_an_operator_logs_a_call_and_reads_it(client, operator):
    sign_in(client, "operator")
    created = client.post(
        f"{API}/calls/",
        {
            "contact_type": "child_about_self",
            "issues": [{"category": "mental_health", "subcategory": "self_harm"}],
            "cssrs_answers": {"q1": True, "q2": False, "q6": True, "q6_past_3_months": True},
            "caller_phone": "13800138000",
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["risk"], body["crisis"], body["status"]) == ("high", True, "saved")
    assert "caller_phone" not in body
    assert "caller_phone_hash" not in body
    detail = client.get(f"{API}/calls/{body['id']}/")
    assert detail.status_code == 200
    assert AuditEntry.objects.filter(
        action="hotline.call.viewed", target_id=str(body["id"])
    ).exists()
    listed = client.get(f"{API}/calls/").json()
    assert [row["id"] for row in listed["results"]] == [body["id"]]
    assert AuditEntry.objects.filter(action="hotline.call.listed").exists()


def test_skip_logic_and_bad_values_are_400(client, operator):
    sign_in(client, "operator")
    for payload in (
        {
            "contact_type": "child_about_self",
            "cssrs_answers": {"q1": True, "q2": False, "q3": True, "q6": False},
        },
        {"contact_type": "child_about_self", "cssrs_answers": {"q9": True}},
        {"contact_type": "nonsense"},
        {"contact_type": "child_about_self", "summary": "x" * 10_000},
        {"contact_type": "child_about_self", "region": "\x00"},
        {"contact_type": "child_about_self", "caller_phone": "１３８"},
    ):
        answer = client.post(f"{API}/calls/", payload, content_type="application/json")
        assert answer.status_code == 400, (payload, answer.content)


@pytest.mark.parametrize("username", ["counsellor", "liaison", "stats", "auditor", "admin"])
def test_other_roles_get_403_on_the_list_and_404_on_a_call(client, operator, make_call, username):
    call = make_call(operator)
    sign_in(client, username)
    assert client.get(f"{API}/calls/").status_code == 403
    assert client.get(f"{API}/calls/{call.pk}/").status_code == 404


def test_another_operators_call_is_404_and_the_supervisor_cannot_create(client, olga, make_call):
    call = make_call(olga)
    sign_in(client, "operator")
    assert client.get(f"{API}/calls/{call.pk}/").status_code == 404
    client.logout()
    sign_in(client, "supervisor")
    assert client.get(f"{API}/calls/{call.pk}/").status_code == 200
    answer = client.post(
        f"{API}/calls/", {"contact_type": "silent"}, content_type="application/json"
    )
    assert answer.status_code == 403


def test_the_calls_are_in_the_schema(client, operator):
    sign_in(client, "operator")
    schema = client.get("/api/v1/schema/").text
    assert "/api/v1/hotline/calls/" in schema
    assert "/api/v1/hotline/calls/{call_id}/" in schema
