"""An event's sign-in sheet, imported through screening's roster reader: the attendance by
audience, a training's trainee list, the validation report (row, column, reason), all or
nothing, GBK from Chinese Excel, and hostile files (NUL, too big, a cell at row 1,000,000, the
wrong encoding) each refused with a message, never a 500 — persona by persona."""

from __future__ import annotations

import datetime
import io
import re
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from centre.models import AuditEntry, Site
from outreach import services
from outreach.models import Event, Topic
from tests.support.rosters import csv_bytes, xlsx_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def coordinator(account):
    return account("outreach")


def make_event(site, by, kind=Event.Kind.SCHOOL_LECTURE, status=Event.Status.HELD):
    return Event.objects.create(
        site=site,
        kind=kind,
        title="讲座",
        topic=Topic.objects.get_or_create(
            code="study-stress", defaults={"name_zh": "学业压力", "name_en": "Study stress"}
        )[0],
        starts_at=timezone.now() - datetime.timedelta(hours=2),
        status=status,
        created_by=by,
    )


@pytest.fixture
def lecture(coordinator, k01):
    return make_event(k01, coordinator)


@pytest.fixture
def training(coordinator, k01):
    return make_event(k01, coordinator, kind=Event.Kind.TRAINING)


def upload(client, event, data: bytes, name="签到表.csv", **extra):
    return client.post(
        reverse("outreach:import", args=[event.pk]),
        {"file": SimpleUploadedFile(name, data), **extra},
    )


def sheet(rows, header=("序号", "姓名", "身份", "联系电话")) -> list:
    return [list(header), *rows]


def as_csv(rows, encoding="utf-8") -> bytes:
    return csv_bytes(rows[1:], header=rows[0], encoding=encoding)


LECTURE_ROWS = sheet(
    [
        [1, "学生甲", "学生", "13800000001"],
        [2, "学生乙", "学生", ""],
        [3, "王老师", "教师", ""],
        [4, "家长丙", "家长", ""],
    ]
)


def test_a_lecture_sheet_sets_the_counts_and_never_reads_the_names(client, coordinator, lecture):
    lecture.others = 7
    lecture.save()
    client.force_login(coordinator)
    kept = upload(client, lecture, as_csv(LECTURE_ROWS))  # 7 recorded: not replaced unasked
    assert kept.status_code == 400
    lecture.refresh_from_db()
    assert (lecture.others, lecture.students) == (7, 0)
    answer = upload(client, lecture, as_csv(LECTURE_ROWS), replace_counts="on")
    assert answer.status_code == 200
    page = answer.content.decode()
    assert 'id="import-report"' in page
    assert "导入报告" in page  # zh-hans by default
    assert "学生甲" not in page
    lecture.refresh_from_db()
    counts = [getattr(lecture, name) for name in Event.AUDIENCES]
    assert counts == [2, 1, 1, 0, 0]  # the sheet replaces what was typed
    assert not lecture.trainees.exists()
    entry = AuditEntry.objects.get(action="outreach.event.sheet_imported")
    assert "学生甲" not in str(entry.data)
    assert entry.data["valid"] == 4
    refused = upload(client, lecture, as_csv(LECTURE_ROWS))  # counts there: confirm first
    assert refused.status_code == 400
    assert 'id="counts-recorded"' in refused.content.decode()
    # The same sheet twice, confirmed: no change.
    again = upload(client, lecture, as_csv(LECTURE_ROWS), replace_counts="on")
    assert again.status_code == 200
    lecture.refresh_from_db()
    assert [getattr(lecture, name) for name in Event.AUDIENCES] == counts


def test_a_gbk_csv_from_chinese_excel_and_an_xlsx_read_the_same(client, coordinator, k01):
    client.force_login(coordinator)
    first, second = make_event(k01, coordinator), make_event(k01, coordinator)
    assert upload(client, first, as_csv(LECTURE_ROWS, encoding="gbk")).status_code == 200
    workbook = xlsx_bytes(LECTURE_ROWS[1:], header=LECTURE_ROWS[0])
    assert upload(client, second, workbook, name="签到表.xlsx").status_code == 200
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.students, first.teachers, first.parents) == (2, 1, 1)
    assert (second.students, second.teachers, second.parents) == (2, 1, 1)


def test_a_training_sheet_lists_trainees_once_and_raises_the_count(client, coordinator, training):
    rows = sheet(
        [["张三", "东湖社区", "工作人员"], ["李四", "区教育局", "其他"], ["王五", "", ""]],
        header=("姓名", "单位", "身份"),
    )
    client.force_login(coordinator)
    assert upload(client, training, as_csv(rows)).status_code == 200
    training.refresh_from_db()
    assert sorted(training.trainees.values_list("name", "organisation")) == [
        ("张三", "东湖社区"),
        ("李四", "区教育局"),
        ("王五", ""),
    ]
    assert training.trainees_count == 3
    assert (training.staff, training.others) == (1, 1)
    again = upload(client, training, as_csv(rows), replace_counts="on")
    assert 'id="trainees-added">0<' in again.content.decode()
    training.refresh_from_db()
    assert (training.trainees.count(), training.trainees_count) == (3, 3)


