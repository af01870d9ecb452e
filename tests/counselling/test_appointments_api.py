"""/api/v1/counselling/appointments/: the pages' rules through the API — plan (future only, open
cases only), list (audited), cancel and log as a session with the version read; other
counsellors 404, roles without clinical access 403/404, a read-only share 403."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from centre.models import AuditEntry
from counselling import services
from counselling.models import Appointment, CounsellingSession
from tests.support.accounts import sign_in

API = "/api/v1/counselling"
NO_CLINICAL_ACCESS = ["liaison", "operator", "stats", "auditor", "outreach", "crisis"]


def planned(actor, case, *, in_hours: float = 24) -> Appointment:
    return services.appointment_plan(
        actor=actor,
        case=case,
        starts_at=timezone.now() + datetime.timedelta(hours=in_hours),
        modality="online",
        kind="counselling",
    )


def plan_body(case, **extra) -> dict:
    return {
        "case": case.pk,
        "starts_at": (timezone.now() + datetime.timedelta(days=2)).isoformat(),
        "modality": "phone",
        "kind": "family",
        **extra,
    }


def test_the_owner_plans_lists_and_cancels(client, alice_case):
    sign_in(client, "counsellor")
    response = client.post(f"{API}/appointments/", plan_body(alice_case), "application/json")
    assert response.status_code == 201, response.content
    created = response.json()
    assert (created["status"], created["kind"], created["version"]) == ("planned", "family", 1)
    listed = client.get(f"{API}/appointments/", {"case": alice_case.pk})
    assert [row["id"] for row in listed.json()["results"]] == [created["id"]]
    assert AuditEntry.objects.filter(action="counselling.appointment.listed").exists()
    assert client.get(f"{API}/appointments/", {"status": "nonsense"}).status_code == 400
    url = f"{API}/appointments/{created['id']}/cancel/"
    assert client.post(url, {"version": 1}, "application/json").status_code == 200
    assert client.post(url, {"version": 2}, "application/json").status_code == 400
    assert Appointment.objects.get().status == "cancelled"


@pytest.mark.parametrize(
    "starts_at",
    ["2000-01-01T10:00:00+08:00", "0001-01-01T00:00", "9999-12-31T23:59", "²⁰²⁷-01-01T10:00", ""],
)
def test_implausible_times_are_refused(client, alice_case, starts_at):
    sign_in(client, "counsellor")
    body = plan_body(alice_case, starts_at=starts_at)
    assert client.post(f"{API}/appointments/", body, "application/json").status_code == 400
    assert not Appointment.objects.exists()


def test_a_closed_case_refuses_an_appointment(client, alice, alice_case):
    services.case_change_status(actor=alice, case=alice_case, status="closed", expected_version=1)
    sign_in(client, "counsellor")
    response = client.post(f"{API}/appointments/", plan_body(alice_case), "application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "case_closed"


def test_an_appointment_becomes_a_session(client, alice, alice_case):
    appointment = planned(alice, alice_case, in_hours=1)
    Appointment.objects.filter(pk=appointment.pk).update(
        starts_at=timezone.now() - datetime.timedelta(hours=1)
    )
    sign_in(client, "counsellor")
    body = {
        "version": 1,
        "held_at": (timezone.now() - datetime.timedelta(hours=1)).isoformat(),
        "modality": "online",
        "kind": "counselling",
        "attendance": "attended",
        "note_plan": "继续",
    }
    url = f"{API}/appointments/{appointment.pk}/session/"
    response = client.post(url, body, "application/json")
    assert response.status_code == 201, response.content
    appointment.refresh_from_db()
    assert appointment.status == "done"
    assert appointment.session_id == response.json()["id"]
    assert client.post(url, body, "application/json").status_code == 400
    assert CounsellingSession.objects.count() == 1


def test_another_counsellor_gets_404_and_sees_nothing_listed(client, alice, alice_case):
    appointment = planned(alice, alice_case)
    sign_in(client, "counsellor2")
    assert client.get(f"{API}/appointments/").json()["results"] == []
    for url in ["cancel", "session"]:
        response = client.post(
            f"{API}/appointments/{appointment.pk}/{url}/", {"version": 1}, "application/json"
        )
        assert response.status_code == 404
    response = client.post(f"{API}/appointments/", plan_body(alice_case), "application/json")
    assert response.status_code == 404
    assert Appointment.objects.get().status == "planned"


@pytest.mark.parametrize("username", NO_CLINICAL_ACCESS)
def test_roles_without_clinical_access_get_nothing(client, alice, alice_case, username):
    appointment = planned(alice, alice_case)
    sign_in(client, username)
    assert client.get(f"{API}/appointments/").status_code == 403
    assert (
        client.post(f"{API}/appointments/", plan_body(alice_case), "application/json").status_code
        == 403
    )
    response = client.post(
        f"{API}/appointments/{appointment.pk}/cancel/", {"version": 1}, "application/json"
    )
    assert response.status_code in {403, 404}
    assert Appointment.objects.get().status == "planned"


def test_a_read_only_share_cannot_write_through_the_api(client, alice, bob, alice_case):
    appointment = planned(alice, alice_case)
    services.case_share(actor=alice, case=alice_case, user=bob, can_change=False)
    sign_in(client, "counsellor2")
    assert [row["id"] for row in client.get(f"{API}/appointments/").json()["results"]] == [
        appointment.pk
    ]
    for url in ["cancel", "session"]:
        response = client.post(
            f"{API}/appointments/{appointment.pk}/{url}/", {"version": 1}, "application/json"
        )
        assert response.status_code == 403
    response = client.post(f"{API}/appointments/", plan_body(alice_case), "application/json")
    assert response.status_code == 403
    assert Appointment.objects.count() == 1
