"""The tracking board (issue 13, school liaison): every flagged student, paged by due time
(`centre.paging`, no COUNT), filtered by grade, class, tier, status and overdue, searched by
student number and name, the student number a column; a fixed number of queries a page; the
class teachers' task sheet (XLSX and print) with tasks, never scores, bands or tiers."""

from __future__ import annotations

import json
import re
from io import BytesIO

import pytest
from django.utils import translation
from openpyxl import load_workbook

from centre.content_filter import forbidden_words
from centre.models import AuditEntry, AuditRecord
from screening.models import Tier, TrackingTask
from screening.task_sheet import TEACHER_TASKS
from tests.support.accounts import sign_in
from tests.support.board import flag_students
from tests.support.queries import count_queries

ROW = re.compile(r'<td data-label="[^"]*" class="student-no">([^<]*)</td>')


def shown(page) -> list[str]:
    return ROW.findall(page.text)


def older_link(page) -> str | None:
    found = re.search(r'href="\?([^"]*)" rel="next"', page.text)
    return found.group(1).replace("&amp;", "&") if found else None


@pytest.fixture
def flagged(campaign):
    return flag_students(campaign, 130)


def test_the_board_pages_through_every_flagged_student_earliest_due_first(client, flagged):
    sign_in(client, "liaison")
    seen, query = [], ""
    while True:
        page = client.get(f"/screening/board/?{query}")
        assert page.status_code == 200
        seen += shown(page)
        query = older_link(page)
        if query is None:
            break
    expected = [task.result.student.student_no for task in flagged]  # made due one after another
    assert seen == expected  # all 130, each once, in due order: no cap at 500 or anywhere
    assert 'rel="prev"' in page.text  # the last page leads back up


def test_the_board_filters_by_grade_class_tier_status_and_overdue(client, flagged, campaign):
    sign_in(client, "liaison")
    tasks = {task.result.student.student_no: task for task in flagged}

    def rows(**params):
        page = client.get("/screening/board/", params)
        assert page.status_code == 200
        numbers = shown(page)
        assert len(numbers) <= 50
        return numbers

    for number in rows(grade="八年级", **{"class": "2班"}):
        student = tasks[number].result.student
        assert (student.grade, student.class_name) == ("八年级", "2班")
    assert rows(grade="八年级", **{"class": "2班"})
    red = rows(tier="red")
    assert red
    assert all(tasks[number].result.tier == "red" for number in red)
    overdue = rows(overdue="1", status="all")
    assert overdue
    assert len(overdue) == sum(task.is_overdue for task in flagged[:50])
    first = flagged[0]
    TrackingTask.objects.filter(pk=first.pk).update(status="done")
    assert first.result.student.student_no not in rows()
    assert rows(status="done") == [first.result.student.student_no]
    assert first.result.student.student_no in rows(status="all")
    assert rows(status="nonsense")[0] == flagged[1].result.student.student_no  # open, as default


def test_the_board_is_searched_by_student_number_and_name(client, flagged):
    sign_in(client, "liaison")
    assert shown(client.post("/screening/board/", {"q": "S000042"})) == ["S000042"]
    assert shown(client.post("/screening/board/", {"q": "看板学生77"})) == ["S000077"]
    assert shown(client.post("/screening/board/", {"q": "S00001"})) == [
        f"S0000{n}" for n in range(10, 20)
    ]
    assert shown(client.post("/screening/board/", {"q": "nobody"})) == []
    page = client.post("/screening/board/", {"q": "S000042"})
    assert "S000042" in page.text
    assert "看板学生42" in page.text


@pytest.mark.parametrize(
    "params",
    [
        {"grade": "八" * 10_000},
        {"campaign": "²"},
        {"older": "garbage"},
        {"newer": "0001-01-01T00:00:00+00:00~1~2"},
    ],
)
def test_hostile_filters_answer_400_never_500(client, flagged, params):
    sign_in(client, "liaison")
    assert client.get("/screening/board/", params).status_code == 400
    assert client.get("/screening/board/tasks.xlsx", params).status_code in (400, 200)


