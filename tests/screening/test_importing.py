"""Roster import: formats and encodings, the validation report, valid rows or all or nothing,
re-uploads that change nothing, undo, and the files refused with a message (ENGINEERING.md §4)."""

from __future__ import annotations

import io
import zipfile

import pytest

from screening import importing, services
from screening.models import RosterImport, ScreeningResult, Student, TrackingTask
from screening.roster_limits import RefusedRosterError
from tests.support.rosters import csv_bytes, roster_rows, student_row, xlsx_bytes


def run(campaign, data: bytes, name: str = "roster.csv", *, all_or_nothing=False):
    roster_import = RosterImport.objects.create(
        campaign=campaign,
        uploaded_by=campaign.liaison,
        original_name=name,
        all_or_nothing=all_or_nothing,
    )
    return importing.run_import(roster_import, data)


@pytest.mark.parametrize(
    ("encoding", "name"),
    [("utf-8", "roster.csv"), ("utf-8-sig", "roster.csv"), ("gb18030", "名单.csv")],
)
def test_csv_in_every_supported_encoding_keeps_rare_characters(campaign, encoding, name):
    rows = roster_rows(3)
    rows[0][1] = "李䶮"  # not in GBK: lost if the file were read as GBK
    outcome = run(campaign, csv_bytes(rows, encoding=encoding), name)
    assert (outcome.status, outcome.imported_rows, outcome.errors) == ("done", 3, [])
    assert Student.objects.filter(full_name="李䶮").exists()


def test_xlsx_with_english_headers_and_excel_dates(campaign):
    import datetime

    header = ["student_no", "name", "sex", "grade", "class", "birth_date"]
    header += [f"PHQA_{n}" for n in range(1, 10)] + [f"GAD7_{n}" for n in range(1, 8)]
    rows = roster_rows(2)
    rows[0][5] = datetime.datetime(2012, 5, 3)  # noqa: DTZ001 (Excel cells are naive)
    outcome = run(campaign, xlsx_bytes(rows, header=header), "roster.xlsx")
    assert (outcome.status, outcome.imported_rows) == ("done", 2)
    assert Student.objects.get(student_no="202600001").birth_date == datetime.date(2012, 5, 3)


def test_scores_and_tiers_are_computed_on_the_server(campaign):
    rows = [
        student_row(1, phq=[3, 3, 3, 3, 3, 1, 1, 0, 0]),  # 17: orange
        student_row(2, phq=[0, 0, 0, 0, 0, 0, 0, 0, 2]),  # item 9: crisis, 4 h
        student_row(3, gad=[2, 2, 2, 1, 1, 1, 1]),  # GAD-7 10: yellow
        student_row(4),  # nothing
    ]
    run(campaign, csv_bytes(rows))
    by_number = {
        result.student.student_no: result
        for result in ScreeningResult.objects.select_related("student")
    }
    first, second, third, fourth = (by_number[f"2026{n:05d}"] for n in range(1, 5))
    assert (first.phq_total, first.scores["PHQ-A"]["band"], first.tier) == (
        17,
        "moderately_severe",
        "orange",
    )
    assert (second.crisis_flag, second.tier) == (True, "orange")
    task = TrackingTask.objects.get(result=second)
    assert task.kind == "crisis"
    assert round((task.due_at - second.screened_at).total_seconds() / 3600) == 4
    assert third.tier == "yellow"
    assert fourth.tier == "none"
    assert first.scores["PHQ-A"]["norm_set"] == "PHQ-A-Kroenke-2001"


def test_every_bad_row_is_reported_and_the_valid_rows_imported(campaign):
    rows = roster_rows(8)
    rows[0][0] = ""  # row 2: no student number
    rows[1][0] = rows[2][0]  # rows 3 and 4: the same number
    rows[4][6] = 4  # row 6: PHQA_1 out of range
    rows[5][14] = ""  # row 7: PHQ item 9 missing
    rows[6][5] = "2012-02-30"  # row 8: impossible date
    outcome = run(campaign, csv_bytes(rows))
    reported = {(error["row"], error["column"]) for error in outcome.errors}
    assert reported == {
        (2, "学号"),
        (4, "学号"),
        (6, "PHQA_1"),
        (7, "PHQA_9"),
        (8, "出生日期"),
    }
    reasons = {error["row"]: error["reason"] for error in outcome.errors}
    assert "PHQ item 9" in reasons[7] or "9" in reasons[7]
    assert outcome.imported_rows == 3  # rows 3, 5 and 9
    assert ScreeningResult.objects.count() == 3


def test_all_or_nothing_imports_nothing_when_a_row_is_bad(campaign):
    rows = roster_rows(5)
    rows[3][6] = 9
    outcome = run(campaign, csv_bytes(rows), all_or_nothing=True)
    assert outcome.imported_rows == 0
    assert len(outcome.errors) == 1
    assert not ScreeningResult.objects.exists()
    assert not Student.objects.exists()


def test_the_same_roster_twice_changes_nothing(campaign):
    data = csv_bytes(roster_rows(20))
    run(campaign, data)
    again = run(campaign, data)
    assert (again.imported_rows, again.unchanged_rows) == (0, 20)
    assert Student.objects.count() == 20
    assert ScreeningResult.objects.count() == 20


def test_an_import_is_undone_as_a_whole(campaign, account):
    outcome = run(campaign, csv_bytes(roster_rows(10)))
    services.roster_import_undo(actor=account("liaison"), roster_import=outcome)
    assert not ScreeningResult.objects.exists()
    assert not Student.objects.exists()
    assert not TrackingTask.objects.exists()
    outcome.refresh_from_db()
    assert outcome.status == "undone"


def zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * 300_000_000)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "name", "words"),
    [
        (b"", "roster.csv", "empty"),
        (b"hello, not a workbook", "roster.xlsx", "not an Excel"),
        (xlsx_bytes([]), "roster.csv", "archive"),
        (csv_bytes([]), "roster.csv", "no rows"),
        (csv_bytes([["1"]], header=["学号", "姓名", "身高"]), "roster.csv", "Unknown columns"),
        (csv_bytes(roster_rows(1), encoding="utf-16"), "roster.csv", "UTF-16"),
        (b"\x81\x30\xff\xff\xfe\x00", "roster.csv", "encoding"),
        (b"a" * 21_000_000, "roster.csv", "larger"),
        (zip_bomb(), "roster.xlsx", "unpacks"),
        (b"student", "roster.pdf", ".xlsx"),
    ],
)
def test_files_that_cannot_be_imported_are_refused_with_a_message(campaign, data, name, words):
    outcome = run(campaign, data, name)
    assert outcome.status == "refused"
    assert words.lower() in outcome.message.lower(), outcome.message
    assert not Student.objects.exists()


def test_missing_instrument_columns_are_named(campaign):
    header = ["学号", "姓名", *[f"PHQA_{n}" for n in range(1, 10)]]
    with pytest.raises(RefusedRosterError) as refused:
        importing.validate(csv_bytes([], header=header), "roster.csv", campaign)
    assert "GAD7_1" in refused.value.message
