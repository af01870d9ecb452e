"""The statistics on over a million records: 710,000 case/client archives (bench/caseload.py's
data, with a session each, safety plans and follow-ups), 530,000 screening assessments and
40,000 referrals, in a database of its own (bench_statistics); the 530,000 assessments were
taken online, so each has its class's window, its code and its submitted session.

Targets: one month for the whole network under 100 ms, the 12-month trend under 300 ms (medians
of repeated runs); the ratio against the naive ORM (`__year`/`__month` lookups, one query per
figure and month) on the same data in the same run.

The trend reads the roll-up (centre.statistics.rollup_refresh, which the beat runs every five
minutes; run here once after loading, timed). It is timed twice: with nothing changed since the
refresh, and with this month changed (a session logged, as on any working day: its month is
counted from the records), and against the same trend counted from the records alone.

    .venv/bin/python bench/statistics.py      # loads what bench/caseload.py has not
"""

from __future__ import annotations

import datetime
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common

ASSESSMENTS = 530_000
# How the records spread in time: the region's 710,000 archives were built over about ten years
# (the reference centre logs ~5,000 visits a year), the 530,000 online assessments over three.
ARCHIVE_DAYS = 3650
RECENT_DAYS = 1095
REFERRALS = 40_000
REPEAT = 15
ONLINE_CLASS = 40  # students of a class opened online
ONLINE_SUBMITTED = 0.9  # of the codes issued, those submitted


def load() -> None:
    import caseload
    from django.db import connection

    from centre.bulk import insert_rows
    from centre.models import School, User
    from counselling.models import Case, Referral
    from screening.models import Campaign, ScreeningResult, Student

    caseload.load()
    spread_archives()
    if ScreeningResult.objects.count() == ASSESSMENTS // 6 * 6:
        print(f"data already loaded: {ASSESSMENTS:,} assessments")
        return
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE screening_trackingtask, screening_tierchange, screening_screeningresult, "
            "screening_student, screening_rosterimport, screening_campaign, "
            "counselling_referralevent, counselling_referral CASCADE"
        )
    rng = random.Random(530)
    now = datetime.datetime.now(datetime.UTC)
    liaison = User.objects.get(username="liaison")
    schools = list(School.objects.all())
    campaigns = [
        Campaign.objects.create(
            school=school,
            name="bench",
            instruments=["PHQ-9", "GAD-7"],
            opens_on=datetime.date(2025, 9, 1),
            closes_on=datetime.date(2026, 12, 31),
            liaison=liaison,
        )
        for school in schools
    ]
    per_school = ASSESSMENTS // len(schools)
    insert_rows(
        Student,
        ["created_at", "updated_at", "school_id", "student_no", "full_name", "sex", "grade",
         "class_name"],
        ((now, now, school.pk, f"{number:07d}", "学生", "female", "八年级", "1班")
         for school in schools for number in range(per_school)),
    )  # fmt: skip
    students = {
        school.pk: list(Student.objects.filter(school=school).values_list("pk", flat=True))
        for school in schools
    }
    tiers = ["none"] * 80 + ["blue"] * 10 + ["yellow"] * 6 + ["orange"] * 3 + ["red"]
    insert_rows(
        ScreeningResult,
        ["campaign_id", "student_id", "answers", "scores", "phq_total", "gad_total",
         "crisis_flag", "score_tier", "settled_tier", "tier", "tier_confirmed", "cssrs_band",
         "screened_at"],
        ((campaign.pk, student_id, {}, {}, rng.randint(0, 27), rng.randint(0, 21),
          rng.random() < 0.02, tier, tier, tier, False, "",
          now - datetime.timedelta(days=rng.randint(0, RECENT_DAYS - 1), hours=rng.randint(0, 23)))
         for campaign in campaigns for student_id in students[campaign.school_id]
         for tier in [rng.choice(tiers)]),
    )  # fmt: skip
    case_ids = list(Case.objects.values_list("pk", flat=True)[:REFERRALS])
    counsellor = Case.objects.values_list("counsellor_id", flat=True).first()
    insert_rows(
        Referral,
        ["created_at", "updated_at", "case_id", "destination", "status", "reason", "due_at",
         "feedback_to_school", "created_by_id"],
        ((created, now, case_id, "outpatient", rng.choice(["created", "accepted", "closed"]),
          "转介", created + datetime.timedelta(days=7), "", counsellor)
         for case_id in case_ids[:REFERRALS]
         for created in [now - datetime.timedelta(days=rng.randint(0, RECENT_DAYS))]),
    )  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(f"loaded assessments, follow-ups, referrals in {time.perf_counter() - started:.0f} s")


