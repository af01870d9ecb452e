"""The hotline's duty pages in Chromium: the wallboard takes a new call's count without a full
reload; the handover, the wallboard and the green-channel form fit a phone (390 px) in Chinese
and English."""

from __future__ import annotations

import pytest

from tests.support.browser import BROWSER_DB, screenshot

pytestmark = [pytest.mark.browser, BROWSER_DB]

WIDTH = 390


def _saved_call(username: str):
    from centre.models import User
    from hotline.services import call_save, call_start

    operator = User.objects.get(username=username)
    call = call_start(actor=operator)
    return call_save(
        actor=operator, call=call, expected_version=call.version, contact_type="child_about_self"
    )


def test_the_wallboard_counts_a_new_call_without_reloading(page, sign_in):
    sign_in(page, "operator")
    page.goto("/hotline/wallboard/")
    figure = page.locator('[data-figure="calls_today"]')
    assert figure.inner_text() == "0"
    page.evaluate("window.notReloaded = true")
    _saved_call("operator")
    page.wait_for_function(
        # a function, not an expression: Playwright evaluates an expression with eval(), which
        # the pages' Content-Security-Policy refuses
        "() => document.querySelector('[data-figure=\"calls_today\"]').textContent === '1'",
        timeout=25_000,
    )
    assert page.evaluate("window.notReloaded") is True
    assert page.locator("#wallboard-operator-rows tr").count() == 1
    assert page.locator("#wallboard-stale").is_hidden()
    screenshot(page, "hotline-wallboard")
    # signed out behind its back: the next refresh gets the sign-in page, and the board says so
    from django.contrib.sessions.models import Session

    Session.objects.all().delete()
    page.locator("#wallboard-stale").wait_for(state="visible", timeout=25_000)
    assert page.locator('[data-figure="calls_today"]').inner_text() == "1"


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_duty_pages_fit_a_phone(phone_page, sign_in, live_server, language):
    call = _saved_call("operator")
    if language == "en":
        phone_page.context.add_cookies(
            [{"name": "portal_language", "value": "en", "url": live_server.url}]
        )
    sign_in(phone_page, "operator")
    for url in (
        "/hotline/handover/",
        "/hotline/wallboard/",
        f"/hotline/calls/{call.pk}/open-case/",
        "/hotline/calls/",
    ):
        phone_page.goto(url)
        width = phone_page.evaluate("document.documentElement.scrollWidth")
        assert width <= WIDTH, (url, width)
        name = url.strip("/").replace("/", "-").replace(str(call.pk), "n")
        screenshot(phone_page, f"phone-{language}-{name}")
