"""Screening roster files made on the fly: one student per row, PHQ-A and GAD-7 answers."""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook

HEADER = ["学号", "姓名", "性别", "年级", "班级", "出生日期"]
PHQA = [f"PHQA_{n}" for n in range(1, 10)]
GAD7 = [f"GAD7_{n}" for n in range(1, 8)]


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