def test_bad_rows_are_reported_and_the_good_ones_imported(client, coordinator, training):
    rows = sheet(
        [
            ["张三", "东湖社区", "工作人员"],
            ["", "东湖社区", "工作人员"],
            ["李四", "单" * 201, "工作人员"],
            ["王五", "", "外星人"],
            ["赵六", "", "其他"],
            ["张三", "东湖社区", "工作人员"],
        ],
        header=("姓名", "单位", "身份"),
    )
    client.force_login(coordinator)
    client.cookies["portal_language"] = "en"
    answer = upload(client, training, as_csv(rows))
    assert answer.status_code == 200
    page = answer.content.decode()
    table = page.split('id="errors"')[1]
    reported = re.findall(r"<tr><td>(\d+)</td><td>([^<]+)</td>", table)
    assert reported == [("3", "姓名"), ("4", "单位"), ("5", "身份"), ("7", "姓名")]
    assert "the same trainee twice (first at row 2)" in table
    assert "audience is 学生, 家长, 教师, 工作人员 or 其他" in table
    training.refresh_from_db()
    assert sorted(training.trainees.values_list("name", flat=True)) == ["张三", "赵六"]
    assert training.trainees_count == 2


def test_all_or_nothing_imports_nothing_when_a_row_is_bad(client, coordinator, lecture):
    rows = sheet([[1, "甲", "学生", ""], [2, "乙", "外星人", ""]])
    client.force_login(coordinator)
    answer = upload(client, lecture, as_csv(rows), all_or_nothing="on")
    assert answer.status_code == 200
    assert 'id="bad-rows">1<' in answer.content.decode()
    lecture.refresh_from_db()
    assert lecture.attendance_total == 0


def nul_in_xlsx() -> bytes:
    return xlsx_bytes([[1, "甲_x0000_", "学生", ""]], header=["序号", "姓名", "身份", "电话"])


def far_cell() -> bytes:
    data = xlsx_bytes([[1, "甲", "学生", ""]], header=["序号", "姓名", "身份", "电话"])
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    extra = '<row r="1000000"><c r="A1000000" t="inlineStr"><is><t>x</t></is></c></row>'
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                content = content.decode().replace("</sheetData>", extra + "</sheetData>").encode()
            target.writestr(info.filename, content)
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"", "a.csv", "empty"),
        ("身份\n学生\x00\n".encode(), "a.csv", "encoding"),
        ("身份\n学生\n".encode("utf-16"), "a.csv", "UTF-16"),
        (bytes(range(128, 256)) * 4, "a.csv", "encoding"),
        (b"PK\x03\x04 not a workbook", "a.xlsx", "damaged"),
        (b"\x89PNG\r\n\x1a\n", "a.xlsx", "not an Excel"),
        (b"hello", "a.pdf", ".xlsx"),
        (far_cell(), "a.xlsx", "rows"),
        ("姓名,电话\n张三,1\n".encode(), "a.csv", "Missing columns"),
        ("身份\n".encode(), "a.csv", "no rows"),
    ],
)
def test_hostile_files_are_refused_with_a_message(
    client, coordinator, lecture, data, name, message
):
    client.force_login(coordinator)
    client.cookies["portal_language"] = "en"
    answer = upload(client, lecture, data, name=name)
    assert answer.status_code == 400
    assert message in answer.content.decode()
    lecture.refresh_from_db()
    assert lecture.attendance_total == 0


def test_nul_written_by_excel_is_a_bad_row_of_a_training(client, coordinator, training):
    client.force_login(coordinator)
    answer = upload(client, training, nul_in_xlsx(), name="a.xlsx")
    assert answer.status_code == 200
    assert 'id="bad-rows">1<' in answer.content.decode()
    assert not training.trainees.exists()


def test_a_file_over_the_limit_is_refused(client, coordinator, lecture, settings):
    settings.ROSTER_MAX_BYTES = 1000
    client.force_login(coordinator)
    big = as_csv(sheet([[n, "甲", "学生", ""] for n in range(200)]))
    answer = upload(client, lecture, big)
    assert answer.status_code == 400
    lecture.refresh_from_db()
    assert lecture.attendance_total == 0


def test_a_cancelled_event_imports_nothing(client, coordinator, k01):
    cancelled = make_event(k01, coordinator, status=Event.Status.CANCELLED)
    client.force_login(coordinator)
    assert upload(client, cancelled, as_csv(LECTURE_ROWS)).status_code == 400
    cancelled.refresh_from_db()
    assert cancelled.attendance_total == 0


def test_the_service_reads_title_rows_above_the_header(coordinator, lecture):
    rows = [["东湖区实验中学心理讲座签到表"], ["2026-11-01"], *LECTURE_ROWS]
    data = xlsx_bytes(rows[1:], header=rows[0])
    report = services.sheet_import(actor=coordinator, event=lecture, data=data, name="a.xlsx")
    assert (report.total_rows, report.bad_rows) == (4, 0)
    lecture.refresh_from_db()
    assert lecture.students == 2


def test_personas(client, account, coordinator, lecture, staff_at):
    url = reverse("outreach:import", args=[lecture.pk])
    facilitator = account("counsellor")
    lecture.facilitators.add(facilitator)
    city = staff_at("city-outreach", "outreach_coordinator", "CITY")
    for user in (coordinator, account("supervisor"), city, facilitator):
        client.force_login(user)
        assert client.get(url).status_code == 200, user.username
    far = staff_at("far-outreach", "outreach_coordinator", Site.objects.get(code="K02").code)
    others = (far, account("counsellor2"), *(account(name) for name in ("liaison", "stats")))
    for user in (*others, account("operator"), account("auditor")):
        client.force_login(user)
        assert client.get(url).status_code == 404, user.username
        assert upload(client, lecture, as_csv(LECTURE_ROWS)).status_code == 404
    missing = reverse("outreach:import", args=[999_999_999])
    client.force_login(coordinator)
    assert client.get(missing).status_code == 404
    lecture.refresh_from_db()
    assert lecture.attendance_total == 0
    client.logout()
    assert client.get(url).status_code == 302
