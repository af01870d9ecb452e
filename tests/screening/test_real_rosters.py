"""Rosters as schools really export them (issue 13): a title row or two above the header, the
error report naming columns as the file did (学号, not student_no), and PHQ-A's supplementary
questions (DOMAIN.md §1.2) imported and scored."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import Workbook

from screening import importing
from screening.models import RosterImport, ScreeningResult, TrackingTask
from tests.support.rosters import GAD7, HEADER, PHQA, csv_bytes, roster_rows, student_row

TITLE = "东湖区实验中学2026年秋季学生心理健康筛查名单"


def run(campaign, data: bytes, name: str = "roster.csv"):
    roster_import = RosterImport.objects.create(
        campaign=campaign, uploaded_by=campaign.liaison, original_name=name
    )
    return importing.run_import(roster_import, data)


def workbook(lines: list[list]) -> bytes:
    book = Workbook()
    sheet = book.active
    for line in lines:
        sheet.append(line)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_lines(lines: list[list]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(lines)
    return buffer.getvalue().encode("utf-8")


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_title_rows_above_the_header_are_passed_over(campaign, kind):
    rows = roster_rows(3)
    rows[1][5] = "2012-13-40"  # a bad date on the file's row 6 (title, date, blank, header)
    lines = [[TITLE], ["导出日期：2026-09-15"], [], [*HEADER, *PHQA, *GAD7], *rows]
    data = workbook(lines) if kind == "xlsx" else csv_lines(lines)
    outcome = run(campaign, data, f"roster.{kind}")
    assert (outcome.status, outcome.imported_rows) == ("done", 2), outcome.message
    assert [(error["row"], error["column"]) for error in outcome.errors] == [(6, "出生日期")]


def test_a_file_with_no_recognisable_header_still_says_which_columns_are_wrong(campaign):
    lines = [[TITLE], ["编号", "名字"], ["1", "王"]]
    outcome = run(campaign, csv_lines(lines))
    assert outcome.status == "refused"
    assert TITLE in outcome.message  # the first row, read as the header, named


def test_more_title_rows_than_a_school_writes_are_not_searched_for_ever(campaign):
    lines = [[f"说明{n}"] for n in range(8)] + [[*HEADER, *PHQA, *GAD7], *roster_rows(1)]
    outcome = run(campaign, csv_lines(lines))
    assert outcome.status == "refused"


def test_the_report_names_columns_as_the_file_wrote_them(campaign):
    header = ["Student_No", "NAME", "sex", "grade", "class", "birth_date"]
    header += [f"phqa_{n}" for n in range(1, 10)] + GAD7
    rows = roster_rows(2)
    rows[0][0] = ""
    rows[1][8] = "7"  # PHQA_3 out of range
    outcome = run(campaign, csv_bytes(rows, header=header))
    columns = {(error["row"], error["column"]) for error in outcome.errors}
    assert columns == {(2, "Student_No"), (3, "phqa_3")}


def supplementary_header() -> list[str]:
    return [*HEADER, *PHQA, "PHQA_A", "PHQA_B", "PHQA_C", "PHQA_D", *GAD7]


def with_supplementary(row: list, answers: list) -> list:
    return [*row[:15], *answers, *row[15:]]


def test_phqa_supplementary_questions_are_imported_and_scored(campaign):
    rows = [
        with_supplementary(student_row(1), ["否", 0, "是", "否"]),  # serious thoughts: crisis
        with_supplementary(student_row(2), ["no", 1, "no", "yes"]),  # lifetime attempt only
        with_supplementary(student_row(3), ["", "", "", ""]),  # not asked: nothing
        with_supplementary(student_row(4), ["也许", 4, "", ""]),  # two bad answers
    ]
    outcome = run(campaign, csv_bytes(rows, header=supplementary_header()))
    assert (outcome.status, outcome.imported_rows) == ("done", 3)
    assert {(error["row"], error["column"]) for error in outcome.errors} == {
        (5, "PHQA_A"),
        (5, "PHQA_B"),
    }
    results = {r.student.student_no: r for r in ScreeningResult.objects.select_related("student")}
    crisis = results["202600001"]
    assert crisis.crisis_flag
    assert crisis.tier == "orange"
    task = TrackingTask.objects.get(result=crisis)
    assert (task.kind, round((task.due_at - crisis.screened_at).total_seconds() / 3600)) == (
        "crisis",
        4,
    )
    assert crisis.answers["PHQ-A supplementary"]["serious_thoughts_past_month"] is True
    attempt = results["202600002"]
    assert not attempt.crisis_flag
    assert attempt.scores["PHQ-A"]["risk_review_flag"] is True
    assert attempt.tier == "yellow"
    assert TrackingTask.objects.get(result=attempt).kind == "crisis"  # C-SSRS within 72 h
    assert not results["202600003"].crisis_flag
    assert "PHQ-A supplementary" not in results["202600003"].answers


def test_the_supplementary_columns_are_refused_for_a_campaign_without_phqa(campaign):
    campaign.instruments = ["PHQ-9"]
    campaign.save()
    header = [*HEADER, *[f"PHQ9_{n}" for n in range(1, 10)], "PHQA_C"]
    outcome = run(campaign, csv_bytes([[*student_row(1)[:15], "是"]], header=header))
    assert outcome.status == "refused"
    assert "PHQA_C" in outcome.message


def test_a_workbook_a_sheet_per_class_is_read_whole_and_other_sheets_passed_over(campaign):
    book = Workbook()
    notes = book.active
    notes.title = "说明"
    notes.append(["请按班级分表填写"])
    for sheet_name, numbers in [("八年级1班", range(1, 4)), ("八年级2班", range(10, 13))]:
        sheet = book.create_sheet(sheet_name)
        sheet.append([TITLE])
        sheet.append([*HEADER, *PHQA, *GAD7])
        for number in numbers:
            sheet.append(student_row(number))
    book["八年级2班"]["F4"] = "2012-13-40"  # student 11's date of birth
    book["八年级2班"].append(student_row(1))  # student 1 again, from the other sheet
    buffer = io.BytesIO()
    book.save(buffer)
    outcome = run(campaign, buffer.getvalue(), "roster.xlsx")
    assert (outcome.status, outcome.imported_rows) == ("done", 5), outcome.errors  # 7 less 2
    reported = {(error.get("sheet"), error["row"], error["column"]) for error in outcome.errors}
    assert reported == {("八年级2班", 4, "出生日期"), ("八年级2班", 6, "学号")}
    duplicate = next(error for error in outcome.errors if error["row"] == 6)
    assert "八年级1班 3" in duplicate["reason"]
