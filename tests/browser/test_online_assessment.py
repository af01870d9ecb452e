"""A student's online self-assessment on a 360 px phone, in Chinese (the default), without
touching a keyboard but for the code: a 15-year-old enters the code from the slip, agrees on the
first screen (their own consent, DOMAIN.md §5.2), answers every question by tapping (each next
question put in place by the page's script), loses the connection and then the page half-way
and comes back with the same code, submits, sees the thank-you. Nothing is wider than the
screen. Screenshots land in test-artifacts/."""

from __future__ import annotations

import datetime

import pytest
from playwright.sync_api import expect

from tests.support.browser import BROWSER_DB, screenshot, sign_in_with_code
from tests.support.clock import years_ago

pytestmark = [pytest.mark.browser, BROWSER_DB]

WIDTH = 360
WIDEST = "() => document.documentElement.scrollWidth"
# Where the question sits: below the progress bar with a gap, inside its fieldset (a legend that
# wraps sat across the fieldset's border), above the choices; and on how many lines.
QUESTION_LAYOUT = """() => {
  const box = (selector) => document.querySelector(selector).getBoundingClientRect();
  const question = document.querySelector(".online-question");
  const [bar, asked] = [box(".online-bar"), question.getBoundingClientRect()];
  const [choices, fieldset] = [box(".online-choices"), box("#online-answer-form fieldset")];
  return {
    gap: asked.top - bar.bottom,
    inside: asked.top - fieldset.top,
    above: choices.top - asked.bottom,
    lines: Math.round(asked.height / parseFloat(getComputedStyle(question).lineHeight)),
  };
}"""


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
        school=school,
        student_no="20260001",
        full_name="李小明",
        class_name="3班",
        grade="八年级",
        birth_date=years_ago(15),
    )
    _window, slips = online_open(actor=account("liaison"), campaign=campaign, class_name="3班")
    return slips[0][1]


@pytest.fixture(autouse=True)
def fresh_rates():
    from django.core.cache import cache

    cache.clear()


def watch_policy(page, refused: list[str] | None = None) -> list[str]:
    """What the browser reports refusing under the public pages' content security policy
    (an inline style or script, a request to another host)."""
    refused = [] if refused is None else refused
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return refused


def enter(page, code: str, *, lands_on: str = "question") -> None:
    page.goto("/screening/online/")
    page.fill("#id_code", code)
    page.click("#online-code-form button[type=submit]")
    page.wait_for_url(f"**/screening/online/{lands_on}/")


def liaison_on_a_phone(browser, live_server):
    """A 390 px phone's browser signed in as the school's liaison: its context and page."""
    from tests.support.accounts import DEMO_PASSWORD

    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 390, "height": 844}, is_mobile=True
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto("/login/")
    sign_in_with_code(page, "liaison", DEMO_PASSWORD)
    return context, page


def tap_no(page) -> None:
    """A tap on the answer's label: "not at all", or "no" (a yes to a risk question is the
    crisis path, tested without a browser)."""
    page.locator('.online-choices label:has(input[value="0"])').click()


