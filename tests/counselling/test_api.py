"""/api/v1/counselling/, persona by persona, with the same rules as the pages: the owner works;
anonymous requests are refused; another counsellor's records answer 404; reading without change
permission refuses writes (403); roles without clinical access get nothing; stale versions and
duplicate children answer 409; reads are audited; queries are bounded."""

from __future__ import annotations

import pytest
from django.utils import timezone

from centre.models import AuditEntry
from counselling import services
from counselling.models import Case, Client, CounsellingSession
from tests.support.accounts import sign_in
from tests.support.clock import years_ago
from tests.support.queries import queries_per_page

API = "/api/v1/counselling"


def record_urls(case, session, referral) -> list[str]:
    return [
        f"{API}/cases/{case.pk}/",
        f"{API}/clients/{case.client_id}/",
        f"{API}/sessions/{session.pk}/",
    ]


def list_urls(case) -> list[str]:
    return [
        f"{API}/cases/",
        f"{API}/clients/",
        f"{API}/sessions/?case={case.pk}",
        f"{API}/referrals/?case={case.pk}",
    ]


def ids(response) -> list[int]:
    return [row["id"] for row in response.json()["results"]]


# The persona matrix ------------------------------------------------------------------------------
#
# Every endpoint, as (name, method, path, body) about Alice's case, session and referral; the
# expected answer of each persona is a row below (None: not asked of that persona).

ENDPOINTS = {
    "case-list": ("get", "/cases/", None),
    "case-detail": ("get", "/cases/{case}/", None),
    "case-open": (
        "post",
        "/cases/",
        {"client": "{client}", "source": "walk_in", "presenting_concerns": "复诊"},
    ),
    "case-change": ("patch", "/cases/{case}/", {"version": 1, "presenting_concerns": "改"}),
    "client-list": ("get", "/clients/", None),
    "client-detail": ("get", "/clients/{client}/", None),
    "client-register": (
        "post",
        "/clients/",
        {"full_name": "新来访者", "sex": "female", "date_of_birth": "2011-05-01"},
    ),
    "session-list": ("get", "/sessions/?case={case}", None),
    "session-detail": ("get", "/sessions/{session}/", None),
    "session-log": (
        "post",
        "/sessions/",
        {
            "case": "{case}",
            "held_at": "2026-01-05T10:00:00+08:00",
            "modality": "phone",
            "kind": "follow_up",
            "attendance": "attended",
        },
    ),
    "session-change": ("patch", "/sessions/{session}/", {"version": 1, "note_plan": "改"}),
    "referral-list": ("get", "/referrals/?case={case}", None),
    "referral-create": (
        "post",
        "/referrals/",
        {"case": "{case}", "destination": "school", "reason": "返校支持"},
    ),
    "referral-advance": ("post", "/referrals/{referral}/advance/", {"status": "accepted"}),
}

LISTS = {"case-list", "client-list", "session-list", "referral-list"}
RECORDS = {"case-detail", "client-detail", "session-detail"}
COLLECTION_WRITES = {"case-open", "client-register", "session-log", "referral-create"}
RECORD_WRITES = {"case-change", "session-change", "referral-advance"}
assert set(ENDPOINTS) == LISTS | RECORDS | COLLECTION_WRITES | RECORD_WRITES

