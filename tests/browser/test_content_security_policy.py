"""Every main page of every role (tests/support/pages.py: home, inbox, the navigation, a record
of each kind), the sign-in page and the public online self-assessment from code to thank-you,
opened in headless Chromium under the portal's own Content-Security-Policy: not one violation
(the page's `securitypolicyviolation` event and Chromium's console both watched), not one
request to another host, no complaint about the Permissions-Policy header."""

from __future__ import annotations

import datetime

import pytest
from playwright.sync_api import expect

from screening.models import Student
from tests.screening.test_online import guardians_agree
from tests.support.accounts import DEMO_PASSWORD
from tests.support.browser import BROWSER_DB, sign_in_with_code
from tests.support.pages import ROLES, pages_of

pytestmark = [pytest.mark.browser, BROWSER_DB]

# Injected before any script of the page (Playwright's init scripts are not subject to the
# page's CSP): each violation goes to the console, where `PolicyWatch` reads it.
REPORT_VIOLATIONS = """document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.effectiveDirective} refused ${event.blockedURI}`
    + ` at ${event.sourceFile}:${event.lineNumber}`);
});"""
# What Chromium writes to the console about either policy.
COMPLAINTS = (
    "CSP violation",
    "Content Security Policy",
    "Permissions-Policy",
    "Permissions policy",
)


class PolicyWatch:
    """A page's violations of the policies, and its requests to another host, as they come."""

    def __init__(self, page, origin: str) -> None:
        self.page = page
        self.origin = origin
        self.found: list[str] = []
        page.add_init_script(REPORT_VIOLATIONS)
        page.on("console", self.console)
        page.on("request", self.request)

    def console(self, message) -> None:
        if any(complaint in message.text for complaint in COMPLAINTS):
            self.found.append(f"{self.page.url}: {message.text}")

    def request(self, request) -> None:
        if not request.url.startswith((self.origin, "data:", "blob:")):
            self.found.append(f"{self.page.url}: a request to {request.url}")

    def open(self, url: str) -> None:
        response = self.page.goto(url)
        assert response.status == 200, url
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"], url
        self.settle()

    def settle(self) -> None:
        """Let the page's scripts run and their fetches end before it is left."""
        self.page.wait_for_load_state("networkidle")


@pytest.fixture
def watched(browser, live_server):
    """A new browser context whose page is watched: `watched()` → (page, watch)."""
    contexts = []

    def make(**options):
        context = browser.new_context(base_url=live_server.url, **options)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page, PolicyWatch(page, live_server.url)

    yield make
    for context in contexts:
        context.close()


def sign_in(page, watch: PolicyWatch, username: str) -> None:
    """Both sign-in steps (the password, the authenticator's code), the second step's page
    watched too."""
    watch.open("/login/")
    sign_in_with_code(page, username, DEMO_PASSWORD)
    watch.settle()


def test_the_watch_sees_what_the_policy_refuses(watched):
    """Proof that the watch is not blind: an inline style and an image from another host, put
    into a page by a script, are refused and reported; the image's request is blocked."""
    page, watch = watched()
    watch.open("/login/")
    assert watch.found == []
    with page.expect_console_message(lambda message: "style-src-attr" in message.text):
        page.evaluate("document.body.setAttribute('style', 'background: red')")
    refused = page.expect_console_message(lambda message: "img-src refused" in message.text)
    with page.expect_event("requestfailed") as failed, refused:
        page.evaluate(
            """document.body.insertAdjacentHTML("beforeend",
            '<img alt="" src="https://cdn.example.invalid/pixel.png">')"""
        )
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") != "rgb(255, 0, 0)"
    text = "\n".join(watch.found)
    assert "style-src-attr" in text
    assert "img-src refused https://cdn.example.invalid/pixel.png" in text
    assert "a request to https://cdn.example.invalid/pixel.png" in text
    assert failed.value.failure == "csp"  # Chromium's reason: blocked by the policy, never sent