@pytest.mark.parametrize("typed", ["a\x00b", "x" * 10_000])
def test_a_hostile_search_answers_400_never_500(client, flagged, typed):
    sign_in(client, "liaison")
    assert client.post("/screening/board/", {"q": typed}).status_code == 400


def test_a_typed_name_is_in_no_address_link_or_log(client, flagged, caplog):
    """The search is a POST: the name typed is in no href, no form action, no Location, no
    log line; the other filters stay in the addresses, and a name in a forged address is not
    read (nor passed on)."""
    sign_in(client, "liaison")
    name = "看板学生77"
    page = client.post("/screening/board/?tier=red&status=all", {"q": name})
    assert page.status_code == 200
    html = page.content.decode()
    addresses = re.findall(r'(?:href|action)="([^"]*)"', html)
    assert addresses
    assert not [address for address in addresses if name in address or "q=" in address]
    assert 'action="/screening/board/?tier=red&amp;status=all"' in html
    wide = client.post("/screening/board/?status=all", {"q": name})
    assert shown(wide) == ["S000077"]
    forged = client.get("/screening/board/", {"q": name, "status": "all"})
    assert len(shown(forged)) == 50  # no search read from an address
    forged_html = forged.content.decode()
    assert not [a for a in re.findall(r'(?:href|action)="([^"]*)"', forged_html) if "q=" in a]
    empty = client.post("/screening/board/?tier=red", {"q": ""})
    assert empty.status_code == 302
    assert empty["Location"] == "/screening/board/?tier=red"
    assert name not in caplog.text
    logged = [json.dumps(entry.data, ensure_ascii=False) for entry in AuditEntry.objects.all()]
    assert logged
    assert not [data for data in logged if name in data]


def test_odd_values_are_no_filter_or_find_nothing(client, flagged):
    sign_in(client, "liaison")
    for params in [{"tier": "purple"}, {"status": "²"}, {"overdue": "yes"}]:
        assert len(shown(client.get("/screening/board/", params))) == 50
    page = client.get("/screening/board/", {"grade": "¹²³"})
    assert page.status_code == 200
    for typed in ["%", "_"]:
        assert shown(client.post("/screening/board/", {"q": typed})) == []
    # A forged position before year 1 in UTC is no position in the list (the pager reads UTC).
    assert (
        client.get("/screening/board/", {"older": "0001-01-01T00:00:00+08:00~1"}).status_code == 400
    )


def test_each_page_of_the_board_reads_a_fixed_number_of_queries(client, flagged):
    sign_in(client, "liaison")
    first = client.get("/screening/board/")
    second = older_link(first)
    counts = {
        "first": count_queries(client, "/screening/board/"),
        "second": count_queries(client, f"/screening/board/?{second}"),
        "filtered": count_queries(client, "/screening/board/?grade=八年级&class=2班&tier=red"),
        "sheet": count_queries(client, "/screening/board/tasks.xlsx"),
        "print": count_queries(client, "/screening/board/tasks/print/"),
    }
    assert counts == {"first": 13, "second": 13, "filtered": 13, "sheet": 11, "print": 12}


def test_a_page_of_the_board_is_one_audited_read_naming_its_students(client, flagged):
    sign_in(client, "liaison")
    client.get("/screening/board/")
    entry = AuditEntry.objects.filter(action="screening.result.listed").latest("id")
    assert entry.data["records"] == 50
    named = set(AuditRecord.objects.filter(entry=entry).values_list("target_id", flat=True))
    assert named == {str(task.result_id) for task in flagged[:50]}