OWNER = {
    **dict.fromkeys(LISTS | RECORDS, 200),
    **dict.fromkeys(COLLECTION_WRITES, 201),
    **dict.fromkeys(RECORD_WRITES, 200),
}
ANONYMOUS = dict.fromkeys(ENDPOINTS, 403)  # SessionAuthentication: 403, not 401
ANOTHER_COUNSELLOR = {
    **dict.fromkeys(LISTS, 200),  # and without Alice's records: see below
    **dict.fromkeys(RECORDS | RECORD_WRITES, 404),
    "case-open": 400,  # "no such client"
    "client-register": None,  # a child of their own: the owner row covers it
    "session-log": 404,
    "referral-create": 404,
}
SUPERVISOR = {**OWNER, "case-open": 400}  # cases are led by counsellors
NO_CLINICAL_ROLE = {
    **dict.fromkeys(LISTS | COLLECTION_WRITES, 403),
    **dict.fromkeys(RECORDS | RECORD_WRITES, 404),
}
CRISIS_TEAM = {  # may read cases and sessions, but only through break-glass; never write
    **NO_CLINICAL_ROLE,
    "case-list": 200,
    "session-list": 200,
    "case-change": 403,
    "session-change": 403,
}
# One row per behaviour, with the personas that show it: each persona is still asked every
# endpoint of its row, in one test per endpoint (the records are made once for all of them).
BEHAVIOURS = {
    "owner": (["counsellor"], OWNER),
    "anonymous": ([None], ANONYMOUS),
    "another-counsellor": (["counsellor2"], ANOTHER_COUNSELLOR),
    "supervisor": (["supervisor"], SUPERVISOR),
    "crisis-team": (["crisis"], CRISIS_TEAM),
    "no-clinical-role": (
        ["liaison", "operator", "stats", "auditor", "outreach", "admin"],
        NO_CLINICAL_ROLE,
    ),
}
CASES = [
    pytest.param(usernames, endpoint, expected, id=f"{behaviour}-{endpoint}")
    for behaviour, (usernames, row) in BEHAVIOURS.items()
    for endpoint, expected in row.items()
    if expected is not None
]


def fill(value, records: dict):
    if isinstance(value, dict):
        return {key: fill(item, records) for key, item in value.items()}
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return records[value[1:-1]]
    return value.format(**records) if isinstance(value, str) else value


@pytest.fixture
def records(alice_case, alice_session, alice_referral) -> dict:
    return {
        "case": alice_case.pk,
        "client": alice_case.client_id,
        "session": alice_session.pk,
        "referral": alice_referral.pk,
    }


@pytest.mark.parametrize(("usernames", "endpoint", "expected"), CASES)
def test_persona_matrix(client, demo_network, records, alice_case, usernames, endpoint, expected):
    for username in usernames:
        client.logout()
        if username:
            sign_in(client, username)
        ask(client, records, alice_case, username, endpoint, expected)


def ask(client, records, alice_case, username, endpoint, expected) -> None:
    method, path, body = ENDPOINTS[endpoint]
    url = API + fill(path, records)
    if body is None:
        response = getattr(client, method)(url)
    else:
        response = getattr(client, method)(url, fill(body, records), "application/json")
    assert response.status_code == expected, (username, response.content)
    if username in {"counsellor", "supervisor"}:
        return
    # Nobody else learns anything of Alice's case: neither the child's name nor its concerns.
    assert alice_case.client.full_name not in response.text, username
    assert alice_case.presenting_concerns not in response.text, username
    if endpoint in LISTS and expected == 200:
        assert response.json()["results"] == [], username
    alice_case.refresh_from_db()
    assert alice_case.version == 1, username


def test_the_owner_reads_every_endpoint(client, alice_case, alice_session, alice_referral):
    sign_in(client, "counsellor")
    for url in record_urls(alice_case, alice_session, alice_referral):
        assert client.get(url).status_code == 200, url
    assert ids(client.get(f"{API}/cases/")) == [alice_case.pk]
    assert ids(client.get(f"{API}/clients/")) == [alice_case.client_id]
    assert ids(client.get(f"{API}/sessions/?case={alice_case.pk}")) == [alice_session.pk]
    assert ids(client.get(f"{API}/referrals/?case={alice_case.pk}")) == [alice_referral.pk]
    detail = client.get(f"{API}/cases/{alice_case.pk}/").json()
    assert detail["client"]["full_name"] == alice_case.client.full_name
    assert detail["client"]["school"] == alice_case.client.school.name
    assert detail["site"] == "K01"
    assert detail["counsellor"] == alice_case.counsellor.get_full_name()
    assert detail["version"] == alice_case.version
    assert detail["needs_safety_plan"] is False
    assert {consent["purpose"] for consent in detail["consents"]} == {
        "counselling",
        "share_hospital",
    }


