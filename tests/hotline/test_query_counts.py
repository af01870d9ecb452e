"""The hotline's lists need as many queries for five more records as for two: no query per
row on the operator's calls, the callbacks due or the crisis board; and a list of calls reads
none of their encrypted columns."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.support.accounts import sign_in
from tests.support.queries import queries_per_page

pytestmark = pytest.mark.django_db

HIGH = {"q1": True, "q2": True, "q3": True, "q4": True, "q5": False, "q6": False}


def log_calls(make_call, operator, count: int) -> None:
    for _ in range(count):
        make_call(
            operator,
            cssrs_answers=HIGH,
            callback_wanted=True,
            callback_consent=True,
            issues=[("mental_health", "suicidal"), ("family", "left_behind")],
        )


@pytest.mark.parametrize(
    ("username", "pages"),
    [
        ("operator", {"calls": "/hotline/calls/", "callbacks": "/hotline/callbacks/"}),
        ("crisis", {"board": "/hotline/alerts/", "calls": "/hotline/calls/"}),
        ("operator", {"api-calls": "/api/v1/hotline/calls/"}),
        ("operator", {"api-callbacks": "/api/v1/hotline/callbacks/"}),
    ],
)
def test_the_lists_need_a_fixed_number_of_queries(client, operator, make_call, username, pages):
    log_calls(make_call, operator, 2)
    sign_in(client, username)
    before = queries_per_page(client, pages)
    log_calls(make_call, operator, 5)
    assert queries_per_page(client, pages) == before


@pytest.mark.parametrize("page", ["/hotline/calls/", "/api/v1/hotline/calls/"])
def test_the_call_lists_leave_the_encrypted_columns_unread(client, operator, make_call, page):
    # A list shows no summary and no caller details: none is read, so none is decrypted.
    make_call(operator, summary="来电者很难过", caller_name="小明妈妈", caller_phone="13800138000")
    sign_in(client, "operator")
    with CaptureQueriesContext(connection) as queries:
        response = client.get(page)
    assert response.status_code == 200
    assert "小明妈妈" not in response.content.decode()
    read = [query["sql"] for query in queries if 'FROM "hotline_call"' in query["sql"]]
    assert read, "the list read no call"
    for sql in read:
        columns = sql.split(" FROM ")[0]
        for column in ("summary", "caller_name", "caller_phone"):
            assert f'"hotline_call"."{column}"' not in columns, (column, sql)
