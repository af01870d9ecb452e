"""The screening cast: a campaign at SCH-0101 (the demo `liaison`'s school) with PHQ-A and GAD-7,
and roster files made on the fly."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from openpyxl import Workbook

from centre.models import School
from screening.models import Campaign

HEADER = ["学号", "姓名", "性别", "年级", "班级", "出生日期"]
PHQA = [f"PHQA_{n}" for n in range(1, 10)]
GAD7 = [f"GAD7_{n}" for n in range(1, 8)]


@pytest.fixture
def campaign(account) -> Campaign:
    return Campaign.objects.create(
        school=School.objects.get(code="SCH-0101"),
        name="2026 秋季筛查",
        instruments=["PHQ-A", "GAD-7"],
        opens_on=datetime.date(2026, 9, 1),
        closes_on=datetime.date(2026, 12, 31),
        liaison=account("liaison"),
    )


def student_row(number: int, *, phq=None, gad=None, name: str | None = None) -> list:
    return [
        f"2026{number:05d}",
        name or f"学生{number}",
        "女" if number % 2 else "男",
        "八年级",
        "3班",
        "2012-05-03",
        *(phq if phq is not None else [0] * 9),
        *(gad if gad is not None else [0] * 7),
    ]


def roster_rows(count: int) -> list[list]:
    return [student_row(number) for number in range(1, count + 1)]


def csv_bytes(rows: list[list], *, encoding: str = "utf-8", header=None) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header or [*HEADER, *PHQA, *GAD7])
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list], header=None) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(header or [*HEADER, *PHQA, *GAD7])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def in_english():
    """Messages are checked in English here (the portal's default is Chinese)."""
    from django.utils import translation

    with translation.override("en"):
        yield
