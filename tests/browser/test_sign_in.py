from __future__ import annotations

import pytest

from tests.support.browser import BROWSER_DB, screenshot

pytestmark = [pytest.mark.browser, BROWSER_DB]


def test_a_counsellor_signs_in_and_sees_the_home_page_in_chinese(page, sign_in):
    sign_in(page, "counsellor")

    # A counsellor's home is "today" (issue 13): what is due, then the rest of the work.
    assert page.url.endswith("/counselling/today/")
    assert page.locator("h1").inner_text().startswith("今日")
    navigation = page.locator("header nav")
    assert navigation.get_by_role("link", name="个案").is_visible()
    assert navigation.get_by_role("link", name="筛查").is_visible()
    assert navigation.get_by_role("link", name="审计日志").count() == 0
    screenshot(page, "home-counsellor-zh")


def test_the_language_switch_turns_the_portal_into_english_and_back(page, sign_in):
    sign_in(page, "auditor")

    page.select_option("#language-select", "en")
    page.click("form.language-switch button")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text().startswith("Welcome")
    assert page.locator("header nav").get_by_role("link", name="Audit log").is_visible()

    page.select_option("#language-select", "zh-hans")
    page.click("form.language-switch button")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text().startswith("欢迎")


def test_a_wrong_password_is_refused_with_a_message(page, sign_in):
    page.goto("/login/")
    page.fill("#id_username", "counsellor")
    page.fill("#id_password", "not the password")
    page.click("form.form-stack button[type=submit]")

    assert page.get_by_role("alert").is_visible()
    assert page.url.endswith("/login/")


def test_on_a_phone_the_navigation_opens_from_the_menu_button(phone_page, sign_in):
    sign_in(phone_page, "liaison")

    link = phone_page.locator("header nav").get_by_role("link", name="筛查")
    assert not link.is_visible()
    phone_page.click("header .menu-button")
    assert link.is_visible()
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the page must not scroll sideways on a phone"
    screenshot(phone_page, "home-liaison-phone")
