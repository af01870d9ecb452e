"""A session that times out loses nothing: the warning before the end, "stay signed in", and a
form sent into an ended session kept on the server for its own user (centre/drafts.py)."""

from __future__ import annotations

import datetime
import html
import json
import re

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from centre import drafts
from tests.support.accounts import DEMO_PASSWORD, pass_second_factor

ORIGIN = "http://testserver"
NOTE = "她说这周睡得好一些了，愿意和母亲谈谈学校的事。"


@pytest.fixture
def case(make_case, account):
    return make_case(counsellor=account("counsellor"))


def sign_in(client: Client, username: str, next_page: str = "/"):
    """Both steps, through the pages: the answer of the second (to `next_page`)."""
    client.post(
        "/login/",
        {"username": username, "password": DEMO_PASSWORD, "next": next_page},
        HTTP_ORIGIN=ORIGIN,
    )
    return pass_second_factor(client, username, next_page)


def end_session(client: Client) -> None:
    """The idle limit passes: the row stays (until `clearsessions`) but no longer signs in."""
    ended = timezone.now() - datetime.timedelta(seconds=1)
    Session.objects.filter(session_key=client.session.session_key).update(expire_date=ended)


def session_form(case, **fields) -> dict:
    return {
        "held_at": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
        "duration_minutes": "50",
        "kind": "counselling",
        "modality": "face_to_face",
        "attendance": "attended",
        "note_presenting": NOTE,
        "note_intervention": "",
        "note_plan": "两周后复诊。",
        "risk_assessed": "",
        **fields,
    }


def kept_fields(response) -> dict | None:
    """The fields a page gives back (its data-kept-draft attribute), by name."""
    found = re.search(r'data-kept-draft="([^"]*)"', response.text)
    if not found:
        return None
    return dict(json.loads(html.unescape(found.group(1))))


def send_into_ended_session(client: Client, case, **fields):
    page = f"/counselling/cases/{case.pk}/sessions/new/"
    sign_in(client, "counsellor")
    assert client.get(page).status_code == 200
    end_session(client)
    response = client.post(
        page, session_form(case, **fields), HTTP_ORIGIN=ORIGIN, HTTP_REFERER=ORIGIN + page
    )
    return page, response


def test_a_note_sent_after_the_timeout_comes_back_after_signing_in_again(client, case):
    page, response = send_into_ended_session(client, case)

    assert response.status_code == 302
    assert response.headers["Location"] == f"/login/?next={page}"
    cookie = response.cookies[drafts.COOKIE_NAME]
    assert cookie["httponly"]
    assert cookie["max-age"] == 30 * 60
    login_page = client.get(response.headers["Location"])
    assert "您提交的内容已为您保留" in login_page.text
    assert NOTE not in login_page.text  # the sign-in page does not show it

    signed_in = sign_in(client, "counsellor", page)
    assert signed_in.headers["Location"] == page
    back = client.get(page)
    assert back.status_code == 200
    fields = kept_fields(back)
    assert fields["note_presenting"] == NOTE
    assert fields["note_plan"] == "两周后复诊。"
    assert "内容尚未保存" in back.text
    assert case.sessions.count() == 0  # kept, not saved
    assert kept_fields(client.get(page)) is None  # given back once


def test_another_user_signing_in_on_that_browser_gets_nothing(client, case):
    page, _response = send_into_ended_session(client, case)

    sign_in(client, "supervisor", page)  # sees the case, but did not type the note
    response = client.get(page)
    assert response.status_code == 200
    assert kept_fields(response) is None
    assert NOTE not in response.text

    client.post("/logout/", HTTP_ORIGIN=ORIGIN)
    sign_in(client, "counsellor", page)
    assert kept_fields(client.get(page))["note_presenting"] == NOTE


def test_a_browser_without_the_draft_cookie_gets_nothing(client, case):
    page, _response = send_into_ended_session(client, case)
    other_browser = Client()
    other_browser.cookies[drafts.COOKIE_NAME] = "guessed-" + "x" * 36
    sign_in(other_browser, "counsellor", page)
    assert kept_fields(other_browser.get(page)) is None


