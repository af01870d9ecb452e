"""The auditor in headless Chromium: "who viewed case N last week" in three clicks, and the
review of a break-glass access with a note; on a phone too."""

from __future__ import annotations

import pytest

from tests.support.browser import BROWSER_DB, screenshot

pytestmark = [pytest.mark.browser, BROWSER_DB]

REASON = "热线转来：需要了解该生的情况以便干预。"


def test_who_viewed_case_n_last_week_in_three_clicks(page, sign_in, alice_case, bob_case):
    sign_in(page, "supervisor")
    page.goto(f"/counselling/cases/{alice_case.pk}/")
    page.goto(f"/counselling/cases/{bob_case.pk}/")
    page.context.clear_cookies()
    sign_in(page, "auditor")
    page.goto("/audit/")
    page.locator(f'a.record-link:text-is("个案档案 #{alice_case.pk}")').first.click()  # 1
    page.get_by_role("link", name="最近 7 天").click()  # 2
    page.get_by_role("link", name="仅看读取").click()  # 3
    rows = page.locator("#audit-entries tbody tr")
    assert rows.count() >= 1
    texts = rows.all_inner_texts()
    assert all("supervisor" in text for text in texts), texts
    assert all(f"#{alice_case.pk}" in text for text in texts), texts
    assert any("个案档案：查看" in text for text in texts), texts
    assert all("127.0.0.1" in text for text in texts), texts  # the address of every entry
    assert not any(f"#{bob_case.pk}" in text for text in texts)
    screenshot(page, "audit-who-viewed")


def test_the_auditor_reviews_a_break_glass_access(page, phone_page, sign_in, alice_case):
    from centre.models import BreakGlassReview

    sign_in(page, "crisis")
    page.goto(f"/counselling/cases/{alice_case.pk}/break-glass/")
    page.fill("#break-glass-form textarea", REASON)
    page.click("#break-glass-form button[type=submit]")
    page.context.clear_cookies()
    sign_in(page, "auditor")
    page.goto("/audit/")
    page.locator("#break-glass-link").click()
    waiting = page.locator("#waiting li")
    assert waiting.count() == 1
    assert REASON in waiting.first.inner_text()
    assert "127.0.0.1" in waiting.first.inner_text()
    waiting.first.locator("textarea").fill("已核对：热线来电记录与调阅理由一致。")
    waiting.first.get_by_role("button", name="标记为已审核").click()
    assert page.locator(".messages").inner_text().strip() == "已标记为审核完成。"
    assert "每一次紧急调阅都已审核" in page.locator("p#waiting").inner_text()
    assert "已核对：热线来电记录与调阅理由一致。" in page.locator("#reviewed").inner_text()
    review = BreakGlassReview.objects.get()
    assert review.entry.reason == REASON
    sign_in(phone_page, "auditor")
    phone_page.goto("/audit/")
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width
    screenshot(phone_page, "audit-phone")