def test_anonymous_requests_are_refused(client, alice_case, alice_session, alice_referral):
    for url in [
        *record_urls(alice_case, alice_session, alice_referral),
        *list_urls(alice_case),
    ]:
        assert client.get(url).status_code == 403, url


def test_another_counsellors_records_answer_404_and_are_not_listed(
    client, alice_case, alice_session, alice_referral, bob_case
):
    sign_in(client, "counsellor2")
    for url in record_urls(alice_case, alice_session, alice_referral):
        assert client.get(url).status_code == 404, url
    assert ids(client.get(f"{API}/cases/")) == [bob_case.pk]
    assert ids(client.get(f"{API}/clients/")) == [bob_case.client_id]
    assert ids(client.get(f"{API}/sessions/?case={alice_case.pk}")) == []
    assert ids(client.get(f"{API}/referrals/?case={alice_case.pk}")) == []
    response = client.post(
        f"{API}/referrals/{alice_referral.pk}/advance/", {"status": "accepted"}, "application/json"
    )
    assert response.status_code == 404
    response = client.patch(
        f"{API}/cases/{alice_case.pk}/", {"version": 1, "status": "active"}, "application/json"
    )
    assert response.status_code == 404


def test_the_supervisor_sees_every_case_of_the_site(client, alice_case, bob_case):
    sign_in(client, "supervisor")
    assert set(ids(client.get(f"{API}/cases/"))) == {alice_case.pk, bob_case.pk}
    assert set(ids(client.get(f"{API}/clients/"))) == {alice_case.client_id, bob_case.client_id}
    for case in (alice_case, bob_case):
        assert client.get(f"{API}/cases/{case.pk}/").json()["id"] == case.pk


@pytest.mark.parametrize("username", ["liaison", "operator", "stats", "auditor", "outreach"])
def test_roles_without_clinical_access_get_nothing(
    client, alice_case, alice_session, alice_referral, username
):
    sign_in(client, username)
    for url in record_urls(alice_case, alice_session, alice_referral):
        response = client.get(url)
        assert response.status_code == 404, url
        assert alice_case.client.full_name not in response.text
    for url in list_urls(alice_case):
        response = client.get(url)
        assert response.status_code == 403, url
        assert alice_case.client.full_name not in response.text


def test_the_crisis_team_reads_a_case_only_through_break_glass(
    client, account, alice_case, alice_session
):
    crisis = account("crisis")
    sign_in(client, "crisis")
    assert ids(client.get(f"{API}/cases/")) == []
    assert client.get(f"{API}/cases/{alice_case.pk}/").status_code == 404
    services.break_glass_open(actor=crisis, case=alice_case, reason="热线来电，自述有自伤计划")
    assert ids(client.get(f"{API}/cases/")) == [alice_case.pk]
    assert client.get(f"{API}/cases/{alice_case.pk}/").status_code == 200
    assert client.get(f"{API}/sessions/{alice_session.pk}/").status_code == 200
    entry = AuditEntry.objects.get(actor_username="crisis", action="counselling.case.viewed")
    assert entry.data == {"break_glass": True}
    assert entry.reason == "热线来电，自述有自伤计划"
    response = client.patch(
        f"{API}/cases/{alice_case.pk}/",
        {"version": 1, "presenting_concerns": "改"},
        "application/json",
    )
    assert response.status_code == 403  # break-glass opens reading only


