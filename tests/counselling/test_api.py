"""/api/v1/counselling/, persona by persona, with the same rules as the pages: the owner works;
anonymous requests are refused; another counsellor's records answer 404; reading without change
permission refuses writes (403); roles without clinical access get nothing; stale versions and
duplicate children answer 409; reads are audited; queries are bounded."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from centre.models import AuditEntry
from counselling import services
from counselling.models import Client
from tests.conftest import DEMO_PASSWORD
from tests.counselling.conftest import years_ago

API = "/api/v1/counselling"
NO_CLINICAL_ACCESS = ["liaison", "operator", "stats", "auditor", "outreach", "crisis"]


@pytest.fixture
def alice_session(alice, alice_case):
    return services.session_log(
        actor=alice,
        case=alice_case,
        held_at=timezone.now(),
        modality="online",
        kind="assessment",
        attendance="attended",
        note_plan="下周复诊",
    )


@pytest.fixture
def alice_referral(alice, alice_case):
    return services.referral_create(
        actor=alice, case=alice_case, destination="outpatient", reason="评估用药"
    )


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


def api_client(client, username: str):
    assert client.login(username=username, password=DEMO_PASSWORD)
    return client


def ids(response) -> list[int]:
    return [row["id"] for row in response.json()["results"]]


def test_the_owner_reads_every_endpoint(client, alice_case, alice_session, alice_referral):
    api_client(client, "counsellor")
    for url in record_urls(alice_case, alice_session, alice_referral):
        assert client.get(url).status_code == 200, url
    assert ids(client.get(f"{API}/cases/")) == [alice_case.pk]
    assert ids(client.get(f"{API}/clients/")) == [alice_case.client_id]
    assert ids(client.get(f"{API}/sessions/?case={alice_case.pk}")) == [alice_session.pk]
    assert ids(client.get(f"{API}/referrals/?case={alice_case.pk}")) == [alice_referral.pk]
    detail = client.get(f"{API}/cases/{alice_case.pk}/").json()
    assert detail["client"]["full_name"] == alice_case.client.full_name
    assert detail["version"] == alice_case.version
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
    api_client(client, "counsellor2")
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


@pytest.mark.parametrize("username", NO_CLINICAL_ACCESS)
def test_roles_without_clinical_access_get_nothing(
    client, alice_case, alice_session, alice_referral, username
):
    api_client(client, username)
    for url in record_urls(alice_case, alice_session, alice_referral):
        response = client.get(url)
        assert response.status_code == 404, url
        assert alice_case.client.full_name not in response.text
    for url in list_urls(alice_case):
        response = client.get(url)
        assert response.status_code in {403, 200}, url
        if response.status_code == 200:  # the crisis team may list, and finds nothing
            assert response.json()["results"] == []


def test_reading_without_change_permission_refuses_every_write(
    client, alice, bob, alice_case, alice_session, alice_referral
):
    services.case_share(actor=alice, case=alice_case, user=bob, can_change=False)
    api_client(client, "counsellor2")
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
    api_client(client, "counsellor")
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
    api_client(client, "counsellor")
    response = client.post(f"{API}/clients/", body, "application/json")
    assert response.status_code == 409
    assert response.json()["code"] == "duplicate_client"
    assert "client" not in response.json()  # Bob's child: its existence only, not its id
    assert Client.objects.filter(full_name=child.full_name).count() == 1


def test_a_counsellor_registers_a_child_and_opens_a_case(client, alice, school):
    api_client(client, "counsellor")
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
    api_client(client, "counsellor")
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
    api_client(client, "counsellor")
    url = f"{API}/referrals/{alice_referral.pk}/advance/"
    assert client.post(url, {"status": "attended"}, "application/json").status_code == 400
    assert client.post(url, {"status": "accepted"}, "application/json").json()["status"] == (
        "accepted"
    )


def test_reading_a_case_a_client_and_a_session_note_is_audited(client, alice_case, alice_session):
    api_client(client, "counsellor")
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


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_lists_and_details_need_a_fixed_number_of_queries(
    client, alice, make_case, alice_case, alice_session
):
    api_client(client, "counsellor")
    urls = [*list_urls(alice_case), f"{API}/cases/{alice_case.pk}/"]
    before = [count_queries(client, url) for url in urls]
    for _ in range(15):
        case = make_case(counsellor=alice, risk_level="high")
        services.referral_create(actor=alice, case=case, destination="school", reason="返校")
        services.session_log(
            actor=alice,
            case=alice_case,
            held_at=timezone.now(),
            modality="phone",
            kind="follow_up",
            attendance="attended",
        )
    assert [count_queries(client, url) for url in urls] == before
    assert max(before) <= 16  # with sign-in, permissions, the audit entry and prefetches


def test_the_schema_documents_the_counselling_api(client, alice):
    api_client(client, "counsellor")
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()
    for path in [
        "/api/v1/counselling/cases/",
        "/api/v1/counselling/cases/{case_id}/",
        "/api/v1/counselling/clients/",
        "/api/v1/counselling/sessions/",
        "/api/v1/counselling/referrals/",
    ]:
        assert path in schema["paths"], path