def test_a_kept_draft_expires(client, case):
    page, _response = send_into_ended_session(client, case)
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=31)):
        sign_in(client, "counsellor", page)
        assert kept_fields(client.get(page)) is None


def test_a_draft_is_kept_encrypted_without_passwords_or_the_csrf_token(client, case):
    client = Client(enforce_csrf_checks=True)
    page = f"/counselling/cases/{case.pk}/sessions/new/"
    client.get("/login/")
    sign_in_form = {"username": "counsellor", "password": DEMO_PASSWORD, "next": "/"}
    token = client.cookies["csrftoken"].value
    client.post("/login/", {**sign_in_form, "csrfmiddlewaretoken": token}, HTTP_ORIGIN=ORIGIN)
    pass_second_factor(client, "counsellor")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', client.get(page).text)[1]
    end_session(client)

    fields = session_form(case, csrfmiddlewaretoken=token, new_password="Secret-123456")
    response = client.post(page, fields, HTTP_ORIGIN=ORIGIN, HTTP_REFERER=ORIGIN + page)

    cookie = response.cookies[drafts.COOKIE_NAME].value
    sealed = cache.get(drafts._cache_key(cookie))
    assert NOTE.encode() not in sealed
    assert "两周后复诊".encode() not in sealed
    assert cache.get(f"draft:{cookie}") is None  # the cache never sees the token itself
    client.get("/login/")
    token = client.cookies["csrftoken"].value
    client.post("/login/", {**sign_in_form, "next": page, "csrfmiddlewaretoken": token})
    pass_second_factor(client, "counsellor")
    kept = kept_fields(client.get(page))
    assert kept["note_presenting"] == NOTE
    assert "csrfmiddlewaretoken" not in kept
    assert "new_password" not in kept


def test_more_than_64_kb_is_not_kept_and_says_so(client, case):
    _page, response = send_into_ended_session(client, case, note_intervention="字" * 22_000)

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login/")
    assert drafts.COOKIE_NAME not in response.cookies
    assert "内容过长" in client.get(response.headers["Location"]).text


def test_just_under_64_kb_is_kept(client, case):
    _page, response = send_into_ended_session(client, case, note_intervention="字" * 21_000)
    assert drafts.COOKIE_NAME in response.cookies


def test_a_form_refused_for_a_rotated_csrf_token_is_kept_for_the_signed_in_user(client, case):
    """The real case: signing in again in another tab rotated the token the form carries."""
    client = Client(enforce_csrf_checks=True)
    page = f"/counselling/cases/{case.pk}/sessions/new/"
    client.get("/login/")
    token = client.cookies["csrftoken"].value
    client.post(
        "/login/",
        {"username": "counsellor", "password": DEMO_PASSWORD, "csrfmiddlewaretoken": token},
        HTTP_ORIGIN=ORIGIN,
    )
    pass_second_factor(client, "counsellor")
    stale = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', client.get(page).text)[1]
    client.cookies["csrftoken"] = "r" * 32  # another tab's sign-in

    fields = session_form(case, csrfmiddlewaretoken=stale)
    response = client.post(page, fields, HTTP_ORIGIN=ORIGIN, HTTP_REFERER=ORIGIN + page)

    assert response.status_code == 302
    assert response.headers["Location"] == page
    back = client.get(page)
    assert kept_fields(back)["note_presenting"] == NOTE
    assert case.sessions.count() == 0


