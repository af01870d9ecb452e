"""The keyset pager (centre.paging) and the audit log page on it: "Older" and "Newer" by position,
no COUNT(*) and no OFFSET over the audit table, every entry on exactly one page, a cursor that is
no position answered 400."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

from centre.audit import audit_log
from centre.models import AuditEntry
from centre.paging import keyset_page
from centre.parameters import BadParameter
from tests.support.accounts import DEMO_PASSWORD

PAGER_ACTION = "tests.paging.probe"


@pytest.fixture
def entries(account):
    auditor = account("auditor")
    for number in range(120):
        audit_log(actor=auditor, action=PAGER_ACTION, data={"n": number})
    return AuditEntry.objects.filter(action=PAGER_ACTION)


def shown(response) -> list[int]:
    return [row["entry"].pk for row in response.context["object_list"]]


def link(response, rel: str) -> str | None:
    found = re.search(rf'<a href="(\?[^"]+)" rel="{rel}">', response.content.decode())
    return found.group(1).replace("&amp;", "&") if found else None


def test_the_audit_log_pages_by_position_without_counting(client, entries):
    client.login(username="auditor", password=DEMO_PASSWORD)
    with CaptureQueriesContext(connection) as queries:
        first = client.get("/audit/", {"action": PAGER_ACTION})
    assert first.status_code == 200
    audit_queries = [query["sql"] for query in queries if "centre_auditentry" in query["sql"]]
    assert not [sql for sql in audit_queries if "COUNT(" in sql.upper() or "OFFSET" in sql.upper()]
    assert link(first, "prev") is None
    second = client.get(f"/audit/{link(first, 'next')}")
    third = client.get(f"/audit/{link(second, 'next')}")
    assert link(third, "next") is None
    pages = [shown(first), shown(second), shown(third)]
    assert [len(page) for page in pages] == [50, 50, 20]
    newest_first = list(entries.order_by("-at", "-id").values_list("pk", flat=True))
    assert [pk for page in pages for pk in page] == newest_first  # every entry once, in order
    assert f"action={PAGER_ACTION}" in link(second, "next")  # the filter stays on
    back = client.get(f"/audit/{link(third, 'prev')}")
    assert shown(back) == shown(second)
    assert shown(client.get(f"/audit/{link(back, 'prev')}")) == shown(first)


@pytest.mark.parametrize(
    "cursor",
    [
        "nonsense",
        "2026-01-01T00:00:00+00:00",
        "2026-01-01T00:00:00~abc",
        "2026-13-01T00:00:00+00:00~1",
        "2026-01-01T00:00:00~5",
        "2026-01-01T00:00:00+00:00~99999999999999999999",
    ],
)
def test_a_cursor_that_is_no_position_is_a_400(client, entries, cursor):
    client.login(username="auditor", password=DEMO_PASSWORD)
    assert client.get("/audit/", {"older": cursor}).status_code == 400
    assert client.get("/audit/", {"newer": cursor}).status_code == 400


def test_rows_tied_on_the_first_field_are_each_shown_once(entries):
    """Ordered by action (all 120 the same), the id breaks the tie at every page boundary."""
    seen, params = [], QueryDict()
    while True:
        page = keyset_page(entries, params, order=("action", "id"), per_page=7)
        seen += [entry.pk for entry in page.object_list]
        if not page.older:
            break
        params = QueryDict(mutable=True)
        params["older"] = page.older
    assert seen == sorted(entries.values_list("pk", flat=True), reverse=True)


def test_an_empty_list_has_no_other_page(db):
    page = keyset_page(AuditEntry.objects.none(), QueryDict(), order=("at", "id"))
    assert (page.object_list, page.older, page.newer, page.has_other_pages) == (
        [],
        None,
        None,
        False,
    )
    with pytest.raises(BadParameter):
        keyset_page(AuditEntry.objects.all(), QueryDict("older=1~2~3"), order=("at", "id"))


def test_an_ascending_list_pages_down_and_back_up_the_same_rows(entries):
    """Earliest first (a board of due dates): down to the end, then back up, page by page."""
    pages, params = [], QueryDict()
    while True:
        page = keyset_page(entries, params, order=("action", "id"), per_page=7, ascending=True)
        pages.append([entry.pk for entry in page.object_list])
        if not page.older:
            break
        params = QueryDict(mutable=True)
        params["older"] = page.older
    assert [pk for shown in pages for pk in shown] == sorted(entries.values_list("pk", flat=True))
    back = []
    while page.newer:
        params = QueryDict(mutable=True)
        params["newer"] = page.newer
        page = keyset_page(entries, params, order=("action", "id"), per_page=7, ascending=True)
        back.append([entry.pk for entry in page.object_list])
    assert back == pages[-2::-1]


@pytest.mark.parametrize("offset", ["+23:59", "-23:59"])
def test_a_cursor_with_an_offset_postgres_refuses_is_read_in_utc(client, entries, offset):
    """Found by the attack on issue 13: `+23:59` passed Python's check and Postgres answered
    `time zone displacement out of range` (a 500) on the board, the audit log and the API."""
    client.login(username="auditor", password=DEMO_PASSWORD)
    for direction in ("older", "newer"):
        response = client.get("/audit/", {direction: f"2027-04-01T05:51:53{offset}~1"})
        assert response.status_code == 200
    assert client.get("/audit/", {"older": "0001-01-01T00:00:00+14:00~1"}).status_code == 400


def test_an_api_cursor_with_an_offset_postgres_refuses_is_read_in_utc(client, account):
    import base64

    from tests.support.accounts import sign_in

    sign_in(client, "counsellor")
    for position in ("2027-04-01T05:51:53-23:59", "2027-04-01T05:51:53+23:59"):
        for extra in ("", "&r=1"):
            cursor = base64.b64encode(f"p={position}{extra}".encode()).decode()
            for endpoint in ("appointments", "sessions", "referrals"):
                url = f"/api/v1/counselling/{endpoint}/"
                # 200, or 404 where the query string reads "+" as a space: never a 500
                status = client.get(url, {"cursor": cursor}).status_code
                assert status == (200 if "-" in position[-6:] else 404), (url, position)
    cursor = base64.b64encode(b"p=0001-01-01T00:00:00+14:00").decode()
    assert client.get("/api/v1/counselling/sessions/", {"cursor": cursor}).status_code == 404
