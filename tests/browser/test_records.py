"""The counsellor's records in headless Chromium: the "log a session" shortcut, labels that
focus their fields on the intake page, closing after a confirmation, and the print layouts on a
laptop and a 390 px phone (no navigation, nothing wider than the screen), in both languages."""

from __future__ import annotations

import pytest

from centre.models import AuditEntry
from counselling import services
from counselling.models import Case
from tests.support.browser import BROWSER_DB, screenshot

pytestmark = [pytest.mark.browser, BROWSER_DB]

NO_SIDEWAYS_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth + 1"


def test_the_shortcut_opens_log_a_session_and_labels_focus_their_fields(
    page, sign_in, english, make_case, account
):
    case = make_case(counsellor=account("counsellor"))
    english(page)
    sign_in(page, "counsellor")
    page.goto(f"/counselling/cases/{case.pk}/")
    assert "Alt+Shift+N" in page.locator("nav.tabs").inner_text()
    page.keyboard.press("Alt+Shift+KeyN")
    page.wait_for_url(f"**/counselling/cases/{case.pk}/sessions/new/")

    page.goto("/counselling/intake/")
    page.locator("label[for=search-full_name]").click()
    assert page.evaluate("document.activeElement.id") == "search-full_name"


def test_a_case_closes_after_confirming(page, sign_in, english, make_case, account):
    case = make_case(counsellor=account("counsellor"))
    english(page)
    sign_in(page, "counsellor")
    page.goto(f"/counselling/cases/{case.pk}/")
    page.locator("#close-case").click()
    page.wait_for_url(f"**/counselling/cases/{case.pk}/close/")
    case.refresh_from_db()
    assert case.status == Case.Status.INTAKE  # nothing happens before the confirmation
    page.get_by_role("button", name="Close the case").click()
    page.wait_for_url(f"**/counselling/cases/{case.pk}/")
    case.refresh_from_db()
    assert case.status == Case.Status.CLOSED


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_print_layouts_fit_a_phone_and_print_without_navigation(
    phone_page, page, live_server, sign_in, make_case, account, language
):
    counsellor = account("counsellor")
    case = make_case(counsellor=counsellor)
    referral = services.referral_create(
        actor=counsellor,
        case=case,
        destination="hospital_psychiatry",
        reason="需要精神科评估，" * 40,  # a long reason wraps, it does not widen the page
    )
    for each in (phone_page, page):
        each.context.add_cookies(
            [{"name": "portal_language", "value": language, "url": live_server.url}]
        )
        sign_in(each, "counsellor")
        for url in (
            f"/counselling/cases/{case.pk}/print/",
            f"/counselling/referrals/{referral.pk}/letter/",
        ):
            each.goto(url)
            assert each.locator("nav").count() == 0
            assert each.locator("[data-print]").is_visible()
            assert each.evaluate(NO_SIDEWAYS_SCROLL), url
            each.emulate_media(media="print")
            assert not each.locator(".print-tools").is_visible()  # only the document prints
            assert case.client.full_name in each.locator(".document").inner_text()
            each.emulate_media(media="screen")
    screenshot(phone_page, f"counselling-referral-letter-phone-{language}")
    assert AuditEntry.objects.filter(action__endswith=".printed").count() == 4
