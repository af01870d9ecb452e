"""The school liaison's day in headless Chromium (issue 13): a board of over 1,000 flagged
students paged and filtered, searched by student number, readable on a phone with the due date
in view; the class teachers' task sheet downloaded and opened with openpyxl; a watch marked done."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook

from tests.support.board import flag_students
from tests.support.browser import BROWSER_DB, screenshot

pytestmark = [pytest.mark.browser, BROWSER_DB]

FLAGGED = 1_100


def numbers(page) -> list[str]:
    return page.locator("#board td.student-no").all_inner_texts()


def test_the_liaison_pages_filters_and_searches_a_board_of_1100_flagged_students(
    page, sign_in, english, campaign
):
    tasks = flag_students(campaign, FLAGGED)
    english(page)
    sign_in(page, "liaison")
    page.goto("/screening/board/")
    first = numbers(page)
    assert first == [task.result.student.student_no for task in tasks[:50]]
    assert "overdue" in page.locator("#board tbody tr").first.inner_text()
    seen = list(first)
    for _ in range(3):
        page.get_by_role("link", name="Later due").click()
        page.wait_for_load_state()
        seen += numbers(page)
    assert seen == [task.result.student.student_no for task in tasks[:200]]
    page.get_by_role("link", name="Earlier due").click()
    assert numbers(page) == [task.result.student.student_no for task in tasks[100:150]]

    page.goto("/screening/board/")
    page.select_option("#board-grade", "八年级")
    page.select_option("#board-class", "2班")
    page.select_option("#board-tier", "red")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**grade=*")
    expected = [
        t.result.student.student_no
        for t in tasks
        if (t.result.student.grade, t.result.student.class_name, t.result.tier)
        == ("八年级", "2班", "red")
    ]
    assert len(expected) > 20
    assert numbers(page) == expected[:50]
    assert set(page.locator("#board td .tier").all_inner_texts()) == {"Level 1 · red"}
    screenshot(page, "liaison-board-filtered")

    page.goto("/screening/board/")
    page.fill("#board-search", "S001042")
    page.locator("#board-search-form button").click()
    page.locator("#board-search-summary").wait_for()
    assert numbers(page) == ["S001042"]
    assert "S001042" not in page.url  # the search is a POST: no student in an address


def test_the_board_on_a_phone_shows_the_due_date(phone_page, sign_in, english, campaign):
    flag_students(campaign, 60)
    english(phone_page)
    sign_in(phone_page, "liaison")
    phone_page.goto("/screening/board/")
    due = phone_page.locator("#board td.due").first
    box = due.bounding_box()
    assert box is not None
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= 390  # in view, no sideways scrolling
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
    assert "Due" in phone_page.evaluate(
        "getComputedStyle(document.querySelector('#board td.due'), '::before').content"
    )
    screenshot(phone_page, "liaison-board-phone")


def test_the_task_sheet_is_downloaded_and_holds_tasks_not_data(
    page, sign_in, english, campaign, tmp_path
):
    tasks = flag_students(campaign, 80)
    english(page)
    sign_in(page, "liaison")
    page.goto("/screening/board/?grade=九年级&tier=red")
    with page.expect_download() as download:
        page.locator("#task-sheet-xlsx").click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    rows = list(load_workbook(path).active.iter_rows(values_only=True))
    assert rows[0] == ("Student number", "Student", "Grade", "Class", "What to do", "Do by")
    # The grade narrows the sheet; the tier never does (a sheet of the red alone tells a tier).
    expected = sorted(
        (t for t in tasks if t.result.student.grade == "九年级"),
        key=lambda t: (t.result.student.class_name, t.due_at, t.pk),
    )
    assert [row[0] for row in rows[1:]] == [t.result.student.student_no for t in expected]
    text = " ".join(str(cell) for row in rows for cell in row)
    for word in ["red", "orange", "yellow", "blue", "Level", "tier", "PHQ", "score", "band"]:
        assert word not in text, word

    page.goto("/screening/board/?grade=九年级")
    page.locator("#task-sheet-print").click()
    page.wait_for_url("**/board/tasks/print/**")
    assert page.locator("section.task-sheet").count() == 4  # a page for each class
    page.emulate_media(media="print")
    assert not page.locator(".topbar").is_visible()
    screenshot(page, "liaison-task-sheet-print")


def test_the_liaison_marks_a_watch_done_from_the_board(page, sign_in, english, campaign):
    tasks = flag_students(campaign, 48)  # the blue are 36–47
    watch = next(task for task in tasks if task.kind == "watch")
    english(page)
    sign_in(page, "liaison")
    page.goto("/screening/board/")
    page.fill("#board-search", watch.result.student.student_no)
    page.locator("#board-search-form button").click()
    page.locator("#board-search-summary").wait_for()
    page.get_by_role("link", name="Mark done").click()
    page.get_by_label("Done: nothing of concern seen").check()
    page.fill("#id_outcome_note", "Settled in class.")
    page.get_by_role("button", name="Mark done").click()
    page.wait_for_url("**/screening/board/")
    assert "The task is marked done." in page.content()
    watch.refresh_from_db()
    assert (watch.status, watch.outcome) == ("done", "nothing")