def test_reading_without_change_permission_refuses_every_write(
    client, alice, bob, alice_case, alice_session, alice_referral
):
    services.case_share(actor=alice, case=alice_case, user=bob, can_change=False)
    sign_in(client, "counsellor2")
    assert client.get(f"{API}/cases/{alice_case.pk}/").status_code == 200
    writes = [
        ("patch", f"{API}/cases/{alice_case.pk}/", {"version": 1, "presenting_concerns": "改"}),
        ("patch", f"{API}/sessions/{alice_session.pk}/", {"version": 1, "note_plan": "改"}),
        (
            "post",
            f"{API}/sessions/",
            {
                "case": alice_case.pk,
                "held_at": timezone.now().isoformat(),
                "modality": "phone",
                "kind": "follow_up",
                "attendance": "attended",
            },
        ),
        (
            "post",
            f"{API}/referrals/",
            {"case": alice_case.pk, "destination": "school", "reason": "x"},
        ),
        ("post", f"{API}/referrals/{alice_referral.pk}/advance/", {"status": "accepted"}),
    ]
    for method, url, body in writes:
        response = getattr(client, method)(url, body, "application/json")
        assert response.status_code == 403, url
    alice_case.refresh_from_db()
    assert alice_case.version == 1


def test_a_stale_version_answers_409_and_nothing_is_overwritten(client, sam, alice_case):
    services.case_update(
        actor=sam, case=alice_case, expected_version=1, presenting_concerns="督导的修改"
    )
    sign_in(client, "counsellor")
    response = client.patch(
        f"{API}/cases/{alice_case.pk}/",
        {"version": 1, "presenting_concerns": "我的修改"},
        "application/json",
    )
    assert response.status_code == 409
    assert response.json()["code"] == "stale_version"
    alice_case.refresh_from_db()
    assert alice_case.presenting_concerns == "督导的修改"
    response = client.patch(
        f"{API}/cases/{alice_case.pk}/",
        {"version": 2, "risk_level": "high", "reason": "新的评估"},
        "application/json",
    )
    assert response.status_code == 200
    assert response.json()["risk_level"] == "high"
    assert response.json()["risk_history"][0]["reason"] == "新的评估"


def test_a_child_registered_twice_answers_409(client, school, bob_case):
    child = bob_case.client
    body = {
        "full_name": child.full_name,
        "sex": child.sex,
        "date_of_birth": child.date_of_birth.isoformat(),
        "school": school.pk,
    }
    sign_in(client, "counsellor")
    response = client.post(f"{API}/clients/", body, "application/json")
    assert response.status_code == 409
    assert response.json()["code"] == "duplicate_client"
    assert "client" not in response.json()  # Bob's child: its existence only, not its id
    assert Client.objects.filter(full_name=child.full_name).count() == 1


def test_a_counsellor_registers_a_child_and_opens_a_case(client, alice, school):
    sign_in(client, "counsellor")
    response = client.post(
        f"{API}/clients/",
        {"full_name": "周可", "sex": "male", "date_of_birth": years_ago(15).isoformat()},
        "application/json",
    )
    assert response.status_code == 201
    client_id = response.json()["id"]
    case_body = {"client": client_id, "source": "walk_in", "presenting_concerns": "考试焦虑"}
    response = client.post(f"{API}/cases/", case_body, "application/json")
    assert response.status_code == 400  # no consent to counselling yet
    services.consent_record(
        actor=alice,
        client=Client.objects.get(pk=client_id),
        purpose="counselling",
        given_by="client",
        guardian=None,
        version="2026-01",
    )
    response = client.post(f"{API}/cases/", case_body, "application/json")
    assert response.status_code == 201
    assert response.json()["counsellor"] == alice.get_full_name()


