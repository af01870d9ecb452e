"""Rosters made to hurt: sparse workbooks whose one far cell (or lying dimension) would size the
sheet, values that pass a loose check but cannot be stored, and the same students typed as
numbers in Excel. Each ends as a refusal or a bad row with a message, never a crash, and
matching students works across formats."""

from __future__ import annotations

import io
import json
import re
import textwrap
import zipfile

import pytest

from centre.bulk import UnstorableValueError, insert_rows
from screening import importing
from screening.models import RosterImport, Student, TrackingTask
from tests.support.process import run_python
from tests.support.rosters import csv_bytes, roster_rows, student_row, xlsx_bytes

# Peak resident memory of reading any hostile workbook (README "Limits on uploads").
READ_MEMORY_BOUND_MB = 200


def run(campaign, data: bytes, name: str = "roster.csv"):
    roster_import = RosterImport.objects.create(
        campaign=campaign, uploaded_by=campaign.liaison, original_name=name
    )
    return importing.run_import(roster_import, data)


def with_sheet(data: bytes, change) -> bytes:
    """The workbook with its first sheet's XML passed through `change`."""
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                content = change(content.decode()).encode()
            target.writestr(info.filename, content)
    return out.getvalue()


def far_cell(reference: str) -> bytes:
    row = re.sub(r"[A-Z]+", "", reference)
    extra = f'<row r="{row}"><c r="{reference}" t="inlineStr"><is><t>x</t></is></c></row>'
    return with_sheet(
        xlsx_bytes(roster_rows(2)), lambda xml: xml.replace("</sheetData>", extra + "</sheetData>")
    )


def lying_dimension() -> bytes:
    return with_sheet(
        xlsx_bytes(roster_rows(2)),
        lambda xml: xml.replace("<sheetViews>", '<dimension ref="A1:XFD1048576"/><sheetViews>'),
    )


def read_in_a_process(tmp_path, data: bytes, name: str = "roster.xlsx") -> dict:
    """Read the roster as an import does, in a fresh process: its outcome and peak memory."""
    path = tmp_path / name
    path.write_bytes(data)
    script = textwrap.dedent(
        f"""
        import json, re, django
        django.setup()
        from django.utils import translation
        translation.activate("en")
        from screening.roster_files import rows_of
        from screening.roster_limits import RefusedRosterError
        outcome = {{}}
        try:
            header, rows = rows_of(open({str(path)!r}, "rb").read(), {name!r})
            outcome["rows"] = sum(1 for row in rows)
        except RefusedRosterError as refused:
            outcome["refused"] = refused.message
        # VmHWM, not ru_maxrss: the latter keeps the parent's peak across fork and exec.
        status = open("/proc/self/status").read()
        outcome["peak_mb"] = int(re.search(r"VmHWM:\\s+(\\d+) kB", status).group(1)) / 1024
        print(json.dumps(outcome))
        """
    )
    finished = run_python("-c", script, timeout=120)
    assert finished.returncode == 0, finished.stderr[-2000:]  # the old reader aborted here
    return json.loads(finished.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("reference", ["XFD1048576", "Z1000000", "BZ4"])
def test_a_far_cell_is_refused_before_memory_grows(tmp_path, reference):
    outcome = read_in_a_process(tmp_path, far_cell(reference))
    assert "row" in outcome["refused"] or "column" in outcome["refused"], outcome
    assert outcome["peak_mb"] < READ_MEMORY_BOUND_MB, outcome


def test_a_lying_dimension_is_ignored(tmp_path):
    outcome = read_in_a_process(tmp_path, lying_dimension())
    assert outcome.get("rows") == 2, outcome
    assert outcome["peak_mb"] < READ_MEMORY_BOUND_MB, outcome


def test_a_lying_dimension_imports_the_real_rows(campaign):
    outcome = run(campaign, lying_dimension(), "roster.xlsx")
    assert (outcome.status, outcome.imported_rows, outcome.total_rows) == ("done", 2, 2)


def test_a_huge_shared_string_table_is_refused(tmp_path, settings):
    count = settings.ROSTER_MAX_CELLS + 1
    source, out = zipfile.ZipFile(io.BytesIO(xlsx_bytes(roster_rows(1)))), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, source.read(info.filename))
        strings = "".join(f"<si><t>{n}</t></si>" for n in range(count))
        target.writestr("xl/sharedStrings.xml", f"<sst>{strings}</sst>")
    outcome = read_in_a_process(tmp_path, out.getvalue())
    assert "filled cells" in outcome["refused"], outcome
    assert outcome["peak_mb"] < READ_MEMORY_BOUND_MB, outcome


