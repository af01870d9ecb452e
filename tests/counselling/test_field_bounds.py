"""Dates and numbers have sane bounds, the same in the pages and the API (centre/field_rules.py),
and a stored value beyond them — written before the rules, or by hand — never breaks a read."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from counselling import services
from counselling.models import Client, CounsellingSession, FollowUp
from tests.support.accounts import sign_in


@pytest.fixture
def accepted_referral(alice, alice_referral):
    services.referral_advance(actor=alice, referral=alice_referral, status="accepted")
    return alice_referral


def future(years: int) -> str:
    return f"{timezone.localdate().year + years}-03-05"


@pytest.mark.parametrize(
    ("held_at", "error"),
    [
        ("2099-01-01T10:00:00+08:00", "taken place"),
        ("0002-01-01T10:00:00+08:00", "years ago"),
        ("0001-01-01T00:00:00+08:00", "out of range"),
        ("0001-01-01T00:00:00", "out of range"),  # naive: before year 1 once made UTC
    ],
)
def test_the_api_refuses_a_session_in_2099_or_in_year_1(client, alice_case, held_at, error):
    sign_in(client, "counsellor")
    client.cookies["portal_language"] = "en"
    response = client.post(
        "/api/v1/counselling/sessions/",
        {
            "case": alice_case.pk,
            "held_at": held_at,
            "modality": "face_to_face",
            "kind": "counselling",
            "attendance": "attended",
        },
        content_type="application/json",
    )
    assert response.status_code == 400
    assert list(response.json()) == ["held_at"]
    assert error in response.json()["held_at"][0]
    assert not CounsellingSession.objects.exists()


def test_the_api_refuses_40000_minutes_on_logging_and_on_editing(client, alice_case, alice_session):
    sign_in(client, "counsellor")
    logged = {
        "case": alice_case.pk,
        "held_at": timezone.now().isoformat(),
        "modality": "face_to_face",
        "kind": "counselling",
        "attendance": "attended",
        "duration_minutes": 40_000,
    }
    response = client.post("/api/v1/counselling/sessions/", logged, content_type="application/json")
    assert response.status_code == 400
    assert list(response.json()) == ["duration_minutes"]
    session = alice_session
    response = client.patch(
        f"/api/v1/counselling/sessions/{session.pk}/",
        {"version": session.version, "duration_minutes": 40_000},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert list(response.json()) == ["duration_minutes"]
    session.refresh_from_db()
    assert session.duration_minutes == 50


@pytest.mark.parametrize("born", ["2999-01-01", "0001-01-01", "1950-06-01"])
def test_the_api_refuses_an_implausible_date_of_birth(client, demo_network, born):
    sign_in(client, "counsellor")
    response = client.post(
        "/api/v1/counselling/clients/",
        {"full_name": "新学生", "sex": "male", "date_of_birth": born},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert list(response.json()) == ["date_of_birth"]
    assert not Client.objects.filter(full_name="新学生").exists()


def test_the_api_refuses_an_appointment_in_year_1_and_years_ahead(client, accepted_referral):
    sign_in(client, "counsellor")
    for when in ["0001-01-01T00:00:00+08:00", f"{future(10)}T10:00:00+08:00"]:
        response = client.post(
            f"/api/v1/counselling/referrals/{accepted_referral.pk}/advance/",
            {"status": "scheduled", "scheduled_for": when},
            content_type="application/json",
        )
        assert response.status_code == 400
        assert list(response.json()) == ["scheduled_for"]
    accepted_referral.refresh_from_db()
    assert accepted_referral.scheduled_for is None


@pytest.mark.parametrize("due", ["0001-01-01 00:00", "9999-12-31 23:59"])
def test_the_follow_up_form_refuses_year_1_and_9999_and_keeps_what_was_typed(
    client, alice_case, due
):
    sign_in(client, "counsellor")
    client.cookies["portal_language"] = "en"
    response = client.post(f"/counselling/cases/{alice_case.pk}/follow-ups/new/", {"due_at": due})
    assert response.status_code == 400
    assert "Choose a date within 3 years of today." in response.content.decode()
    assert f'value="{due}"' in response.content.decode()
    assert not FollowUp.objects.filter(case=alice_case).exists()


def test_the_session_form_refuses_year_1(client, alice_case):
    sign_in(client, "counsellor")
    client.cookies["portal_language"] = "en"
    response = client.post(
        f"/counselling/cases/{alice_case.pk}/sessions/new/",
        {
            "held_at": "0001-01-01 00:00",
            "duration_minutes": 50,
            "kind": "counselling",
            "modality": "face_to_face",
            "attendance": "attended",
            "note_plan": "下次两周后",
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "This date is more than 10 years ago: check the year." in page
    assert "下次两周后" in page  # nothing typed is lost
    assert not CounsellingSession.objects.exists()


def test_the_appointment_form_refuses_year_1(client, alice_case, accepted_referral):
    sign_in(client, "counsellor")
    client.cookies["portal_language"] = "en"
    response = client.post(
        f"/counselling/referrals/{accepted_referral.pk}/advance/",
        {"status": "scheduled", "scheduled_for": "0001-01-01T00:00"},
        follow=True,
    )
    assert "Choose a date within 3 years of today." in response.content.decode()
    accepted_referral.refresh_from_db()
    assert accepted_referral.status == "accepted"


def test_the_intake_search_refuses_a_child_born_in_year_1(client, demo_network):
    sign_in(client, "counsellor")
    client.cookies["portal_language"] = "en"
    response = client.post(
        "/counselling/intake/",
        {"step": "search", "full_name": "新学生", "date_of_birth": "0001-01-01"},
    )
    assert "A client is at most 25 years old: check the year of birth." in (
        response.content.decode()
    )


def test_a_follow_up_stored_in_year_1_breaks_no_read(client, alice, alice_case, make_case):
    """00:00 on 1 January of year 1 in Shanghai is 1 BC in UTC: Postgres stores it, psycopg2
    could not read it, and every list with that case answered 500."""
    other = make_case(counsellor=alice)
    for case, when in [(alice_case, (1, 1, 1, 0, 0)), (other, (9999, 12, 31, 23, 59))]:
        FollowUp.objects.create(  # written as by hand, past the forms' rules
            case=case,
            pathway=FollowUp.Pathway.MANUAL,
            due_at=datetime.datetime(*when, tzinfo=timezone.get_current_timezone()),
        )
    pages = [
        "/counselling/",
        f"/counselling/cases/{alice_case.pk}/",
        f"/counselling/cases/{other.pk}/",
        "/api/v1/counselling/cases/",
        f"/api/v1/counselling/cases/{alice_case.pk}/",
    ]
    for username in ["counsellor", "supervisor"]:
        sign_in(client, username)
        for page in pages:
            assert client.get(page).status_code == 200, (username, page)
    due = FollowUp.objects.get(case=alice_case).due_at
    assert due.year == 1  # read clamped to the first day any time zone can show