def load_online() -> None:
    """The assessments taken online: each bench school's students in classes of ONLINE_CLASS,
    each class opened online once (a window at a random hour of the last three years, a code per
    student), nine codes in ten submitted within the window's day."""
    from django.db import connection

    from centre.bulk import insert_rows
    from centre.models import User
    from screening.models import Campaign, OnlineCode, OnlineSession, OnlineWindow, Student

    if OnlineCode.objects.count() == ASSESSMENTS // 6 * 6:
        print(f"online data already loaded: {OnlineSession.objects.count():,} sessions")
        return
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE screening_onlinesession, screening_onlinecode, screening_onlinewindow"
        )
    rng = random.Random(16)
    now = datetime.datetime.now(datetime.UTC)
    liaison = User.objects.get(username="liaison")
    classes = []  # (campaign id, its students' ids)
    for campaign_id, school_id in Campaign.objects.values_list("pk", "school").order_by("pk"):
        students = list(
            Student.objects.filter(school=school_id).order_by("pk").values_list("pk", flat=True)
        )
        classes += [
            (campaign_id, students[first : first + ONLINE_CLASS])
            for first in range(0, len(students), ONLINE_CLASS)
        ]
    insert_rows(
        OnlineWindow,
        ["campaign_id", "class_name", "opens_at", "closes_at", "opened_by_id"],
        ((campaign_id, f"{number}班", opens, opens + datetime.timedelta(hours=24), liaison.pk)
         for number, (campaign_id, _students) in enumerate(classes)
         for opens in [now - datetime.timedelta(days=rng.randint(1, RECENT_DAYS - 1),
                                                hours=rng.randint(0, 23))]),
    )  # fmt: skip
    windows = OnlineWindow.objects.order_by("pk").values_list("pk", flat=True)  # COPY's order
    insert_rows(
        OnlineCode,
        ["window_id", "student_id", "code_hash"],
        ((window_id, student_id, f"{window_id:032x}{student_id:032x}")
         for window_id, (_campaign, students) in zip(windows, classes, strict=True)
         for student_id in students),
    )  # fmt: skip
    codes = OnlineCode.objects.values_list("pk", "window__opens_at").order_by("pk")
    insert_rows(
        OnlineSession,
        ["code_id", "answers", "started_at", "submitted_at"],
        ((code_id, {}, opens + datetime.timedelta(minutes=minute),
          opens + datetime.timedelta(minutes=minute + 10))
         for code_id, opens in codes.iterator(chunk_size=20_000)
         if rng.random() < ONLINE_SUBMITTED
         for minute in [rng.randint(0, 1400)]),
    )  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(
        f"loaded {len(classes):,} classes online, {OnlineSession.objects.count():,} sessions "
        f"in {time.perf_counter() - started:.0f} s"
    )


