"""The screening flows in headless Chromium: a liaison uploads a roster (through the worker, with
its progress bar) and reads the report; a counsellor follows a flagged student from the board."""

from __future__ import annotations

import pytest

from tests.support.browser import BROWSER_DB, screenshot
from tests.support.rosters import csv_bytes, roster_rows, student_row

pytestmark = [pytest.mark.browser, BROWSER_DB]


def test_a_liaison_uploads_a_roster_and_a_counsellor_follows_the_flagged_student(
    browser, live_server, page, sign_in, english, campaign, celery_worker, settings, tmp_path
):
    settings.ROSTER_INLINE_BYTES = 100  # through the imports queue, with the progress bar
    rows = roster_rows(400)
    rows[0] = student_row(1, phq=[3, 3, 3, 3, 3, 3, 1, 0, 2], name="张䶮")
    rows[5][6] = 8  # a bad value, reported
    roster = tmp_path / "名单.csv"
    roster.write_bytes(csv_bytes(rows, encoding="gb18030"))

    english(page)
    sign_in(page, "liaison")
    page.goto("/screening/")
    page.get_by_role("link", name=campaign.name).click()
    page.set_input_files("#id_file", str(roster))
    page.get_by_role("button", name="Upload and check").click()
    page.wait_for_url("**/screening/imports/*/")
    page.locator("#import-result").wait_for(timeout=60_000)
    assert page.locator("#imported-rows").inner_text() == "399"
    assert page.locator("#error-count").inner_text() == "1"
    assert "PHQA_1" in page.locator("#errors").inner_text()
    screenshot(page, "screening-import-report")

    context = browser.new_context(base_url=live_server.url)
    counsellor = context.new_page()
    english(counsellor)
    sign_in(counsellor, "counsellor")
    counsellor.goto("/screening/board/")
    first = counsellor.locator("#board tbody tr").first
    assert "张䶮" in first.inner_text()
    assert "Level 2 · orange" in first.inner_text()
    first.get_by_role("link").click()
    assert counsellor.locator("#scores").is_visible()
    screenshot(counsellor, "screening-result")
    context.close()


@pytest.fixture
def storing_fails():
    """Postgres refuses one student row at COPY time (a real database failure)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "ALTER TABLE screening_student ADD CONSTRAINT test_refuses_one "
            "CHECK (full_name <> '王拒绝')"
        )
    yield
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE screening_student DROP CONSTRAINT test_refuses_one")


def test_a_failed_import_shows_its_message_and_stops_polling(
    page, sign_in, english, campaign, celery_worker, settings, tmp_path, storing_fails
):
    settings.ROSTER_INLINE_BYTES = 100  # through the imports queue, with the progress bar
    rows = roster_rows(50)
    rows[10] = student_row(11, name="王拒绝")
    roster = tmp_path / "roster.csv"
    roster.write_bytes(csv_bytes(rows))

    english(page)
    sign_in(page, "liaison")
    page.goto(f"/screening/campaigns/{campaign.pk}/")
    page.set_input_files("#id_file", str(roster))
    page.get_by_role("button", name="Upload and check").click()
    page.wait_for_url("**/screening/imports/*/")
    page.locator("#import-result").wait_for(timeout=60_000)
    assert "Failed" in page.locator("#import-result").inner_text()
    assert page.locator("[data-progress-url]").count() == 0  # nothing polls any more
    polls = []
    page.on("request", lambda request: polls.append(request.url))
    page.wait_for_timeout(2500)
    assert not [url for url in polls if "format=json" in url]
    screenshot(page, "screening-import-failed")