def test_another_schools_liaison_sees_none_of_them(client, flagged, campaign):
    sign_in(client, "liaison2")
    assert shown(client.get("/screening/board/")) == []
    assert shown(client.post("/screening/board/", {"q": "S0000"})) == []
    assert client.get("/screening/board/", {"campaign": campaign.pk}).status_code == 404
    assert client.get("/screening/board/tasks.xlsx", {"campaign": campaign.pk}).status_code == 404
    sheet = client.get("/screening/board/tasks.xlsx")
    rows = list(load_workbook(BytesIO(sheet.content)).active.iter_rows(values_only=True))
    assert rows[1:] == []
    assert "S0000" not in client.get("/screening/board/tasks/print/").text


@pytest.mark.parametrize("username", ["operator", "stats", "auditor", "outreach", "admin"])
def test_roles_without_screening_get_no_board_and_no_sheet(client, flagged, username):
    sign_in(client, username)
    for url in [
        "/screening/board/",
        "/screening/board/tasks.xlsx",
        "/screening/board/tasks/print/",
    ]:
        assert client.get(url).status_code == 403, url


# The task sheet ----------------------------------------------------------------------------

TIER_WORDS = [
    "red",
    "orange",
    "yellow",
    "blue",
    "红",
    "橙",
    "黄",
    "蓝",
    "一级",
    "四级",
    "tier",
    "Level",
]
SCORE_WORDS = ["moderately", "severe", "minimal", "band", "crisis", "C-SSRS", "PHQ", "GAD"]


def assert_no_data(text: str) -> None:
    """Nothing of a result: no tier (word or colour), score, band, flag or instrument."""
    assert forbidden_words(text) == [], forbidden_words(text)
    for word in TIER_WORDS + SCORE_WORDS:
        assert word not in text, word
    for label in Tier.labels:
        assert str(label) not in text


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_task_sheet_xlsx_holds_tasks_never_scores_or_tiers(client, flagged, language):
    sign_in(client, "liaison", language=language)
    response = client.get("/screening/board/tasks.xlsx", {"grade": "八年级", "class": "2班"})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="task-sheet-')
    rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    expected = [
        t
        for t in flagged
        if (t.result.student.grade, t.result.student.class_name) == ("八年级", "2班")
    ]
    assert len(rows) == 1 + len(expected)
    assert [row[0] for row in rows[1:]] == [t.result.student.student_no for t in expected]
    assert rows[0][0] == {"zh-hans": "学号", "en": "Student number"}[language]
    with translation.override(language):
        assert rows[0][4] == str(translation.gettext("What to do"))
        assert {row[4] for row in rows[1:]} <= {str(text) for text in TEACHER_TASKS.values()}
    assert all(row[5] for row in rows[1:])  # by when
    assert_no_data(" ".join(str(cell) for row in rows for cell in row if cell is not None))
    entry = AuditEntry.objects.get(action="screening.task_sheet.exported")
    assert entry.data["records"] == len(expected)
    assert entry.data["file"].startswith("task-sheet-")


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_printed_task_sheet_holds_tasks_never_scores_or_tiers(client, flagged, language):
    sign_in(client, "liaison", language=language)
    page = client.get("/screening/board/tasks/print/", {"tier": "red", "status": "done"})
    assert page.status_code == 200
    body = page.text.split("<main", 1)[1].split("</main>", 1)[0]
    body = re.sub(r"<[^>]+>", " ", body)
    # Tier and status are no filters of the sheet: a sheet of the red alone would tell a tier.
    assert body.count("S000") == len(flagged)
    assert {"zh-hans": "班主任任务", "en": "Tasks for the class teacher"}[language] in body
    assert_no_data(body.replace("S000", ""))
    assert page.text.count('class="task-sheet"') == 12  # 3 grades × 4 classes: a page each
    entry = AuditEntry.objects.get(action="screening.task_sheet.printed")
    assert entry.data["records"] == len(flagged)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_teacher_task_passes_the_content_filter(language):
    with translation.override(language):
        for text in TEACHER_TASKS.values():
            assert_no_data(str(text))