def spread_archives() -> None:
    """Give bench/caseload.py's cases and sessions a history of ARCHIVE_DAYS (its own benchmark
    does not look at dates): closed cases get their closing date."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT min(opened_at) FROM counselling_case")
        oldest = cursor.fetchone()[0]
        if oldest and (datetime.datetime.now(datetime.UTC) - oldest).days > ARCHIVE_DAYS // 2:
            return
        # Archives older than a year are closed (within 90 days of opening); recent ones keep
        # the status bench/caseload.py gave them.
        cursor.execute(
            "UPDATE counselling_case SET opened_at = now() - (id %% %s) * interval '1 day'",
            [ARCHIVE_DAYS],
        )
        cursor.execute(
            "UPDATE counselling_case SET status = CASE WHEN opened_at < now() - interval "
            "'365 days' THEN 'closed' ELSE status END"
        )
        cursor.execute(
            "UPDATE counselling_case SET closed_at = CASE WHEN status = 'closed' THEN "
            "LEAST(now(), opened_at + (id %% %s) * interval '1 day') END",
            [90],
        )
        cursor.execute(
            "UPDATE counselling_counsellingsession SET held_at = LEAST(now(), now() - "
            "(case_id %% %s) * interval '1 day' + (id %% 60) * interval '1 day')",
            [ARCHIVE_DAYS],
        )
        # The update leaves dead rows: vacuum, so that counts can read the indexes only.
        cursor.execute("VACUUM ANALYZE counselling_case")
        cursor.execute("VACUUM ANALYZE counselling_counsellingsession")


def naive_month(year: int, month: int) -> dict:
    """The same flow figures the way one writes them first: `__year`/`__month` lookups."""
    from django.db.models import Q

    from counselling.models import Case, CounsellingSession, FollowUp, Referral
    from screening.models import OnlineCode, OnlineSession, ScreeningResult

    def in_month(field: str) -> dict:
        return {f"{field}__year": year, f"{field}__month": month}

    sessions = CounsellingSession.objects.filter(attendance="attended", **in_month("held_at"))
    results = ScreeningResult.objects.filter(**in_month("screened_at"))
    return {
        "visits": sessions.count(),
        "treatments": sessions.filter(
            kind__in=["psychotherapy", "physical_therapy", "medication_review"]
        ).count(),
        "new_cases": Case.objects.filter(**in_month("opened_at")).count(),
        "closed_cases": Case.objects.filter(**in_month("closed_at")).count(),
        "followups_due": FollowUp.objects.exclude(status="cancelled")
        .filter(**in_month("due_at"))
        .count(),
        "followups_done": FollowUp.objects.filter(status="done", **in_month("done_at")).count(),
        "referrals": Referral.objects.filter(**in_month("created_at")).count(),
        "screened_students": results.values("student").distinct().count(),
        "flagged_students": results.filter(~Q(tier="none")).values("student").distinct().count(),
        "crisis_flags": results.filter(crisis_flag=True).count(),
        "online_assessments": OnlineSession.objects.filter(**in_month("submitted_at")).count(),
        "online_codes_issued": OnlineCode.objects.filter(**in_month("window__opens_at")).count(),
    }


def main() -> None:
    # Its own database: bench/caseload.py's data, dated over ten years, plus the assessments.
    common.setup_django("bench_statistics")
    load()
    load_online()
    from django.db import connection
    from django.utils import timezone

    from centre import statistics
    from centre.models import MonthlyFigure, RolledUpMonth
    from centre.statistics import rollup

    this_month = timezone.localdate().replace(day=1)
    last_month = statistics.add_months(this_month, -1)
    one = statistics.Window(last_month, last_month)
    year = statistics.Window.months_back(12)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM counselling_case) + "
            "(SELECT count(*) FROM counselling_client) + "
            "(SELECT count(*) FROM screening_screeningresult) + "
            "(SELECT count(*) FROM counselling_counsellingsession) + "
            "(SELECT count(*) FROM counselling_followup) + "
            "(SELECT count(*) FROM counselling_referral) + "
            "(SELECT count(*) FROM screening_onlinecode) + "
            "(SELECT count(*) FROM screening_onlinesession)"
        )
        records = cursor.fetchone()[0]

    def naive_trend():
        return [naive_month(month.year, month.month) for month in year.months()]

    def from_the_records(function):
        """The same figures counted from the records alone (no roll-up)."""

        def counted():
            rollup.rollup_enabled = lambda: False
            try:
                return function()
            finally:
                rollup.rollup_enabled = enabled

        return counted

    enabled = rollup.rollup_enabled

    def one_month():
        return statistics.figures(one)

    def twelve_months():
        return statistics.trend(year)

    MonthlyFigure.objects.all().delete()  # the first refresh is timed from nothing
    RolledUpMonth.objects.all().delete()
    started = time.perf_counter()
    statistics.rollup_refresh()
    print(f"roll-up since opening (first refresh): {time.perf_counter() - started:.1f} s")
    this_month_changed = this_month_change()
    this_month_changed()
    # The same numbers every way, before timing anything.
    assert one_month() == from_the_records(one_month)(), "the roll-up disagrees (one month)"
    assert twelve_months() == from_the_records(twelve_months)(), "the roll-up disagrees (trend)"
    naive = naive_month(last_month.year, last_month.month)
    for name, value in naive.items():
        assert one_month()[name] == value, (name, value)
    for month, naive in zip(year.months(), naive_trend(), strict=True):
        for name, value in naive.items():
            assert twelve_months()[f"{month:%Y-%m}"][name] == value, (month, name)

    def trend_after_a_change():
        this_month_changed()
        return statistics.trend(year)

    def refresh_after_a_change():
        this_month_changed()
        return statistics.rollup_refresh()

    statistics.rollup_refresh()
    page = statistics_page()
    runs = {
        "one month, whole network (all figures)": one_month,
        "one month, counted from the records (all figures)": from_the_records(one_month),
        "one month, naive __year/__month (flow figures only)": lambda: naive_month(
            last_month.year, last_month.month
        ),
        "12-month trend, roll-up, nothing changed": twelve_months,
        "12-month trend, roll-up, this month changed": trend_after_a_change,
        "12-month trend, counted from the records": from_the_records(twelve_months),
        "12-month trend, naive (12 x flow figures)": naive_trend,
        "refresh after this month changed": refresh_after_a_change,
        "page /statistics/, whole network, whole response": page,
    }
    for run in runs.values():
        run()  # warm up
    samples = {name: common.timed(run, REPEAT) for name, run in runs.items()}
    targets = {
        "one month, whole network (all figures)": "< 100 ms",
        "12-month trend, roll-up, nothing changed": "< 300 ms",
        "12-month trend, roll-up, this month changed": "< 300 ms",
    }
    medians = common.print_table(
        f"Statistics on {records:,} records ({REPEAT} runs each)",
        [(name, values, targets.get(name, "")) for name, values in samples.items()],
    )
    naive_month_ms = medians["one month, naive __year/__month (flow figures only)"]
    naive_trend_ms = medians["12-month trend, naive (12 x flow figures)"]
    print(f"\nratio naive / ours, one month: "
          f"{naive_month_ms / medians['one month, whole network (all figures)']:.1f}x")  # fmt: skip
    for name in ("nothing changed", "this month changed"):
        ours = medians[f"12-month trend, roll-up, {name}"]
        print(f"ratio naive / ours, 12-month trend, {name}: {naive_trend_ms / ours:.0f}x")
    counted_ms = medians["12-month trend, counted from the records"]
    changed_ms = medians["12-month trend, roll-up, this month changed"]
    print(f"ratio counted / roll-up, 12-month trend, this month changed: "
          f"{counted_ms / changed_ms:.1f}x")  # fmt: skip
    for name, target in targets.items():
        limit = float(target.split()[1])
        verdict = "meets" if medians[name] < limit else "MISSES"
        print(f"{name}: median {medians[name]:.1f} ms — {verdict} {target}")


def statistics_page():
    """The statistics administrator's page (this month, the trend, since opening, per site and
    per school), the whole response through Django's test client."""
    from django.test import Client

    from centre.models import User

    client = Client()
    client.force_login(User.objects.get(username="stats"))

    def get():
        response = client.get("/statistics/")
        assert response.status_code == 200, response.status_code

    return get


def this_month_change():
    """A session logged now, as any working day brings (its trigger marks this month stale):
    returns a function that logs one more each time it is called."""
    from django.utils import timezone

    from counselling.models import Case, CounsellingSession

    case = Case.objects.filter(closed_at__isnull=True).first()

    def log_a_session():
        CounsellingSession.objects.create(
            case=case, held_at=timezone.now(), modality="face_to_face", kind="counselling",
            attendance="attended", counsellor_id=case.counsellor_id,
        )  # fmt: skip

    return log_a_session


if __name__ == "__main__":
    main()
