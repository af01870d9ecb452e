"""A student's online self-assessment on a 360 px phone, in Chinese (the default), without
touching a keyboard but for the code: enter the code from the slip, answer every question by
tapping, lose the page half-way and come back with the same code, submit, see the thank-you.
Nothing is wider than the screen. Screenshots land in test-artifacts/."""

from __future__ import annotations

import datetime

import pytest

from tests.support.browser import BROWSER_DB, screenshot, sign_in_with_code

pytestmark = [pytest.mark.browser, BROWSER_DB]

WIDTH = 360
WIDEST = "() => document.documentElement.scrollWidth"


@pytest.fixture
def slip_code(account):
    from centre.models import School
    from screening.models import Campaign, Student
    from screening.services import online_open

    school = School.objects.get(code="SCH-0101")
    campaign = Campaign.objects.create(
        school=school,
        name="2026 秋季筛查",
        instruments=["PHQ-A", "GAD-7"],
        opens_on=datetime.date(2026, 9, 1),
        closes_on=datetime.date(2026, 12, 31),
        liaison=account("liaison"),
        consent_basis="by_age",
    )
    Student.objects.create(
        school=school, student_no="20260001", full_name="李小明", class_name="3班", grade="八年级"
    )
    _window, slips = online_open(actor=account("liaison"), campaign=campaign, class_name="3班")
    return slips[0][1]


@pytest.fixture(autouse=True)
def fresh_rates():
    from django.core.cache import cache

    cache.clear()


def enter(page, code: str) -> None:
    page.goto("/screening/online/")
    page.fill("#id_code", code)
    page.click("#online-code-form button[type=submit]")
    page.wait_for_url("**/screening/online/question/")


def test_a_student_answers_on_a_phone_resumes_and_submits(browser, live_server, slip_code):
    from screening.models import ScreeningResult

    context = browser.new_context(
        base_url=live_server.url, viewport={"width": WIDTH, "height": 740}, is_mobile=True
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    enter(page, slip_code.lower())
    total = int(page.inner_text("#online-progress").split("/")[1])
    assert total == 20  # PHQ-A 9, its supplementary 4, GAD-7 7
    assert page.evaluate(WIDEST) <= WIDTH
    screenshot(page, "online-question-360")
    assert "过去两周" in page.inner_text("main")
    for number in range(1, total + 1):
        assert page.inner_text("#online-progress") == f"{number} / {total}"
        if number == 10:  # the page is lost half-way: a new browser, the same code
            context.close()
            context = browser.new_context(
                base_url=live_server.url, viewport={"width": WIDTH, "height": 740}, is_mobile=True
            )
            page = context.new_page()
            page.set_default_timeout(15_000)
            enter(page, slip_code)
            assert page.inner_text("#online-progress") == f"10 / {total}"
        # a tap on the answer's label: "not at all", or "no" (a yes to a risk question is the
        # crisis path, tested without a browser)
        page.locator('.online-choices label:has(input[value="0"])').click()
        page.click("#online-answer-form button[type=submit]")
    assert page.evaluate(WIDEST) <= WIDTH
    page.click("#online-submit-form button[type=submit]")
    page.wait_for_url("**/screening/online/thanks/")
    text = page.inner_text("main")
    assert "谢谢" in text
    assert "12356" in text
    assert page.locator("#online-help-now").count() == 0
    assert page.evaluate(WIDEST) <= WIDTH
    screenshot(page, "online-thanks-360")
    assert ScreeningResult.objects.filter(student__student_no="20260001").count() == 1
    context.close()


def test_the_liaison_opens_a_class_and_prints_slips_on_a_phone(browser, live_server, slip_code):
    """The campaign page and the sheet of slips fit a 390 px phone; the progress shows counts."""
    from screening.models import Campaign, Student
    from tests.support.accounts import DEMO_PASSWORD

    campaign = Campaign.objects.get(name="2026 秋季筛查")
    Student.objects.create(
        school=campaign.school, student_no="20260002", full_name="王小红", class_name="4班"
    )
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 390, "height": 844}, is_mobile=True
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto("/login/")
    sign_in_with_code(page, "liaison", DEMO_PASSWORD)
    page.goto(f"/screening/campaigns/{campaign.pk}/")
    assert page.locator("#online-progress").count() == 1  # 3班, opened by the fixture
    assert page.evaluate(WIDEST) <= 390
    page.select_option("#online-open-form select", "4班")
    page.click("#online-open-form button[type=submit]")
    page.wait_for_selector("#slips")
    assert page.locator(".slip svg").count() == 1
    assert "王小红" in page.inner_text("#slips")
    assert page.evaluate(WIDEST) <= 390
    screenshot(page, "online-slips-390")
    context.close()