def test_a_session_is_logged_and_its_note_changed_through_the_api(client, alice_case):
    sign_in(client, "counsellor")
    response = client.post(
        f"{API}/sessions/",
        {
            "case": alice_case.pk,
            "held_at": timezone.now().isoformat(),
            "modality": "face_to_face",
            "kind": "psychotherapy",
            "attendance": "attended",
            "note_plan": "继续",
            "risk_assessed": "moderate",
        },
        "application/json",
    )
    assert response.status_code == 201
    session = response.json()
    alice_case.refresh_from_db()
    assert alice_case.risk_level == "moderate"
    response = client.patch(
        f"{API}/sessions/{session['id']}/",
        {"version": session["version"], "note_plan": "两周后复诊"},
        "application/json",
    )
    assert response.status_code == 200
    assert response.json()["note_plan"] == "两周后复诊"


def test_a_referral_moves_through_its_states_and_refuses_a_jump(client, alice_referral):
    sign_in(client, "counsellor")
    url = f"{API}/referrals/{alice_referral.pk}/advance/"
    assert client.post(url, {"status": "attended"}, "application/json").status_code == 400
    assert client.post(url, {"status": "accepted"}, "application/json").json()["status"] == (
        "accepted"
    )


def test_reading_a_case_a_client_and_a_session_note_is_audited(client, alice_case, alice_session):
    sign_in(client, "counsellor")
    client.get(f"{API}/cases/{alice_case.pk}/")
    client.get(f"{API}/clients/{alice_case.client_id}/")
    client.get(f"{API}/sessions/{alice_session.pk}/")
    actions = set(
        AuditEntry.objects.filter(
            actor_username="counsellor", action__endswith=".viewed"
        ).values_list("action", flat=True)
    )
    assert actions == {
        "counselling.case.viewed",
        "counselling.client.viewed",
        "counselling.session.viewed",
    }


def test_the_case_list_filters_and_pages_by_risk_then_newest(client, alice, make_case):
    low = [make_case(counsellor=alice) for _ in range(2)]
    high = [make_case(counsellor=alice, risk_level="high") for _ in range(2)]
    services.case_change_status(actor=alice, case=low[0], status="active", expected_version=1)
    sign_in(client, "counsellor")
    assert ids(client.get(f"{API}/cases/?risk_level=high")) == [high[1].pk, high[0].pk]
    assert ids(client.get(f"{API}/cases/?status=active")) == [low[0].pk]
    assert ids(client.get(f"{API}/cases/?status=intake&risk_level=none")) == [low[1].pk]
    assert client.get(f"{API}/cases/?status=lost").status_code == 400
    assert client.get(f"{API}/sessions/?case=x").status_code == 400
    seen, url = [], f"{API}/cases/?page_size=3"
    while url:
        page = client.get(url).json()
        seen += [row["id"] for row in page["results"]]
        url = page["next"]
    assert seen == [high[1].pk, high[0].pk, low[1].pk, low[0].pk]
    rows = client.get(f"{API}/cases/").json()["results"]
    assert [row["needs_safety_plan"] for row in rows] == [True, True, False, False]


def test_the_referral_list_filters_by_status(client, alice, alice_case, alice_referral):
    other = services.referral_create(
        actor=alice, case=alice_case, destination="school", reason="返校支持"
    )
    services.referral_advance(actor=alice, referral=other, status="accepted")
    sign_in(client, "counsellor")
    assert ids(client.get(f"{API}/referrals/?status=created")) == [alice_referral.pk]
    assert ids(client.get(f"{API}/referrals/?status=accepted")) == [other.pk]
    assert client.get(f"{API}/referrals/?status=lost").status_code == 400


def test_a_stale_session_note_answers_409(client, alice, alice_session):
    services.session_update(
        actor=alice, session=alice_session, expected_version=1, note_plan="先保存的"
    )
    sign_in(client, "counsellor")
    response = client.patch(
        f"{API}/sessions/{alice_session.pk}/",
        {"version": 1, "note_plan": "后保存的"},
        "application/json",
    )
    assert response.status_code == 409
    alice_session.refresh_from_db()
    assert alice_session.note_plan == "先保存的"


