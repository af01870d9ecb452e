"""The supervisor's and the crisis team's flows of issue 13 in headless Debian Chromium: the
crisis team finds a case and breaks the glass on it (laptop, English; phone, Chinese); a
supervisor sees whom a case is shared with and revokes a share; the conference picker names
people and cases."""

from __future__ import annotations

import pytest

from counselling import services
from counselling.models import BreakGlassAccess, CaseUserObjectPermission
from tests.support.browser import BROWSER_DB, screenshot

pytestmark = [pytest.mark.browser, BROWSER_DB]


def test_the_crisis_team_searches_a_case_and_breaks_the_glass(
    page, sign_in, english, make_case, account, school
):
    case = make_case(counsellor=account("counsellor"), risk_level="imminent")
    make_case(counsellor=account("counsellor"), risk_level="low")  # not in the crisis team's remit
    english(page)
    sign_in(page, "crisis")
    page.get_by_role("link", name="Find a case").first.click()
    page.wait_for_url("**/counselling/crisis/find/")
    page.fill("#id_name", case.client.full_name)
    page.select_option("#id_school", str(school.pk))
    page.get_by_role("button", name="Search").click()
    assert case.client.full_name not in page.url  # a POST: no name in the address

    rows = page.locator("#crisis-results tbody tr")
    assert rows.count() == 1
    assert f"Case {case.pk}" in rows.first.inner_text()
    assert case.client.full_name not in rows.first.inner_text()  # masked
    screenshot(page, "crisis-search")
    rows.first.get_by_role("link", name="Break the glass").click()

    page.wait_for_url(f"**/counselling/cases/{case.pk}/break-glass/")
    page.fill("#id_reason", "学校来电：学生今天有紧急情况，需要查看安全计划。")
    page.get_by_role("button", name="Open the file").click()
    page.wait_for_url(f"**/counselling/cases/{case.pk}/")
    assert "break-glass access" in page.inner_text("main")
    assert BreakGlassAccess.objects.filter(case=case, user__username="crisis").count() == 1


def test_the_crisis_search_reads_on_a_phone_in_chinese(phone_page, sign_in, make_case, account):
    case = make_case(counsellor=account("counsellor"), risk_level="high")
    sign_in(phone_page, "crisis")
    phone_page.goto("/counselling/crisis/find/")
    phone_page.fill("#id_name", "学生")
    phone_page.get_by_role("button", name="查找").click()
    row = phone_page.locator("#crisis-results tbody tr").first
    assert f"个案 {case.pk}" in row.inner_text()
    assert "学同学" in row.inner_text()
    assert row.get_by_role("link", name="紧急调阅").is_visible()
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the search must not scroll sideways on a phone"
    screenshot(phone_page, "crisis-search-phone")


def test_a_supervisor_revokes_a_share_and_the_colleague_no_longer_opens_the_case(
    browser, live_server, page, sign_in, english, make_case, account
):
    alice, bob = account("counsellor"), account("counsellor2")
    case = make_case(counsellor=alice, risk_level="moderate")
    services.case_share(actor=alice, case=case, user=bob)
    english(page)
    sign_in(page, "supervisor")
    page.goto(f"/counselling/cases/{case.pk}/")
    shares = page.locator("#share-list")
    assert bob.get_full_name() in shares.inner_text()
    assert "reads only" in shares.inner_text()
    shares.get_by_role("link", name="Revoke").click()
    page.wait_for_url(f"**/shares/{bob.pk}/revoke/")
    assert bob.get_full_name() in page.inner_text("main")
    page.get_by_role("button", name="Revoke the share").click()
    page.wait_for_url(f"**/counselling/cases/{case.pk}/#shares")
    assert "The share is revoked." in page.inner_text("main")
    assert bob.get_full_name() not in page.locator("#share-list").inner_text()
    assert not CaseUserObjectPermission.objects.filter(user=bob, content_object=case).exists()

    context = browser.new_context(base_url=live_server.url)
    colleague = context.new_page()
    english(colleague)
    sign_in(colleague, "counsellor2")
    response = colleague.goto(f"/counselling/cases/{case.pk}/")
    assert response.status == 404
    context.close()


def test_the_conference_form_names_people_and_cases(page, sign_in, english, make_case, account):
    alice = account("counsellor")
    case = make_case(counsellor=alice, risk_level="high")
    english(page)
    sign_in(page, "supervisor")
    page.goto("/counselling/conferences/")
    form = page.locator("#conference-form")
    assert f"{alice.get_full_name()} · Counsellor · {alice.site.name}" in form.inner_text()
    assert f"Case {case.pk} · 学 (student) · High · {alice.get_full_name()}" in form.inner_text()
    assert case.client.full_name not in form.inner_text()
    screenshot(page, "conference-form")