def test_a_csv_line_of_a_million_commas_is_refused_before_memory_grows(tmp_path):
    data = csv_bytes(roster_rows(1)) + b"1" + b"," * 15_000_000 + b"\n"
    outcome = read_in_a_process(tmp_path, data, "roster.csv")
    assert "beyond column" in outcome["refused"], outcome
    assert outcome["peak_mb"] < READ_MEMORY_BOUND_MB, outcome


@pytest.mark.parametrize(
    ("limit", "value", "rows", "words"),
    [("ROSTER_MAX_ROWS", 5, 6, "more than 5 rows"), ("ROSTER_MAX_COLUMNS", 20, 1, "column 20")],
)
def test_rows_and_columns_beyond_the_limits_are_refused(
    campaign, settings, limit, value, rows, words
):
    setattr(settings, limit, value)
    for data, name in [
        (csv_bytes(roster_rows(rows)), "r.csv"),
        (xlsx_bytes(roster_rows(rows)), "r.xlsx"),
    ]:
        outcome = run(campaign, data, name)
        assert outcome.status == "refused", outcome.message
        assert words in outcome.message
    assert not Student.objects.exists()


def test_a_document_type_declaration_is_refused(campaign):
    bomb = '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
    data = with_sheet(xlsx_bytes(roster_rows(1)), lambda xml: bomb + xml)
    outcome = run(campaign, data, "roster.xlsx")
    assert (outcome.status, "damaged" in outcome.message) == ("refused", True)


# Values that pass a loose check but cannot be stored ---------------------------------------


def test_values_longer_than_their_field_are_bad_rows(campaign):
    limits = {
        name: Student._meta.get_field(field).max_length
        for name, field in importing.STORED_TEXT.items()
    }
    rows = roster_rows(5)
    rows[0][1] = "名" * (limits["name"] + 1)
    rows[1][0] = "9" * (limits["student_no"] + 1)
    rows[2][3] = "年" * (limits["grade"] + 1)
    rows[3][4] = "班" * (limits["class"] + 1)
    outcome = run(campaign, csv_bytes(rows))
    assert outcome.status == "done"
    reported = {(error["row"], error["column"]) for error in outcome.errors}
    # The columns as the file names them (学号, not student_no).
    assert reported == {(2, "姓名"), (3, "学号"), (4, "年级"), (5, "班级")}
    assert all("longer than" in error["reason"] for error in outcome.errors)
    assert outcome.imported_rows == 1


def test_the_null_marker_is_stored_as_typed(campaign):
    rows = roster_rows(2)
    rows[0][1], rows[0][3] = "\\N", "\\N"
    outcome = run(campaign, csv_bytes(rows))
    assert (outcome.status, outcome.imported_rows) == ("done", 2)
    student = Student.objects.get(student_no=rows[0][0])
    assert (student.full_name, student.grade) == ("\\N", "\\N")


def test_nul_written_by_excel_is_a_bad_row(campaign):
    rows = roster_rows(2)
    rows[0][1] = "王MARK"
    data = with_sheet(xlsx_bytes(rows), lambda xml: xml.replace("MARK", "_x0000_"))
    outcome = run(campaign, data, "roster.xlsx")
    assert outcome.status == "done"
    assert [(error["row"], error["column"]) for error in outcome.errors] == [(2, "姓名")]
    assert outcome.imported_rows == 1


