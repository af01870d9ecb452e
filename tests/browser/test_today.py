"""The counsellor's day in headless Debian Chromium: signing in lands on "today" (follow-ups,
appointments, crisis assessments, unread inbox), the caseload's search by name, student number
or school (a POST: nothing in the address), and an appointment planned, then logged as a
session in one step; on a school laptop and a phone, in English and Chinese."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from counselling import services
from counselling.models import Appointment, Client, CounsellingSession
from tests.support.browser import BROWSER_DB, screenshot

pytestmark = [pytest.mark.browser, BROWSER_DB]


def test_a_counsellor_signs_in_to_today_and_finds_a_child_by_search(
    page, sign_in, english, make_case, account
):
    counsellor = account("counsellor")
    case = make_case(counsellor=counsellor, risk_level="high")
    Client.objects.filter(pk=case.client_id).update(full_name="欧阳晓雨", student_no="20260042")
    other = make_case(counsellor=account("counsellor2"))
    Client.objects.filter(pk=other.client_id).update(full_name="欧阳晓风")
    follow_up = services.follow_up_add(actor=counsellor, case=case, due_at=timezone.now())
    type(follow_up).objects.filter(pk=follow_up.pk).update(
        due_at=timezone.now() - datetime.timedelta(days=2)
    )
    english(page)
    sign_in(page, "counsellor")
    assert page.url.endswith("/counselling/today/")
    today = page.locator("#today-follow-ups")
    assert "欧阳晓雨" in today.inner_text()
    assert "overdue" in today.inner_text()
    assert "欧阳晓风" not in page.content()
    screenshot(page, "counselling-today")

    page.get_by_role("link", name="Caseload").first.click()
    page.wait_for_url("**/counselling/")
    for text in ["晓雨", "20260042"]:
        page.fill("#caseload-search input[name=text]", text)
        page.locator("#caseload-search").get_by_role("button", name="Search").click()
        page.wait_for_load_state()
        rows = page.locator("table.caseload tbody tr")
        assert rows.count() == 1
        assert f"Case {case.pk}" in rows.first.inner_text()
        assert text not in page.url  # a POST: no name in the address
    page.fill("#caseload-search input[name=text]", "晓风")  # another counsellor's child
    page.locator("#caseload-search").get_by_role("button", name="Search").click()
    page.wait_for_load_state()
    assert "No case matches." in page.locator("table.caseload").inner_text()
    screenshot(page, "counselling-caseload-search")


def test_today_reads_on_a_phone_in_chinese(phone_page, sign_in, make_case, account):
    counsellor = account("counsellor")
    case = make_case(counsellor=counsellor)
    services.follow_up_add(actor=counsellor, case=case, due_at=timezone.now())
    appointment = services.appointment_plan(
        actor=counsellor,
        case=case,
        starts_at=timezone.now() + datetime.timedelta(minutes=20),
        modality="face_to_face",
        kind="counselling",
    )
    # Planned ahead, then its hour passes: whatever the hour of the run (near midnight included),
    # an appointment started and not yet logged is on "today".
    Appointment.objects.filter(pk=appointment.pk).update(
        starts_at=timezone.now() - datetime.timedelta(minutes=10)
    )
    sign_in(phone_page, "counsellor")
    assert phone_page.url.endswith("/counselling/today/")
    assert phone_page.locator("h1").inner_text().startswith("今日")
    assert phone_page.locator(f"a[href$='/appointments/{appointment.pk}/session/']").count() == 1
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "today must not scroll sideways on a phone"
    screenshot(phone_page, "counselling-today-phone")
    phone_page.goto("/counselling/")
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the caseload's search must not scroll sideways on a phone"


def test_an_appointment_is_planned_and_then_logged_as_a_session_in_one_step(
    page, sign_in, english, make_case, account
):
    counsellor = account("counsellor")
    case = make_case(counsellor=counsellor)
    english(page)
    sign_in(page, "counsellor")
    page.goto(f"/counselling/cases/{case.pk}/")
    page.get_by_role("link", name="Plan an appointment").click()
    when = timezone.localtime() + datetime.timedelta(days=2)
    page.fill("#id_starts_at", when.strftime("%Y-%m-%d %H:%M"))
    page.select_option("#id_kind", "family")
    page.select_option("#id_modality", "online")
    page.locator("#case-form").get_by_role("button", name="Save").click()
    page.wait_for_url(f"**/counselling/cases/{case.pk}/")
    appointments = page.locator("#appointments")
    assert when.strftime("%Y-%m-%d %H:%M") in appointments.inner_text()
    appointment = Appointment.objects.get(case=case)

    # The time comes (moved back here: a session is logged once it has taken place).
    Appointment.objects.filter(pk=appointment.pk).update(
        starts_at=timezone.now() - datetime.timedelta(hours=1)
    )
    page.goto("/counselling/today/")
    page.locator("#today-appointments").get_by_role("link", name="Log the session").click()
    page.wait_for_url(f"**/counselling/appointments/{appointment.pk}/session/")
    assert page.locator("#id_kind").input_value() == "family"
    assert page.locator("#id_modality").input_value() == "online"
    page.fill("#id_note_plan", "两周后再约")
    screenshot(page, "counselling-appointment-session")
    page.locator("#session-form").get_by_role("button", name="Save the session").click()
    page.wait_for_url(f"**/counselling/cases/{case.pk}/")
    appointment.refresh_from_db()
    session = CounsellingSession.objects.get(case=case)
    assert appointment.status == "done"
    assert appointment.session_id == session.pk
    assert session.note_plan == "两周后再约"
    assert "No appointment planned." in page.locator("#appointments").inner_text()


def test_an_appointment_is_cancelled_after_a_confirmation(
    page, sign_in, english, make_case, account
):
    counsellor = account("counsellor")
    case = make_case(counsellor=counsellor)
    appointment = services.appointment_plan(
        actor=counsellor,
        case=case,
        starts_at=timezone.now() + datetime.timedelta(days=1),
        modality="phone",
        kind="follow_up",
    )
    english(page)
    sign_in(page, "counsellor")
    page.goto(f"/counselling/cases/{case.pk}/")
    page.locator("#appointments").get_by_role("link", name="Cancel").click()
    page.wait_for_url(f"**/appointments/{appointment.pk}/cancel/")
    appointment.refresh_from_db()
    assert appointment.status == "planned"
    page.get_by_role("button", name="Cancel the appointment").click()
    page.wait_for_url(f"**/counselling/cases/{case.pk}/#appointments")
    assert "The appointment is cancelled." in page.content()
    appointment.refresh_from_db()
    assert appointment.status == "cancelled"
