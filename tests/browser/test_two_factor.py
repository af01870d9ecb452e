"""Issue 17 in a browser: a new account's first sign-in on a phone (390 px) enrols with the QR
code before any other page, then signs in again with a real code from the authenticator (the
TOTP computed from the device's key, as the phone would), and its sessions page fits too."""

from __future__ import annotations

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.support.accounts import (
    DEMO_PASSWORD,
    authenticator,
    authenticator_code,
    forget_wrong_codes,
)
from tests.support.browser import BROWSER_DB, screenshot, sign_in_with_code

pytestmark = [pytest.mark.browser, BROWSER_DB]

WIDEST = "() => document.documentElement.scrollWidth"


def test_a_new_account_enrols_on_a_phone_then_signs_in_with_its_code(phone_page, staff_at):
    page = phone_page
    newcomer = staff_at("newcomer", "counsellor", "K01")
    forget_wrong_codes(newcomer)
    page.goto("/counselling/")
    page.fill("#id_username", "newcomer")
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("form.form-stack button[type=submit]")

    page.wait_for_url("**/signin/second-factor/setup/**")
    assert page.locator("h1").inner_text() == "设置登录第二步"
    qr = page.locator(".enrolment-qr svg")
    assert qr.is_visible()
    assert qr.bounding_box()["width"] <= 390
    assert page.evaluate(WIDEST) <= 390
    assert page.locator("#main-navigation").count() == 0  # nothing else before the step
    # ...but the language and signing out stay on the screen, the menu being gone.
    assert page.locator("#language-select").is_visible()
    assert page.locator("form[action='/logout/'] button").is_visible()
    screenshot(page, "two-factor-enrol-phone")

    device = TOTPDevice.objects.get(user=newcomer, confirmed=False)
    page.fill("#id_code", str(TOTP(device.bin_key).token()).zfill(6))
    page.click("form.form-stack button[type=submit]")
    codes = page.locator(".recovery-codes li")
    codes.first.wait_for()
    assert codes.count() == 10
    assert page.evaluate(WIDEST) <= 390
    screenshot(page, "two-factor-recovery-codes-phone")
    page.get_by_role("link", name="我已记下：继续").click()
    page.wait_for_url(lambda url: url.endswith("/counselling/") and "/signin/" not in url)

    # Another day (the session gone): the password, then the code the app shows now.
    page.context.clear_cookies()
    page.goto("/counselling/")
    device.refresh_from_db()
    assert device.confirmed
    page.fill("#id_username", "newcomer")
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("form.form-stack button[type=submit]")
    page.wait_for_url("**/signin/second-factor/**")
    page.fill("#id_code", "000000")
    page.click("form.form-stack button[type=submit]")
    page.wait_for_selector(".errorlist")  # refused, said on the field
    page.wait_for_timeout(1100)  # django-otp's delay after a wrong code: 1 s, then doubling
    page.fill("#id_code", authenticator_code(device))
    page.click("form.form-stack button[type=submit]")
    page.wait_for_url(lambda url: url.endswith("/counselling/") and "/signin/" not in url)

    page.goto("/account/sessions/")
    assert page.locator("h1").inner_text() == "您的会话"
    assert page.evaluate(WIDEST) <= 390
    screenshot(page, "sessions-phone")


def test_a_user_ends_their_other_session_from_the_sessions_page(
    browser, live_server, page, sign_in
):
    sign_in(page, "counsellor")
    other = browser.new_context(base_url=live_server.url)
    phone = other.new_page()
    phone.goto("/login/")
    sign_in_with_code(phone, "counsellor", DEMO_PASSWORD)

    page.goto("/account/sessions/")
    page.locator("#other-sessions button").first.click()
    page.wait_for_load_state()
    assert page.locator("#other-sessions li.session").count() == 0
    phone.goto("/inbox/")
    assert "/login/" in phone.url
    other.close()


def test_a_user_makes_new_recovery_codes_after_typing_a_code_again(page, sign_in, account):
    from centre import two_factor

    counsellor = account("counsellor")
    old = two_factor.recovery_codes_create(user=counsellor)
    for code in old[:8]:  # eight used: two left, few enough to warn
        counsellor.staticdevice_set.get().token_set.filter(token=code).delete()
    sign_in(page, "counsellor")
    page.goto("/account/sessions/")
    assert "您还有 2 个未使用的恢复码" in page.locator("main").inner_text()
    assert page.locator("#recovery-codes-few").is_visible()
    page.locator("#recovery-codes-few a").click()

    page.wait_for_url("**/account/recovery-codes/")
    page.fill("#id_password_or_code", "000000")
    page.click("form.form-stack button[type=submit]")
    page.wait_for_selector("[role=alert]")  # refused, nothing made
    assert two_factor.recovery_codes_left(counsellor) == 2
    page.wait_for_timeout(1100)  # django-otp's delay after a wrong code
    page.fill("#id_password_or_code", authenticator_code(authenticator(counsellor)))
    page.click("form.form-stack button[type=submit]")
    codes = page.locator(".recovery-codes li")
    codes.first.wait_for()
    shown = [text.strip() for text in codes.all_inner_texts()]
    assert len(shown) == 10
    assert page.locator("button[data-print]").is_visible()
    screenshot(page, "recovery-codes-renewed")
    page.get_by_role("link", name="我已记下：继续").click()
    page.wait_for_url("**/account/sessions/")
    assert "您还有 10 个未使用的恢复码" in page.locator("main").inner_text()
    assert page.locator("#recovery-codes-few").count() == 0

    # The old codes no longer sign in; a new one does.
    page.context.clear_cookies()
    page.goto("/login/")
    page.fill("#id_username", "counsellor")
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("form.form-stack button[type=submit]")
    page.wait_for_url("**/signin/second-factor/**")
    page.fill("#id_code", old[9])
    page.click("form.form-stack button[type=submit]")
    page.wait_for_selector(".errorlist")
    page.wait_for_timeout(1100)
    page.fill("#id_code", shown[0])
    page.click("form.form-stack button[type=submit]")
    page.wait_for_url(lambda url: "/signin/" not in url)