def test_a_form_refused_because_its_token_lived_in_the_ended_session_is_kept(
    client, case, settings
):
    settings.CSRF_USE_SESSIONS = True
    client = Client(enforce_csrf_checks=True)
    page = f"/counselling/cases/{case.pk}/sessions/new/"
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', client.get("/login/").text)[1]
    client.post(
        "/login/",
        {"username": "counsellor", "password": DEMO_PASSWORD, "csrfmiddlewaretoken": token},
        HTTP_ORIGIN=ORIGIN,
    )
    pass_second_factor(client, "counsellor")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', client.get(page).text)[1]
    end_session(client)

    fields = session_form(case, csrfmiddlewaretoken=token)
    response = client.post(page, fields, HTTP_ORIGIN=ORIGIN, HTTP_REFERER=ORIGIN + page)

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login/")
    login_page = client.get(response.headers["Location"])
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login_page.text)[1]
    client.post(
        "/login/",
        {"username": "counsellor", "password": DEMO_PASSWORD, "csrfmiddlewaretoken": token},
        HTTP_ORIGIN=ORIGIN,
    )
    pass_second_factor(client, "counsellor")
    assert kept_fields(client.get(page))["note_presenting"] == NOTE


def test_a_form_from_another_site_is_refused_and_not_kept(client, case):
    client = Client(enforce_csrf_checks=True)
    sign_in(client, "counsellor")
    page = f"/counselling/cases/{case.pk}/sessions/new/"
    response = client.post(page, session_form(case), HTTP_ORIGIN="https://elsewhere.example")
    assert response.status_code == 403
    assert drafts.COOKIE_NAME not in response.cookies


def test_a_draft_is_not_shown_on_a_page_the_user_may_not_see(client, case, make_case, account):
    hidden = make_case(counsellor=account("counsellor2"))
    hidden_page = f"/counselling/cases/{hidden.pk}/sessions/new/"
    page = f"/counselling/cases/{case.pk}/sessions/new/"
    sign_in(client, "counsellor")
    end_session(client)
    client.post(page, session_form(case), HTTP_ORIGIN=ORIGIN, HTTP_REFERER=ORIGIN + hidden_page)

    sign_in(client, "counsellor", hidden_page)
    response = client.get(hidden_page)
    assert response.status_code == 404
    assert NOTE not in response.text
    assert "data-kept-draft" not in response.text


def test_pages_say_when_the_session_ends(client, account, settings):
    settings.SESSION_WARNING_SECONDS = 120
    assert "data-session-idle-seconds" not in client.get("/login/").text
    client.force_login(account("counsellor"))
    home = client.get("/", follow=True).text  # a counsellor lands on "today"
    assert 'data-session-idle-seconds="900"' in home
    assert 'data-session-warning-seconds="120"' in home
    assert 'data-keepalive-url="/session/keepalive/"' in home


def test_stay_signed_in_renews_the_session(account):
    client = Client(enforce_csrf_checks=True)
    client.force_login(account("counsellor"))
    token = re.search(
        r'name="csrfmiddlewaretoken" value="([^"]+)"', client.get("/", follow=True).text
    )[1]
    key = client.session.session_key
    soon = timezone.now() + datetime.timedelta(seconds=30)
    Session.objects.filter(session_key=key).update(expire_date=soon)

    assert client.post("/session/keepalive/").status_code == 403  # CSRF
    response = client.post("/session/keepalive/", HTTP_X_CSRFTOKEN=token, HTTP_ORIGIN=ORIGIN)

    assert response.status_code == 200
    assert response.json()["signed_in"] is True
    renewed = Session.objects.get(session_key=key).expire_date
    assert renewed > timezone.now() + datetime.timedelta(minutes=14)
    assert client.get("/session/keepalive/").status_code == 405


def test_stay_signed_in_after_the_end_says_signed_out(client, account):
    client.force_login(account("counsellor"))
    end_session(client)
    response = client.post("/session/keepalive/")
    assert response.status_code == 401
    assert response.json() == {"signed_in": False}


def test_a_form_sent_with_no_session_at_all_is_not_kept_and_says_so(client, case):
    """No one it could be given back to (the browser presented no session): said, not kept."""
    page = f"/counselling/cases/{case.pk}/sessions/new/"
    response = client.post(page, session_form(case), HTTP_ORIGIN=ORIGIN)
    assert response.headers["Location"] == f"/login/?next={page}"
    assert drafts.COOKIE_NAME not in response.cookies
    assert "您提交的内容无法保留" in client.get(response.headers["Location"]).text
