"""A 50,000-row screening roster (PHQ-9 + GAD-7) end to end — read, validate, score, tier, store —
as XLSX and as GB18030 CSV. Targets: each under 15 s, peak memory under 300 MB. Baseline:
django-import-export (bulk mode, its fastest) importing the same file's students in the same run.

Each import runs in its own process, so that its peak memory is its own.

    .venv/bin/python bench/roster_import.py
"""

from __future__ import annotations

import csv
import io
import json
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common

ROWS = 50_000
WORK = common.ROOT / "var" / "bench"
HEADER = ["学号", "姓名", "性别", "年级", "班级", "出生日期"]
HEADER += [f"PHQ9_{n}" for n in range(1, 10)] + [f"GAD7_{n}" for n in range(1, 8)]


def make_files() -> tuple[Path, Path]:
    from openpyxl import Workbook

    WORK.mkdir(parents=True, exist_ok=True)
    xlsx, gb18030 = WORK / "roster-50k.xlsx", WORK / "roster-50k.csv"
    if xlsx.exists() and gb18030.exists():
        return xlsx, gb18030
    rng = random.Random(50_000)
    surnames, given = "王李张刘陈杨黄赵吴周徐孙马朱胡郭", "子涵欣怡梓萱一诺浩然宇轩思远雨桐䶮"
    rows = []
    for number in range(ROWS):
        level = rng.choices([0, 1, 2, 3], weights=[70, 16, 9, 5])[0]
        answers = [min(3, max(0, rng.randint(0, 1) + level - 1)) for _ in range(16)]
        rows.append(
            [f"2026{number:06d}", rng.choice(surnames) + rng.choice(given) + rng.choice(given),
             rng.choice(["男", "女"]), "八年级", f"{rng.randint(1, 9)}班",
             f"2012-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}", *answers]
        )  # fmt: skip
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    workbook.save(xlsx)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    writer.writerows(rows)
    gb18030.write_bytes(buffer.getvalue().encode("gb18030"))
    return xlsx, gb18030


def fresh_campaign() -> int:
    """An empty campaign at a demo school (screening tables emptied first)."""
    import datetime

    from django.db import connection

    from centre import demo
    from centre.models import School, User
    from screening.models import Campaign

    demo.seed(password=None, log=lambda message: None)
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE screening_trackingtask, screening_tierchange, screening_screeningresult, "
            "screening_student, screening_rosterimport, screening_campaign CASCADE"
        )
    campaign = Campaign.objects.create(
        school=School.objects.get(code="SCH-0101"),
        name="bench",
        instruments=["PHQ-9", "GAD-7"],
        opens_on=datetime.date(2026, 9, 1),
        closes_on=datetime.date(2026, 12, 31),
        liaison=User.objects.get(username="liaison"),
    )
    return campaign.pk


def peak_megabytes() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def one_import(path: str, campaign_id: int) -> dict:
    """In a child process: our import of `path`, timed from the bytes to the stored rows."""
    from screening import importing
    from screening.models import Campaign, RosterImport

    campaign = Campaign.objects.get(pk=campaign_id)
    roster_import = RosterImport.objects.create(
        campaign=campaign, uploaded_by=campaign.liaison, original_name=Path(path).name
    )
    before = peak_megabytes()
    started = time.perf_counter()
    outcome = importing.run_import(roster_import, Path(path).read_bytes())
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "peak_mb": peak_megabytes(),
        "before_mb": before,
        "imported": outcome.imported_rows,
        "errors": len(outcome.errors),
        "status": outcome.status,
    }


def one_baseline(path: str, campaign_id: int) -> dict:
    """In a child process: django-import-export importing the same file's students (bulk mode,
    no diff: its fastest setting). It scores nothing and tiers nothing."""
    import tablib
    from import_export import fields, resources

    from screening.models import Campaign, Student

    school = Campaign.objects.get(pk=campaign_id).school

    class StudentResource(resources.ModelResource):
        student_no = fields.Field(attribute="student_no", column_name="学号")
        full_name = fields.Field(attribute="full_name", column_name="姓名")
        sex = fields.Field(attribute="sex", column_name="性别")
        grade = fields.Field(attribute="grade", column_name="年级")
        class_name = fields.Field(attribute="class_name", column_name="班级")
        birth_date = fields.Field(attribute="birth_date", column_name="出生日期")

        class Meta:
            model = Student
            fields = ("student_no", "full_name", "sex", "grade", "class_name", "birth_date")
            import_id_fields = ("student_no",)
            use_bulk = True
            batch_size = 1000
            skip_diff = True

        def before_save_instance(self, instance, row, **kwargs):
            instance.school = school

    before = peak_megabytes()
    started = time.perf_counter()
    data = Path(path).read_bytes()
    if path.endswith(".xlsx"):
        dataset = tablib.Dataset().load(data, format="xlsx")
    else:
        dataset = tablib.Dataset().load(data.decode("gb18030"), format="csv")
    result = StudentResource().import_data(dataset, dry_run=False, use_transactions=True)
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "peak_mb": peak_megabytes(),
        "before_mb": before,
        "imported": result.totals.get("new", 0),
        "errors": len(result.row_errors()),
        "status": "done" if not result.has_errors() else "errors",
    }


def child(kind: str, path: Path, campaign_id: int) -> dict:
    finished = subprocess.run(  # noqa: S603
        [sys.executable, __file__, kind, str(path), str(campaign_id)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(finished.stdout.strip().splitlines()[-1])


def main() -> None:
    common.setup_django()
    xlsx, gb18030 = make_files()
    print(f"\nRoster import: {ROWS:,} rows (PHQ-9 + GAD-7), each run in its own process")
    print(f"{'run':<48} {'seconds':>8} {'peak MB':>8} {'imported':>9}  target")
    figures = {}
    for label, path in (("XLSX", xlsx), ("GB18030 CSV", gb18030)):
        ours = child("--one", path, fresh_campaign())
        figures[label] = ours
        verdict = "meets" if ours["seconds"] < 15 and ours["peak_mb"] < 300 else "MISSES"
        print(
            f"{'ours, ' + label + ' (read, validate, score, tier, store)':<48} "
            f"{ours['seconds']:>8.1f} {ours['peak_mb']:>8.0f} {ours['imported']:>9,}  "
            f"< 15 s, < 300 MB: {verdict}"
        )
        baseline = child("--baseline", path, fresh_campaign())
        print(
            f"{'django-import-export, ' + label + ' (students only)':<48} "
            f"{baseline['seconds']:>8.1f} {baseline['peak_mb']:>8.0f} {baseline['imported']:>9,}"
        )
        print(
            f"{'ratio django-import-export / ours':<48} "
            f"{baseline['seconds'] / ours['seconds']:>8.1f}x"
        )


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] in ("--one", "--baseline"):
        common.setup_django()
        run = one_import if sys.argv[1] == "--one" else one_baseline
        print(json.dumps(run(sys.argv[2], int(sys.argv[3]))))
    else:
        main()