def test_a_csv_field_over_the_parsers_limit_is_refused_with_its_line(campaign):
    rows = roster_rows(3)
    rows[1][4] = "x" * 200_000
    outcome = run(campaign, csv_bytes(rows))
    assert outcome.status == "refused"
    assert "Line 3" in outcome.message
    assert not Student.objects.exists()


def test_the_bulk_loader_refuses_nul_and_names_only_the_column(campaign):
    row = (None, None, campaign.school_id, "1", "王\x00", "", "", "", None, None)
    with pytest.raises(UnstorableValueError) as refused:
        insert_rows(Student, importing.STUDENT_COLUMNS, [row])
    assert "full_name" in str(refused.value)
    assert "王" not in str(refused.value)


# The same students, typed in Excel ---------------------------------------------------------


def test_an_excel_roster_matches_the_students_of_its_csv(campaign):
    rows = roster_rows(3)
    rows[0] = student_row(1, phq=[3, 3, 3, 3, 3, 1, 1, 0, 2])  # flagged: one crisis task
    run(campaign, csv_bytes(rows))
    typed = [[int(row[0]), *row[1:]] for row in rows]  # student numbers as numeric cells
    typed[1][0] = float(typed[1][0])  # as some exporters write them: 202600002.0
    again = run(campaign, xlsx_bytes(typed), "roster.xlsx")
    assert (again.status, again.imported_rows, again.unchanged_rows) == ("done", 0, 3)
    assert Student.objects.count() == 3
    assert TrackingTask.objects.count() == 1


def test_text_student_numbers_keep_their_leading_zeros(campaign):
    rows = roster_rows(1)
    rows[0][0] = " 00123 "
    run(campaign, xlsx_bytes(rows), "roster.xlsx")
    assert Student.objects.get().student_no == "00123"


def test_a_number_typed_in_excel_is_reported_without_dot_zero(campaign):
    rows = roster_rows(1)
    rows[0][6] = 5.0
    outcome = run(campaign, xlsx_bytes(rows), "roster.xlsx")
    assert [(error["column"], error["value"]) for error in outcome.errors] == [("PHQA_1", "5")]


def as_excel_writes_it(data: bytes) -> bytes:
    """openpyxl writes inline strings; Excel writes a shared-string table (a name in rich-text
    runs with its phonetic reading, as a Chinese Excel stores it)."""
    strings: list[str] = []

    def shared(match) -> str:
        text = match.group(2)
        entry = '<r><t>李</t></r><r><t>䶮</t></r><rPh sb="0" eb="2"><t>li yan</t></rPh>'
        strings.append(entry if text == "李䶮" else f"<t>{text}</t>")
        return f'<c r="{match.group(1)}" t="s"><v>{len(strings) - 1}</v></c>'

    pattern = r'<c r="(\w+)" t="inlineStr"><is><t>(.*?)</t></is></c>'
    converted = with_sheet(data, lambda xml: re.sub(pattern, shared, xml))
    source, out = zipfile.ZipFile(io.BytesIO(converted)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, source.read(info.filename))
        items = "".join(f"<si>{entry}</si>" for entry in strings)
        target.writestr(
            "xl/sharedStrings.xml",
            f'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{items}</sst>',
        )
    return out.getvalue()


def test_a_workbook_with_shared_strings_and_dates_reads_as_typed(campaign):
    import datetime

    rows = [student_row(1, name="李䶮"), student_row(2)]
    rows[0][0], rows[0][5] = 202600001, datetime.datetime(2012, 5, 3)  # noqa: DTZ001
    data = as_excel_writes_it(xlsx_bytes(rows))
    assert b"inlineStr" not in zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    outcome = run(campaign, data, "roster.xlsx")
    assert (outcome.status, outcome.imported_rows, outcome.errors) == ("done", 2, [])
    student = Student.objects.get(student_no="202600001")
    assert (student.full_name, student.birth_date) == ("李䶮", datetime.date(2012, 5, 3))
