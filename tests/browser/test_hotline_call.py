"""The operator's call form in headless Chromium: a high-risk call logged with the keyboard
alone, from pick-up to save, the draft autosaved on the way."""

from __future__ import annotations

import pytest

from hotline.models import Call
from tests.support.browser import BROWSER_DB, screenshot

pytestmark = [pytest.mark.browser, BROWSER_DB]


def tab_to(page, selector: str, *, limit: int = 120) -> None:
    """Press Tab until the focused element matches `selector` (the keyboard only)."""
    for _ in range(limit):
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {selector}")


def test_an_operator_logs_a_high_risk_call_with_the_keyboard_alone(page, sign_in, english):
    english(page)
    sign_in(page, "operator")
    page.goto("/hotline/calls/new/")
    assert page.evaluate("document.activeElement.id") == "pick-up"
    page.keyboard.press("Enter")  # pick-up: the draft is made on the server
    page.wait_for_url("**/hotline/calls/*/edit/")
    call = Call.objects.get(operator__username="operator")
    assert call.status == Call.Status.DRAFT
    timer = page.locator("#call-timer")
    first = timer.inner_text()
    page.wait_for_function(
        "(t) => document.getElementById('call-timer').textContent !== t", arg=first
    )

    page.keyboard.press("Alt+Shift+C")  # a child about themselves
    assert page.evaluate("document.activeElement.value") == "child_about_self"
    tab_to(page, "input[name=caller_role]")
    page.keyboard.press("Space")  # child
    # skip logic: before "yes" to q2 only q1, q2 and q6 are asked
    assert page.locator(".field-cssrs_q3").is_hidden()
    assert page.locator(".field-cssrs_q5").is_hidden()
    assert page.locator(".field-cssrs_q6").is_visible()
    tab_to(page, "#id_summary")
    page.keyboard.type("Wants to die tonight; has pills.")
    for question in ("q1", "q2", "q3", "q4"):
        tab_to(page, f"input[name=cssrs_{question}]")
        page.keyboard.press("Space")  # yes
    tab_to(page, "input[name=cssrs_q5]")
    page.keyboard.press("Space")
    page.keyboard.press("ArrowDown")  # no
    tab_to(page, "input[name=cssrs_q6]")
    page.keyboard.press("Space")
    page.keyboard.press("ArrowDown")  # no
    assert "High" in page.locator("#cssrs-risk").inner_text()
    # the risk's action checklist: the high-risk actions are marked suggested
    assert page.locator("label.suggested input[value=keep_on_line]").count() == 1
    assert page.locator(".suggested-mark").count() >= 1
    for action in ("keep_on_line", "confirm_location"):
        tab_to(page, f"input[name=actions][value={action}]")
        page.keyboard.press("Space")
    page.wait_for_function(
        "() => document.getElementById('autosave-status').textContent.includes('saved')"
    )
    call.refresh_from_db()
    assert call.summary == "Wants to die tonight; has pills."
    assert call.status == Call.Status.DRAFT  # the autosaved draft row, not yet saved
    assert call.cssrs_answers.get("q4") is True
    page.set_viewport_size({"width": 360, "height": 800})
    wide = page.evaluate(
        "() => [...document.querySelectorAll('body *')].filter("
        "e => e.getBoundingClientRect().right > 361).map(e => e.tagName + '.' + e.className"
        " + '#' + e.id + ':' + Math.round(e.getBoundingClientRect().width)).slice(0, 12)"
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, wide
    screenshot(page, "hotline-call-form")
    page.keyboard.press("Control+Enter")
    page.wait_for_url(f"**/hotline/calls/{call.pk}/")

    call.refresh_from_db()
    assert call.status == Call.Status.SAVED
    assert (call.contact_type, call.caller_role, call.risk) == ("child_about_self", "child", "high")
    assert call.crisis
    assert call.actions == ["keep_on_line", "confirm_location"]
    assert call.cssrs_answers == {
        "q1": True,
        "q2": True,
        "q3": True,
        "q4": True,
        "q5": False,
        "q6": False,
    }
    assert call.duration_seconds is not None