def test_a_student_answers_on_a_phone_resumes_and_submits(browser, live_server, slip_code):
    from screening.models import ScreeningResult, StudentConsent

    context = browser.new_context(
        base_url=live_server.url, viewport={"width": WIDTH, "height": 740}, is_mobile=True
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    refused = watch_policy(page)
    enter(page, slip_code.lower(), lands_on="agree")
    # the first screen: what it is for, who sees it, and "I agree" (15: their own consent)
    assert "14" in page.inner_text("#online-agree")
    assert page.evaluate(WIDEST) <= WIDTH
    screenshot(page, "online-agree-360")
    page.click("#online-agree-form button[type=submit]")
    page.wait_for_url("**/screening/online/question/")
    total = int(page.inner_text("#online-progress").split("/")[1])
    assert total == 20  # PHQ-A 9, its supplementary 4, GAD-7 7
    assert page.evaluate(WIDEST) <= WIDTH
    screenshot(page, "online-question-360")
    assert "过去两周" in page.inner_text("main")
    layout = page.evaluate(QUESTION_LAYOUT)
    assert layout["lines"] >= 3, layout  # the lead and the question wrap at 360 px
    assert layout["gap"] >= 12, layout
    assert layout["inside"] >= 0, layout
    assert layout["above"] >= 0, layout
    progress = page.locator("#online-progress")
    for number in range(1, total + 1):
        expect(progress).to_have_text(f"{number} / {total}")  # put in place, not a new page
        if number == 5:  # the connection drops: the question stays, and says so
            tap_no(page)
            context.set_offline(True)
            page.click("#online-answer-form button[type=submit]")
            expect(page.locator("#online-offline")).to_be_visible()
            expect(progress).to_have_text(f"5 / {total}")
            screenshot(page, "online-offline-360")
            context.set_offline(False)
        if number == 10:  # the page is lost half-way: a new browser, the same code
            context.close()
            context = browser.new_context(
                base_url=live_server.url, viewport={"width": WIDTH, "height": 740}, is_mobile=True
            )
            page = context.new_page()
            page.set_default_timeout(15_000)
            refused = watch_policy(page, refused)
            enter(page, slip_code)
            progress = page.locator("#online-progress")
            expect(progress).to_have_text(f"10 / {total}")
        tap_no(page)
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
    assert not refused, refused  # the pages' content security policy refused nothing
    assert ScreeningResult.objects.filter(student__student_no="20260001").count() == 1
    given = StudentConsent.objects.get(student__student_no="20260001")
    assert (given.given_by, given.basis) == ("student", "by_age")
    context.close()


def test_the_liaison_opens_a_class_and_prints_slips_on_a_phone(browser, live_server, slip_code):
    """The campaign page and the sheet of slips fit a 390 px phone; the progress shows counts."""
    from screening.models import Campaign, Student

    campaign = Campaign.objects.get(name="2026 秋季筛查")
    Student.objects.create(
        school=campaign.school, student_no="20260002", full_name="王小红", class_name="4班"
    )
    context, page = liaison_on_a_phone(browser, live_server)
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


def test_the_liaisons_progress_refreshes_by_itself_and_the_not_yet_sheet_fits_a_phone(
    phone_page, sign_in, slip_code
):
    """A student submits while the campaign page is open: its counts change without a reload
    (the page's own script, same origin, no inline script); the not-yet sheet and a new slip for
    a lost one fit 390 px."""
    from screening.models import Campaign, OnlineWindow, Student
    from screening.services import online
    from tests.screening.test_online import all_zero, answer_all

    campaign = Campaign.objects.get(name="2026 秋季筛查")
    window = OnlineWindow.objects.get(campaign=campaign)
    sign_in(phone_page, "liaison")
    phone_page.goto(f"/screening/campaigns/{campaign.pk}/")
    row = phone_page.locator(f'#online-progress tr[data-window="{window.pk}"]')
    assert row.locator('[data-count="submitted"]').inner_text() == "0"
    assert row.locator('[data-count="not_yet"]').inner_text() == "1"
    phone_page.evaluate("window.notReloaded = true")
    session = online.online_start(code=slip_code)
    online.online_agree(session_id=session.pk)
    answer_all(session, all_zero(campaign))
    online.online_submit(session_id=session.pk)
    phone_page.wait_for_function(
        "() => document.querySelector('#online-progress [data-count=submitted]')"
        ".textContent === '1'",
        timeout=15_000,
    )
    assert row.locator('[data-count="not_yet"]').inner_text() == "0"
    assert phone_page.evaluate("window.notReloaded") is True  # refreshed in place
    assert phone_page.evaluate(WIDEST) <= 390

    Student.objects.create(
        school=campaign.school, student_no="20260003", full_name="张小华", class_name="5班"
    )
    _window, _slips = online.online_open(
        actor=campaign.liaison, campaign=campaign, class_name="5班"
    )
    other = OnlineWindow.objects.get(campaign=campaign, class_name="5班")
    phone_page.goto(f"/screening/online/windows/{other.pk}/not-yet/")
    assert "张小华" in phone_page.inner_text("#not-yet")
    assert phone_page.evaluate(WIDEST) <= 390
    screenshot(phone_page, "online-not-yet-390")
    phone_page.click("#not-yet form button[type=submit]")
    phone_page.wait_for_selector("#slips")
    assert phone_page.locator(".slip").count() == 1
    assert phone_page.evaluate(WIDEST) <= 390


def test_the_liaison_ticks_every_slip_of_a_class_on_a_phone(browser, live_server, slip_code):
    """The class list of consent slips fits a 390 px phone; "tick every box" works without
    JavaScript (a link), and the ticked slips are recorded."""
    from screening.models import Campaign, StudentConsent

    campaign = Campaign.objects.get(name="2026 秋季筛查")
    context, page = liaison_on_a_phone(browser, live_server)
    page.goto(f"/screening/campaigns/{campaign.pk}/")
    page.click("#consent-class-form button[type=submit]")
    page.wait_for_selector("#consent-list")
    page.click("#tick-all")
    page.wait_for_url("**all=1")
    assert page.locator("#consent-list input[type=checkbox]:checked").count() == 1
    assert page.evaluate(WIDEST) <= 390
    screenshot(page, "consent-slips-390")
    page.click("#consent-slips-form button[type=submit]")
    page.wait_for_selector(".messages")
    assert StudentConsent.objects.filter(campaign=campaign, given_by="guardian").count() == 1
    assert page.evaluate(WIDEST) <= 390
    context.close()
