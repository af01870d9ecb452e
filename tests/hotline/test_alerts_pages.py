"""The crisis board, an alert's page and the alerts API, for each persona: who sees what,
who may act, 404 for the rest; reads audited; closing asks for a confirmation."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from centre.models import AuditEntry
from hotline import services
from hotline.models import CrisisAlert, RotaShift
from tests.support.accounts import sign_in

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)


@pytest.fixture
def alert(sam, crisis, operator, k01):
    start = timezone.now() - HOUR
    services.shift_add(
        actor=sam,
        site=k01,
        person=crisis,
        role="primary",
        starts_at=start,
        ends_at=start + 9 * HOUR,
    )
    return services.raise_alert(actor=operator, site=k01)


@pytest.mark.parametrize(
    ("username", "board", "detail"),
    [
        ("crisis", 200, 200),
        ("supervisor", 200, 200),
        ("operator", 200, 200),
        ("counsellor", 403, 404),
        ("liaison", 403, 404),
        ("auditor", 403, 404),
        ("stats", 403, 404),
        ("admin", 403, 404),
    ],
)
def test_persona_matrix(client, alert, username, board, detail):
    sign_in(client, username)
    assert client.get("/hotline/alerts/").status_code == board
    assert client.get("/hotline/alerts/rows/").status_code == board
    assert client.get(f"/hotline/alerts/{alert.pk}/").status_code == detail
    api = client.get(f"/api/v1/hotline/alerts/{alert.pk}/")
    assert api.status_code == (200 if detail == 200 else 404)


def test_another_countys_operator_sees_nothing(client, alert, staff_at):
    staff_at("otto", "hotline_operator", "K02")
    sign_in(client, "otto")
    page = client.get("/hotline/alerts/")
    assert f"alert-{alert.pk}" not in page.text
    assert client.get(f"/hotline/alerts/{alert.pk}/").status_code == 404
    assert client.get(f"/api/v1/hotline/alerts/{alert.pk}/").status_code == 404
    assert client.get("/api/v1/hotline/alerts/99999999/").status_code == 404


def test_the_board_shows_the_overdue_alert_and_is_audited(client, alert):
    CrisisAlert.objects.filter(pk=alert.pk).update(acknowledge_by=timezone.now() - HOUR)
    sign_in(client, "crisis")
    rows = client.get("/hotline/alerts/rows/")
    assert f'id="alert-{alert.pk}" class="alert-overdue"' in rows.text
    assert AuditEntry.objects.filter(action="hotline.alert.listed").exists()


def test_the_timeline_names_whom_a_step_told_in_the_readers_words(client, alert):
    sign_in(client, "crisis")
    timeline = client.get(f"/hotline/alerts/{alert.pk}/").text.split('id="alert-timeline"')[1]
    assert "已通知 · 值班人员" in timeline
    assert "primary" not in timeline.split("</ol>")[0]


def test_acknowledge_then_close_with_confirmation(client, alert):
    sign_in(client, "crisis", language="en")
    url = f"/hotline/alerts/{alert.pk}/"
    response = client.post(url, {"do": "acknowledge", "version": alert.version})
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.status == "acknowledged"
    refused = client.post(url, {"do": "close", "version": alert.version, "note": "kept ²"})
    assert refused.status_code == 400
    assert "kept ²" in refused.text
    too_long = client.post(url, {"do": "action", "note": "x" * 10000})
    assert too_long.status_code == 400
    nul = client.post(url, {"do": "action", "note": "a\x00b"})
    assert nul.status_code == 400
    client.post(url, {"do": "close", "version": alert.version, "confirm": "yes"})
    alert.refresh_from_db()
    assert alert.status == "closed"
    assert AuditEntry.objects.filter(action="hotline.alert.viewed").count() >= 1


def test_api_acknowledge(client, alert):
    sign_in(client, "crisis")
    url = f"/api/v1/hotline/alerts/{alert.pk}/acknowledge/"
    stale = client.post(url, {"version": alert.version + 5}, content_type="application/json")
    assert stale.status_code == 409
    assert client.post(url, {"version": "x"}, content_type="application/json").status_code == 400
    done = client.post(url, {"version": alert.version}, content_type="application/json")
    assert done.status_code == 200
    assert done.json()["status"] == "acknowledged"
    listed = client.get("/api/v1/hotline/alerts/")
    assert [row["id"] for row in listed.json()["results"]] == [alert.pk]
    sign_in(client, "counsellor")
    assert client.post(url, {"version": 2}, content_type="application/json").status_code == 404


@pytest.mark.parametrize(
    ("username", "status"),
    [
        ("supervisor", 200),
        ("crisis", 200),
        ("operator", 200),
        ("counsellor", 403),
        ("auditor", 403),
    ],
)
def test_rota_page_personas(client, username, status):
    sign_in(client, username)
    assert client.get("/hotline/rota/").status_code == status


def test_rota_page_warns_of_gaps_and_supervisors_add_shifts(client, sam, crisis, k01):
    sign_in(client, "supervisor", language="en")
    page = client.get("/hotline/rota/")
    assert "Warning: nobody is on call" in page.text
    bad = client.post(
        "/hotline/rota/",
        {"site": k01.pk, "person": crisis.pk, "role": "primary", "starts_at": "0001-01-01T10:00",
         "ends_at": "2026-01-01T10\x00"},
    )  # fmt: skip
    assert bad.status_code == 400
    assert "0001-01-01T10:00" in bad.text
    assert not RotaShift.objects.exists()
    start = timezone.localtime() + HOUR
    response = client.post(
        "/hotline/rota/",
        {"site": k01.pk, "person": crisis.pk, "role": "primary",
         "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
         "ends_at": (start + 8 * HOUR).strftime("%Y-%m-%dT%H:%M")},
    )  # fmt: skip
    assert response.status_code == 302
    shift = RotaShift.objects.get()
    refused = client.post("/hotline/rota/", {"do": "remove", "shift": shift.pk})
    assert refused.status_code == 400
    client.post("/hotline/rota/", {"do": "remove", "shift": shift.pk, "confirm": "yes"})
    assert not RotaShift.objects.exists()


def test_the_crisis_team_cannot_edit_the_rota(client, crisis, k01):
    sign_in(client, "crisis")
    response = client.post(
        "/hotline/rota/",
        {"site": k01.pk, "person": crisis.pk, "role": "primary", "starts_at": "2026-01-01T10:00",
         "ends_at": "2026-01-01T12:00"},
    )  # fmt: skip
    assert response.status_code == 404
    assert not RotaShift.objects.exists()


@pytest.mark.parametrize("username", ["liaison", "counsellor", "operator", "outreach", "stats"])
def test_only_the_crisis_team_and_supervisors_go_on_call(client, account, k01, username):
    """The page offers crisis members and supervisors; a forged person id of anyone else (a
    school liaison, who would be sent the alert and shown the call behind it) is refused."""
    outsider = account(username)
    sign_in(client, "supervisor", language="en")
    start = timezone.localtime() - HOUR
    refused = client.post(
        "/hotline/rota/",
        {"site": k01.pk, "person": outsider.pk, "role": "primary",
         "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
         "ends_at": (start + 8 * HOUR).strftime("%Y-%m-%dT%H:%M")},
    )  # fmt: skip
    assert refused.status_code == 400
    assert "Only members of the crisis team and supervisors go on call." in refused.text
    assert not RotaShift.objects.exists()
    alert = services.raise_alert(actor=account("operator"), site=k01)
    assert alert.assignee_id != outsider.pk


@pytest.mark.parametrize("do", ["", "delete", "\x00", "acknowledge²"])
def test_an_unknown_action_does_nothing_and_says_so(client, alert, do):
    sign_in(client, "crisis", language="en")
    answer = client.post(f"/hotline/alerts/{alert.pk}/", {"do": do, "version": alert.version})
    assert answer.status_code == 400
    assert "Choose what to do with the alert." in answer.text
    assert "Confirm that you want to close" not in answer.text
    alert.refresh_from_db()
    assert alert.status == "open"
