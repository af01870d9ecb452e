"""The counsellor's flows in headless Chromium: intake, caseload, the case file, logging a session
by keyboard, a refused stale edit, break-glass and the "who viewed" tab, on a laptop and a phone."""

from __future__ import annotations

import pytest

from centre.models import AuditEntry
from counselling.models import Case, CounsellingSession
from tests.support.browser import BROWSER_DB, screenshot
from tests.support.clock import years_ago

pytestmark = [pytest.mark.browser, BROWSER_DB]


def test_a_counsellor_opens_a_case_from_intake_and_a_second_intake_finds_the_child(
    page, sign_in, english, school
):
    english(page)
    sign_in(page, "counsellor")
    page.goto("/counselling/")
    page.get_by_role("link", name="Open a case").click()

    born = years_ago(12).isoformat()
    page.fill("#search-full_name", "李䶮")
    page.fill("#search-date_of_birth", born)
    page.select_option("#search-school", str(school.pk))
    page.get_by_role("button", name="Search").click()
    assert "李䶮" not in page.url
    assert born not in page.url
    form = page.locator("#intake-form")
    assert form.is_visible()
    assert form.locator("#id_full_name").input_value() == "李䶮"

    form.locator("#id_sex").select_option("female")
    form.locator("#id_grade").fill("七年级")
    form.locator("#id_guardian_relationship").select_option("mother")
    form.locator("#id_guardian_name").fill("张丽")
    form.locator("#id_guardian_phone").fill("13800001111")
    form.locator("#id_source").select_option("school")
    form.locator("#id_presenting_concerns").fill("近两周情绪低落，失眠。")
    form.locator("#id_risk_level").select_option("moderate")
    screenshot(page, "counselling-intake")
    form.get_by_role("button", name="Open the case").click()

    page.wait_for_url("**/counselling/cases/*/")
    assert page.locator("h1").inner_text().startswith("李䶮")
    assert page.locator("#safety-plan-missing").is_visible()
    case = Case.objects.get(client__full_name="李䶮")
    assert case.risk_level == "moderate"
    assert case.counsellor.username == "counsellor"

    page.goto("/counselling/intake/")  # the search is a POST: no name in the address
    page.fill("#search-full_name", "李䶮")
    page.fill("#search-date_of_birth", born)
    page.select_option("#search-school", str(school.pk))
    page.get_by_role("button", name="Search").click()
    assert "李䶮" not in page.url
    matches = page.locator("#matches")
    assert matches.is_visible()
    assert page.locator("#intake-form").count() == 0
    matches.get_by_role("link").click()
    page.wait_for_url(f"**/counselling/cases/{case.pk}/")


def test_the_caseload_puts_high_risk_first_marks_a_missing_safety_plan_and_filters(
    page, sign_in, english, make_case, account
):
    counsellor = account("counsellor")
    make_case(counsellor=counsellor, risk_level="low")
    high = make_case(counsellor=counsellor, risk_level="high")
    make_case(counsellor=account("counsellor2"), risk_level="imminent")  # not hers
    english(page)
    sign_in(page, "counsellor")
    page.goto("/counselling/")

    rows = page.locator("table.caseload tbody tr")
    assert rows.count() == 2
    first = rows.nth(0)
    assert first.get_by_role("link").inner_text() == f"Case {high.pk}"
    assert "High risk" in first.inner_text()
    assert "No safety plan" in first.inner_text()

    page.select_option("#id_risk_level", "low")
    page.get_by_role("button", name="Filter").click()
    assert page.locator("table.caseload tbody tr").count() == 1
    assert "Low risk" in page.locator("table.caseload tbody tr").inner_text()
    screenshot(page, "counselling-caseload")


def test_a_session_is_logged_with_the_keyboard_alone(page, sign_in, english, make_case, account):
    case = make_case(counsellor=account("counsellor"))
    english(page)
    sign_in(page, "counsellor")
    page.goto(f"/counselling/cases/{case.pk}/")
    page.get_by_role("link", name="Log a session").first.click()

    # The date is focused; the defaults (now, 50 min, counselling, face to face, attended) stand.
    assert page.evaluate("document.activeElement.id") == "id_held_at"
    for _ in range(5):  # held at → duration → kind → modality → attendance → presenting
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "id_note_presenting"
    page.keyboard.type("学业压力，与同学冲突。")
    page.keyboard.press("Tab")
    page.keyboard.type("认知行为干预，放松训练。")
    page.keyboard.press("Tab")
    page.keyboard.type("两周后复诊。")
    page.keyboard.press("Tab")
    page.keyboard.press("ArrowDown")  # risk assessed: Not assessed → None
    screenshot(page, "counselling-log-session")
    page.keyboard.press("Control+Enter")

    page.wait_for_url(f"**/counselling/cases/{case.pk}/")
    assert page.get_by_role("status").first.inner_text() == "The session is logged."
    session = CounsellingSession.objects.get(case=case)
    assert session.note_plan == "两周后复诊。"
    assert session.kind == "counselling"
    assert session.attendance == "attended"
    assert page.locator("#timeline").get_by_role("link", name="Counselling").is_visible()


