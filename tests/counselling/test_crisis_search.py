"""The crisis team finds a case to break the glass on (issue 13): by name and school, among the
open cases at high or imminent risk of their site; a POST (no name in the address), masked names
only, audited as a list; other roles cannot use it."""

from __future__ import annotations

import pytest

from centre.models import AuditEntry, AuditRecord
from counselling import services
from counselling.models import Case
from tests.support.accounts import sign_in
from tests.support.queries import count_queries

pytestmark = pytest.mark.django_db

URL = "/counselling/crisis/find/"


@pytest.fixture
def cases(make_case, alice, bob):
    """Three children named 学生001…: high, imminent and low risk; and a closed high one."""
    high = make_case(counsellor=alice, risk_level="high")
    imminent = make_case(counsellor=bob, risk_level="imminent")
    low = make_case(counsellor=alice, risk_level="low")
    closed = make_case(counsellor=alice, risk_level="high")
    Case.objects.filter(pk=closed.pk).update(status=Case.Status.CLOSED)
    return {"high": high, "imminent": imminent, "low": low, "closed": closed}


def found(response) -> list[int]:
    return [row["case"].pk for row in response.context.get("results", [])]


def test_the_crisis_team_finds_high_and_imminent_open_cases_by_name_and_school(
    client, cases, school
):
    sign_in(client, "crisis")
    assert client.get(URL).status_code == 200
    response = client.post(URL, {"name": "学生", "school": school.pk})
    assert response.status_code == 200
    assert found(response) == [cases["imminent"].pk, cases["high"].pk]  # most urgent first
    assert "学生" not in response.text.split('id="crisis-results"')[1].split("</table>")[0]
    assert "学同学" in response.text  # masked
    assert f"/counselling/cases/{cases['high'].pk}/break-glass/" in response.text

    exact = client.post(URL, {"name": cases["high"].client.full_name})
    assert found(exact) == [cases["high"].pk]
    assert found(client.post(URL, {"name": "没有这个人"})) == []
    assert 'id="crisis-none"' in client.post(URL, {"name": "没有这个人"}).text

    # Audited as a list: "who viewed this file" shows the search.
    first, second, *_none = AuditEntry.objects.filter(action="counselling.case.listed").order_by(
        "id"
    )
    assert first.data == {"search": "crisis", "records": 2}
    assert set(AuditRecord.objects.filter(entry=second).values_list("target_id", flat=True)) == {
        str(cases["high"].pk)
    }
    assert "学生" not in str(first.data)  # never the name typed


def test_the_search_then_break_glass_opens_the_file(client, cases, account):
    sign_in(client, "crisis")
    case = cases["high"]
    response = client.post(
        f"/counselling/cases/{case.pk}/break-glass/",
        {"reason": "学校来电，学生有紧急风险需要立即了解情况"},
    )
    assert response.status_code == 302
    assert client.get(f"/counselling/cases/{case.pk}/").status_code == 200
    again = client.post(URL, {"name": case.client.full_name})
    assert f'href="/counselling/cases/{case.pk}/"' in again.text  # an open grant: open it


def test_cases_of_another_site_are_not_found(client, cases, staff_at):
    staff_at("k02_crisis", "crisis_team", "K02")  # a crisis team member placed at a county
    sign_in(client, "k02_crisis")
    assert found(client.post(URL, {"name": "学生"})) == []


@pytest.mark.parametrize("username", ["counsellor", "supervisor", "liaison", "operator", "stats"])
def test_other_roles_cannot_search(client, cases, username):
    sign_in(client, username)
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"name": "学生"}).status_code == 403


@pytest.mark.parametrize(
    "name",
    ["", "   ", "\u200b\u200b", "学\x00生", "学" * 101, "。，！"],
)
def test_hostile_names_are_refused_with_400(client, cases, name):
    sign_in(client, "crisis")
    response = client.post(URL, {"name": name})
    assert response.status_code == 400
    assert "results" not in response.context


def test_hostile_school_values_are_refused(client, cases):
    sign_in(client, "crisis")
    for school in ["²", "999999999999999999999", "-1", "1e3"]:
        assert client.post(URL, {"name": "学生", "school": school}).status_code == 400


def test_the_search_needs_a_fixed_number_of_queries(client, cases, make_case, alice):
    sign_in(client, "crisis")
    assert count_queries(client, URL) == 9
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def search() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.post(URL, {"name": "学生"}).status_code == 200
        return len(queries)

    before = search()
    for _ in range(5):
        make_case(counsellor=alice, risk_level="imminent")
    assert search() == before == 15  # + the school, the search, its audit, open grants


def test_the_break_glass_the_search_leads_to_is_audited(cases, account):
    """The existing break-glass service is the one the search leads to (announced, audited)."""
    access = services.break_glass_open(
        actor=account("crisis"), case=cases["imminent"], reason="热线转来，需要马上联系家长"
    )
    assert access.case == cases["imminent"]
    assert AuditEntry.objects.filter(action="counselling.case.break_glass").count() == 1