def test_a_change_of_nothing_is_refused_and_a_refused_part_undoes_the_rest(client, alice_case):
    sign_in(client, "counsellor")
    url = f"{API}/cases/{alice_case.pk}/"
    assert client.patch(url, {"version": 1}, "application/json").status_code == 400
    assert client.patch(url, {"version": 1, "reason": "x"}, "application/json").status_code == 400
    response = client.patch(
        url,
        {"version": 1, "presenting_concerns": "新的描述", "status": "recovery"},  # intake ↛
        "application/json",
    )
    assert response.status_code == 400
    alice_case.refresh_from_db()
    assert (alice_case.presenting_concerns, alice_case.version) == ("情绪低落，学习压力大", 1)
    response = client.patch(url, {"version": 1, "status": "active"}, "application/json")
    assert (response.status_code, response.json()["status"]) == (200, "active")
    assert client.patch(
        url, {"version": 1, "status": "active"}, "application/json"
    ).status_code == (409)


def test_a_duplicate_of_a_visible_child_names_the_existing_client(client, school, alice_case):
    child = alice_case.client
    sign_in(client, "counsellor")
    response = client.post(
        f"{API}/clients/",
        {
            "full_name": child.full_name,
            "sex": child.sex,
            "date_of_birth": child.date_of_birth.isoformat(),
            "school": school.pk,
        },
        "application/json",
    )
    assert response.status_code == 409
    assert response.json()["client"] == child.pk


def add_cases(alice, make_case, count: int) -> None:
    """`count` more cases of Alice's, each with a session, a referral and a risk change."""
    for _ in range(count):
        case = make_case(counsellor=alice, risk_level="high")
        services.referral_create(actor=alice, case=case, destination="school", reason="返校")
        services.session_log(
            actor=alice,
            case=case,
            held_at=timezone.now(),
            modality="phone",
            kind="follow_up",
            attendance="attended",
        )


# The queries of each endpoint, pinned (sign-in, permissions, the page or record and its
# prefetches, the audit), the same with 5 cases as with 25.
ENDPOINT_QUERIES = {
    "cases": 13,
    "cases-filtered": 13,
    "clients": 13,
    "sessions": 13,
    "referrals": 13,
    "case": 14,
    "client": 10,
    "session": 11,
}


def test_lists_and_details_need_a_fixed_number_of_queries(client, alice, make_case):
    sign_in(client, "counsellor")
    add_cases(alice, make_case, 5)
    case = Case.objects.filter(counsellor=alice).order_by("id").first()
    session = CounsellingSession.objects.filter(case=case).get()
    urls = {
        "cases": f"{API}/cases/",
        "cases-filtered": f"{API}/cases/?risk_level=high&status=intake",
        "clients": f"{API}/clients/",
        "sessions": f"{API}/sessions/",
        "referrals": f"{API}/referrals/",
        "case": f"{API}/cases/{case.pk}/",
        "client": f"{API}/clients/{case.client_id}/",
        "session": f"{API}/sessions/{session.pk}/",
    }
    assert queries_per_page(client, urls) == ENDPOINT_QUERIES
    add_cases(alice, make_case, 20)
    assert queries_per_page(client, urls) == ENDPOINT_QUERIES
    assert len(client.get(f"{API}/cases/").json()["results"]) == 25


def test_the_schema_documents_the_counselling_api(client, alice):
    sign_in(client, "counsellor")
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()
    for path in [
        "/api/v1/counselling/cases/",
        "/api/v1/counselling/cases/{case_id}/",
        "/api/v1/counselling/clients/",
        "/api/v1/counselling/sessions/",
        "/api/v1/counselling/clients/{client_id}/",
        "/api/v1/counselling/sessions/{session_id}/",
        "/api/v1/counselling/referrals/",
        "/api/v1/counselling/referrals/{referral_id}/advance/",
    ]:
        assert path in schema["paths"], path