def test_a_second_edit_of_the_same_case_is_refused_and_the_typed_text_kept(
    browser, live_server, sign_in, english, make_case, account
):
    case = make_case(counsellor=account("counsellor"))
    pages = []
    for username in ("counsellor", "supervisor"):
        context = browser.new_context(base_url=live_server.url)
        page = context.new_page()
        english(page)
        sign_in(page, username)
        page.goto(f"/counselling/cases/{case.pk}/")
        page.locator("#overview summary").click()
        pages.append(page)
    first, second = pages

    first.fill("#concerns-form textarea", "第一位的修改")
    first.locator("#concerns-form button").click()
    first.wait_for_load_state()
    second.fill("#concerns-form textarea", "第二位的修改")
    second.locator("#concerns-form button").click()
    second.wait_for_load_state()

    assert "Someone else saved this record" in second.locator("#concerns-form").inner_text()
    assert second.locator("#concerns-form textarea").input_value() == "第二位的修改"
    assert "第一位的修改" in second.locator("#overview .prose").inner_text()
    case.refresh_from_db()
    assert case.presenting_concerns == "第一位的修改"
    screenshot(second, "counselling-stale-edit")
    for page in pages:
        page.context.close()


def test_a_crisis_team_member_breaks_the_glass_and_the_counsellor_sees_it(
    browser, live_server, page, sign_in, english, make_case, account
):
    case = make_case(counsellor=account("counsellor"), risk_level="high")
    english(page)
    sign_in(page, "crisis")
    page.goto(f"/counselling/cases/{case.pk}/")
    assert "There is no such case, or it is not yours to see." in page.inner_text("main")
    page.get_by_role("link", name="Break the glass").click()
    page.fill("#id_reason", "热线来电：学生现在有自杀计划，需要查看安全计划。")
    page.get_by_role("button", name="Open the file").click()

    page.wait_for_url(f"**/counselling/cases/{case.pk}/")
    assert "break-glass access" in page.inner_text("main")
    assert page.locator("#risk-form").count() == 0  # reading only
    entry = AuditEntry.objects.filter(action="counselling.case.viewed", actor_username="crisis")
    assert entry.get().reason.startswith("热线来电")

    context = browser.new_context(base_url=live_server.url)
    counsellor = context.new_page()
    english(counsellor)
    sign_in(counsellor, "counsellor")
    counsellor.goto(f"/counselling/cases/{case.pk}/")
    counsellor.get_by_role("link", name="Who viewed this file").click()
    viewers = counsellor.locator("#viewers")
    assert "crisis" in viewers.inner_text()
    assert "热线来电" in viewers.inner_text()
    screenshot(counsellor, "counselling-who-viewed")
    context.close()


def test_the_case_file_reads_on_a_phone_in_chinese(phone_page, sign_in, make_case, account):
    case = make_case(counsellor=account("counsellor"), risk_level="imminent")
    sign_in(phone_page, "counsellor")
    phone_page.goto(f"/counselling/cases/{case.pk}/")

    assert phone_page.locator(".risk-imminent").first.inner_text() == "紧急风险"
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the case file must not scroll sideways on a phone"
    screenshot(phone_page, "counselling-case-phone")


def test_who_viewed_names_the_note_read_and_opens_it_on_a_phone(
    phone_page, sign_in, make_case, account
):
    from django.utils import timezone

    from tests.support.counselling import session

    alice = account("counsellor")
    case = make_case(counsellor=alice)
    note = session(alice, case, timezone.now(), note_plan="两周后复诊。")
    sign_in(phone_page, "counsellor")
    phone_page.goto(f"/counselling/sessions/{note.pk}/")
    phone_page.goto(f"/counselling/cases/{case.pk}/viewers/")
    held = timezone.localtime(note.held_at).strftime("%Y-%m-%d %H:%M")
    link = phone_page.locator("#viewers").get_by_role("link", name=f"{held} 的咨询记录")
    assert link.count() == 1
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "who viewed this file must not scroll sideways on a phone"
    screenshot(phone_page, "counselling-who-viewed-phone")
    link.click()
    phone_page.wait_for_url(f"**/counselling/sessions/{note.pk}/")


def test_a_due_follow_up_arrives_in_the_inbox_and_its_outcome_is_recorded(
    page, sign_in, english, make_case, account
):
    from django.utils import timezone

    from centre import reminders
    from counselling import services

    counsellor = account("counsellor")
    case = make_case(counsellor=counsellor)
    follow_up = services.follow_up_add(actor=counsellor, case=case, due_at=timezone.now())
    (reminder_id,) = reminders.reminders_dispatch()
    reminders.reminder_send(reminder_id)  # the worker's job (tests/counselling/test_reminders.py)

    english(page)
    sign_in(page, "counsellor")
    assert page.locator("#unread-count").inner_text() == "1"
    page.locator("header").get_by_role("link", name="Inbox").click()  # "today" links it too
    page.locator("#notifications button").first.click()
    page.wait_for_url(f"**/counselling/cases/{case.pk}/#follow-ups")
    assert page.locator("#unread-count").count() == 0
    follow_ups_section = page.locator("#follow-ups")
    assert "overdue" in follow_ups_section.inner_text() or "Added by hand" in (
        follow_ups_section.inner_text()
    )
    follow_ups_section.get_by_role("link").first.click()
    page.fill("#outcome-form textarea", "电话回访：情况稳定。")
    page.get_by_role("button", name="Save the outcome").click()
    page.wait_for_url(f"**/counselling/cases/{case.pk}/#follow-ups")
    assert "Done" in page.locator("#follow-ups").inner_text()
    follow_up.refresh_from_db()
    assert follow_up.status == "done"
    screenshot(page, "counselling-follow-up-done")
