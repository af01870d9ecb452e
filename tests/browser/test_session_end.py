"""A session that times out loses nothing, in Chromium: the warning and "stay signed in", and a
note sent into an ended session that comes back after signing in again."""

from __future__ import annotations

import datetime
import re

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone
from playwright.sync_api import expect

from counselling.models import CounsellingSession
from tests.support.accounts import DEMO_PASSWORD
from tests.support.browser import BROWSER_DB, screenshot, sign_in_with_code

pytestmark = [pytest.mark.browser, BROWSER_DB]

NOTE = "她说这周睡得好一些了，愿意和母亲谈谈学校的事。"


@pytest.fixture
def english(live_server):
    def switch(context) -> None:
        context.add_cookies([{"name": "portal_language", "value": "en", "url": live_server.url}])

    return switch


def end_sessions() -> None:
    """The idle limit passes on the server (the rows stay until `clearsessions`)."""
    Session.objects.update(expire_date=timezone.now() - datetime.timedelta(seconds=1))


def sign_in_again(page) -> None:
    sign_in_with_code(page, "counsellor", DEMO_PASSWORD)


def a_note_typed_as_the_session_ends(page, sign_in, english, make_case, account):
    """The counsellor, in English, types a note into "Log a session" of a new case of theirs;
    then every session ends (the case is returned)."""
    case = make_case(counsellor=account("counsellor"))
    english(page.context)
    sign_in(page, "counsellor")
    page.goto(f"/counselling/cases/{case.pk}/sessions/new/")
    page.fill("#id_note_presenting", NOTE)
    page.fill("#id_note_plan", "两周后复诊。")
    page.select_option("#id_kind", "assessment")
    end_sessions()
    return case


def test_a_note_sent_after_the_timeout_comes_back_after_signing_in(
    page, sign_in, english, make_case, account
):
    case = a_note_typed_as_the_session_ends(page, sign_in, english, make_case, account)
    page.get_by_role("button", name="Save the session").click()

    page.wait_for_url(re.compile(r"/login/\?next="))
    expect(page.get_by_role("status").first).to_contain_text("What you sent is kept")
    sign_in_again(page)

    page.wait_for_url(f"**/counselling/cases/{case.pk}/sessions/new/")
    expect(page.locator(".kept-draft")).to_contain_text("It is not saved yet")
    expect(page.locator("#id_note_presenting")).to_have_value(NOTE)
    expect(page.locator("#id_note_plan")).to_have_value("两周后复诊。")
    expect(page.locator("#id_kind")).to_have_value("assessment")
    screenshot(page, "session-end-kept-note")
    assert not CounsellingSession.objects.filter(case=case).exists()

    page.get_by_role("button", name="Save the session").click()
    page.wait_for_url(f"**/counselling/cases/{case.pk}/")
    assert CounsellingSession.objects.get(case=case).note_presenting == NOTE


def test_a_note_sent_after_signing_in_in_another_tab_comes_back(
    page, sign_in, english, make_case, account
):
    """Signing in again in another tab rotates the CSRF token the first tab's form carries."""
    case = a_note_typed_as_the_session_ends(page, sign_in, english, make_case, account)
    other_tab = page.context.new_page()
    other_tab.goto("/")
    sign_in_again(other_tab)
    other_tab.wait_for_url("**/")

    page.get_by_role("button", name="Save the session").click()

    page.wait_for_url(f"**/counselling/cases/{case.pk}/sessions/new/")
    expect(page.locator("#id_note_presenting")).to_have_value(NOTE)
    expect(page.locator(".kept-draft")).to_contain_text("It is not saved yet")
    assert not CounsellingSession.objects.filter(case=case).exists()  # refused, then kept
    page.get_by_role("button", name="Save the session").click()
    page.wait_for_url(f"**/counselling/cases/{case.pk}/")
    assert CounsellingSession.objects.get(case=case).note_plan == "两周后复诊。"


def test_the_page_warns_before_the_session_ends_and_stay_signed_in_renews_it(
    page, sign_in, english, settings
):
    settings.SESSION_WARNING_SECONDS = settings.SESSION_COOKIE_AGE - 2  # shows after 2 seconds
    english(page.context)
    sign_in(page, "counsellor")
    warning = page.locator("#session-warning")
    expect(warning).to_be_visible(timeout=5_000)
    expect(warning).to_contain_text("Time left:")
    screenshot(page, "session-end-warning")
    soon = timezone.now() + datetime.timedelta(seconds=30)
    Session.objects.update(expire_date=soon)

    warning.get_by_role("button", name="Stay signed in").click()

    expect(warning).to_be_hidden()
    assert Session.objects.get().expire_date > soon + datetime.timedelta(minutes=5)


def test_the_warning_says_when_the_session_has_ended(page, sign_in, english, settings):
    english(page.context)
    sign_in(page, "counsellor")
    settings.SESSION_COOKIE_AGE = 3
    page.goto("/")
    warning = page.locator("#session-warning")
    expect(warning).to_contain_text("Your session has ended", timeout=6_000)
    expect(warning.get_by_role("button", name="Stay signed in")).to_be_hidden()


def test_a_request_in_another_tab_puts_the_warning_away(page, sign_in, english, settings):
    settings.SESSION_WARNING_SECONDS = settings.SESSION_COOKIE_AGE - 2
    english(page.context)
    sign_in(page, "counsellor")
    warning = page.locator("#session-warning")
    expect(warning).to_be_visible(timeout=5_000)

    page.context.new_page().goto("/")  # renews the one session

    expect(warning).to_be_hidden()