def print_pages(user) -> list[str]:
    """The printed layouts (their own base template) of a case the counsellor leads."""
    from counselling.models import Referral

    referral = Referral.objects.filter(case__counsellor=user).order_by("pk").first()
    return [
        f"/counselling/cases/{referral.case_id}/print/",
        f"/counselling/referrals/{referral.pk}/letter/",
    ]


def test_every_main_page_of_every_role_keeps_to_the_policy(watched, demo_records):
    """One test for all roles: the demo records are seeded once (half a minute)."""
    from centre.models import User

    opened = 0
    for role in ROLES:
        user = User.objects.get(username=role)
        pages = pages_of(user) + (print_pages(user) if role == "counsellor" else [])
        page, watch = watched(locale="zh-CN")
        sign_in(page, watch, role)
        for url in pages:
            watch.open(url)
        opened += len(pages)
        assert watch.found == [], "\n".join(watch.found)
        page.context.close()
    assert opened > 100


def test_the_phone_menu_and_the_api_docs_work_under_the_policy(watched):
    """The scripts run (the phone menu opens, Swagger UI draws the operations): the policy
    refuses nothing the pages need."""
    page, watch = watched(viewport={"width": 390, "height": 844}, is_mobile=True)
    sign_in(page, watch, "counsellor")
    page.locator(".menu-button").click()
    assert page.locator("#main-navigation").is_visible()
    watch.open("/api/v1/docs/")
    page.wait_for_selector(".opblock-summary-path", timeout=30_000)
    assert page.locator(".opblock").count() > 10
    assert watch.found == [], "\n".join(watch.found)


@pytest.fixture
def campaign(account):
    """A campaign open online at the demo liaison's school, with one student in 3班."""
    from django.utils import timezone

    from centre.models import School
    from screening.models import Campaign, Student

    school = School.objects.get(code="SCH-0101")
    Student.objects.create(
        school=school, student_no="20269001", full_name="赵小雨", class_name="3班"
    )
    today = timezone.localdate()
    return Campaign.objects.create(
        school=school,
        name="CSP 筛查",
        instruments=["PHQ-A", "GAD-7"],
        opens_on=today - datetime.timedelta(days=1),
        closes_on=today + datetime.timedelta(days=30),
        liaison=account("liaison"),
        consent_basis="by_age",
    )


def test_the_online_self_assessment_keeps_to_the_policy(watched, campaign):
    """The liaison opens a class (the sheet of slips, each with its QR code), and a student
    enters the code from it and answers every question to the thank-you page."""
    page, watch = watched()
    sign_in(page, watch, "liaison")
    watch.open(f"/screening/campaigns/{campaign.pk}/")
    page.select_option("#online-open-form select", "3班")
    page.click("#online-open-form button[type=submit]")
    page.wait_for_selector("#slips .slip svg")
    watch.settle()
    code = page.locator("#slips .slip-code").first.inner_text().strip()
    assert watch.found == [], "\n".join(watch.found)
    guardians_agree(campaign, *Student.objects.filter(school=campaign.school, class_name="3班"))

    student, watch = watched(viewport={"width": 360, "height": 740}, is_mobile=True)
    watch.open("/screening/online/")
    student.fill("#id_code", code)
    student.click("#online-code-form button[type=submit]")
    student.wait_for_url("**/screening/online/agree/")
    watch.settle()
    student.click("#online-agree-form button[type=submit]")
    student.wait_for_url("**/screening/online/question/")
    total = int(student.inner_text("#online-progress").split("/")[1])
    for number in range(1, total + 1):
        # each next question is put in place by the page's script: wait for it
        expect(student.locator("progress.online-bar")).to_have_attribute("value", str(number - 1))
        student.locator('.online-choices label:has(input[value="0"])').click()
        student.click("#online-answer-form button[type=submit]")
        watch.settle()
    student.click("#online-submit-form button[type=submit]")
    student.wait_for_url("**/screening/online/thanks/")
    watch.settle()
    assert watch.found == [], "\n".join(watch.found)
