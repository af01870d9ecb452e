"""The first page of a counsellor's caseload on 710,000 cases and 1,000 counsellors.

Each counsellor leads ~710 cases (view + change grants, direct-FK django-guardian rows) and has
~20 more shared with them (view). Figures: the first page through our selector, the HTML page and
the API (target: median under 50 ms), against django-guardian's `get_objects_for_user` on the
same data in the same run. The page and the API are found by URL name (counselling:caseload,
counselling-api:cases); one that does not exist or answer 200 yet is skipped as "not built yet".

    .venv/bin/python bench/caseload.py        # the first run loads the data (a few minutes)
"""

from __future__ import annotations

import datetime
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common

CASES = 710_000
COUNSELLORS = 1_000
SHARED_PER_COUNSELLOR = 20
SAMPLED_COUNSELLORS = 20
REPEAT = 5


def load() -> None:
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group, Permission
    from django.db import connection, transaction

    from centre import demo
    from centre.bulk import insert_rows
    from centre.models import School, Site, User
    from centre.roles import Role
    from counselling.models import Case, CaseUserObjectPermission, Client, CounsellingSession

    started = time.perf_counter()
    if Case.objects.count() == CASES:
        load_care()
        print(f"data already loaded: {CASES:,} cases, reused in "
              f"{time.perf_counter() - started:.1f} s")  # fmt: skip
        return
    demo.seed(password=None, log=lambda message: None)
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE counselling_caseuserobjectpermission, counselling_counsellingsession, "
            "counselling_case, counselling_client RESTART IDENTITY CASCADE"
        )
    site = Site.objects.get(code="K01")
    schools = list(School.objects.values_list("pk", flat=True))
    # Counsellors are kept between loads: their sign-ins are in the append-only audit log.
    names = [f"bench-{number:04d}" for number in range(COUNSELLORS)]
    existing = set(User.objects.filter(username__in=names).values_list("username", flat=True))
    User.objects.bulk_create(
        User(username=name, password=make_password(None), site=site, first_name="咨询师")
        for name in names
        if name not in existing
    )
    counsellors = list(User.objects.filter(username__in=names).order_by("username"))
    Group.objects.get(name=Role.COUNSELLOR.value).user_set.add(*counsellors)
    ids = [user.pk for user in counsellors]
    rng = random.Random(710)
    now = datetime.datetime.now(datetime.UTC)
    per = CASES // COUNSELLORS
    lead = [ids[number // per] for number in range(CASES)]
    with transaction.atomic():
        insert_rows(
            Client,
            ["created_at", "updated_at", "full_name", "sex", "date_of_birth", "school_id", "grade",
             "class_name", "phone", "student_no", "site_id"],
            (
                (now, now, f"学生{number:07d}", "female" if number % 2 else "male",
                 datetime.date(2008 + number % 10, 1 + number % 12, 1 + number % 28),
                 schools[number % len(schools)], "七年级", "1班", "", "", site.pk)
                for number in range(CASES)
            ),
        )  # fmt: skip
        levels = ["none", "low", "moderate", "high", "imminent"]
        insert_rows(
            Case,
            ["created_at", "updated_at", "client_id", "site_id", "status", "source",
             "presenting_concerns", "risk_level", "risk_rank", "counsellor_id", "opened_at",
             "version"],
            (
                (now, now, number + 1, site.pk,
                 rng.choice(["intake", "active", "active", "recovery", "closed"]), "school",
                 "情绪低落", levels[rank], rank, lead[number],
                 now - datetime.timedelta(days=number % 365), 1)
                for number in range(CASES)
                for rank in [rng.choices(range(5), weights=[40, 30, 18, 9, 3])[0]]
            ),
        )  # fmt: skip
        view = Permission.objects.get(codename="view_case").pk
        change = Permission.objects.get(codename="change_case").pk

        def grants():
            for number in range(CASES):
                yield view, lead[number], number + 1
                yield change, lead[number], number + 1
            for user in ids:
                shared = {
                    case
                    for case in rng.sample(range(1, CASES + 1), 2 * SHARED_PER_COUNSELLOR)
                    if lead[case - 1] != user
                }
                for case in sorted(shared)[:SHARED_PER_COUNSELLOR]:
                    yield view, user, case

        insert_rows(
            CaseUserObjectPermission,
            ["permission_id", "user_id", "content_object_id"],
            grants(),
        )
        insert_rows(
            CounsellingSession,
            ["created_at", "updated_at", "case_id", "counsellor_id", "held_at",
             "duration_minutes", "modality", "kind", "attendance", "note_presenting",
             "note_intervention", "note_plan", "risk_assessed", "version"],
            (
                (now, now, number + 1, lead[number],
                 now - datetime.timedelta(days=number % 300), 50, "face_to_face",
                 "counselling", "attended", "", "", "", "", 1)
                for number in range(CASES)
            ),
        )  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"loaded {CASES:,} cases for {COUNSELLORS:,} counsellors in "
          f"{time.perf_counter() - started:.0f} s")  # fmt: skip
    load_care()


def load_care() -> None:
    """Safety plans and follow-ups, which the page's flags read (`needs_safety_plan`, overdue
    follow-ups first): 9 in 10 moderate-and-above cases get a plan; recovery and closed cases get
    the 7-day, 1-month and 3-month follow-ups, some overdue. Each only into an empty table, never
    replacing rows: bench/statistics.py shares this database and puts its own follow-ups there."""
    from django.db import connection, transaction

    from centre.bulk import insert_rows
    from counselling.models import Case, FollowUp, SafetyPlan

    plans, follow_ups = not SafetyPlan.objects.exists(), not FollowUp.objects.exists()
    if not plans and not follow_ups:
        return
    started = time.perf_counter()
    now = datetime.datetime.now(datetime.UTC)
    day = datetime.timedelta(days=1)
    cases = Case.objects.order_by("pk").values_list("pk", "counsellor_id", "status", "risk_rank")

    def follow_up_rows():
        for case, counsellor, status, _rank in cases.iterator(chunk_size=20_000):
            if status not in ("recovery", "closed"):
                continue
            ended = now - datetime.timedelta(days=case % 120)
            for step, days in (("7d", 7), ("1m", 30), ("3m", 90)):
                due = ended + days * day
                done = status == "closed" or due < now - 7 * day
                yield (now, now, case, "counselling_end", step, due, "done" if done else "due",
                       "电话回访，情况稳定" if done else "", "", due + day if done else None,
                       counsellor if done else None, 1)  # fmt: skip

    with transaction.atomic():
        if plans:
            insert_rows(
                SafetyPlan,
                ["case_id", "number", "warning_signs", "coping_strategies", "people_and_places",
                 "professional_contacts", "means_safety", "created_by_id", "created_at"],
                (
                    (case, 1, "整夜失眠", "听音乐、深呼吸", "妈妈；班主任", "主责咨询师；热线",
                     "家长收好刀具", counsellor, now - 30 * day)
                    for case, counsellor, _status, rank in cases.iterator(chunk_size=20_000)
                    if rank >= 2 and case % 10
                ),
            )  # fmt: skip
        if follow_ups:
            insert_rows(
                FollowUp,
                ["created_at", "updated_at", "case_id", "pathway", "step", "due_at", "status",
                 "outcome", "risk_assessed", "done_at", "done_by_id", "version"],
                follow_up_rows(),
            )  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE counselling_safetyplan")
        cursor.execute("ANALYZE counselling_followup")
    print(
        f"loaded {SafetyPlan.objects.count():,} safety plans, "
        f"{FollowUp.objects.count():,} follow-ups in {time.perf_counter() - started:.0f} s"
    )


def measure() -> None:
    from django.test import Client
    from guardian.shortcuts import get_objects_for_user

    from centre.models import User
    from counselling.models import Case
    from counselling.selectors import case_list

    users = list(
        User.objects.filter(username__startswith="bench-").order_by("?")[:SAMPLED_COUNSELLORS]
    )
    browsers = {}
    for user in users:
        browsers[user.pk] = Client()
        browsers[user.pk].force_login(user)

    def selector_page(user):
        return list(case_list(user=user)[:50])

    def guardian_page(user):
        cases = get_objects_for_user(
            user, "counselling.view_case", klass=Case, accept_global_perms=False
        )
        return list(
            cases.select_related("client", "client__school", "counsellor", "site").order_by(
                "-risk_rank", "-attention", "-id"
            )[:50]
        )

    def page(user, url):
        response = browsers[user.pk].get(url)
        assert response.status_code == 200, (url, response.status_code)
        return response

    checks = [len(selector_page(user)) for user in users]
    assert all(count == 50 for count in checks), checks
    assert [case.pk for case in selector_page(users[0])] == [
        case.pk for case in guardian_page(users[0])
    ], "the selector and guardian must answer the same page"
    figures = {
        "first page, our selector (UNION of grants)": lambda user: selector_page(user),
        "first page, guardian get_objects_for_user (baseline)": lambda user: guardian_page(user),
    }
    for label, url in (
        ("HTML /counselling/", "/counselling/"),
        ("API /api/v1/counselling/cases/", "/api/v1/counselling/cases/"),
    ):
        figures[f"{label} (whole response)"] = lambda user, url=url: page(user, url)
    for function in figures.values():  # warm up caches and connections
        for user in users[:3]:
            function(user)
    samples = {name: [] for name in figures}
    for _ in range(REPEAT):
        for user in users:
            for name, function in figures.items():
                samples[name] += common.timed(lambda: function(user), 1)  # noqa: B023
    baseline = "first page, guardian get_objects_for_user (baseline)"
    guardian_median = common.summary(samples[baseline])[0]
    print(
        f"\nCaseload first page: {CASES:,} cases, {COUNSELLORS:,} counsellors, "
        f"{SAMPLED_COUNSELLORS} counsellors x {REPEAT} runs (first page = 50 rows)"
    )
    print(f"{'figure':<58} {'median ms':>10} {'p95 ms':>9} {'vs guardian':>12}  target")
    verdicts = []
    for name, values in samples.items():
        median, p95 = common.summary(values)
        target = "< 50 ms" if "whole response" in name else ""
        ratio = f"{median / guardian_median:.2f}x"
        print(f"{name:<58} {median:>10.1f} {p95:>9.1f} {ratio:>12}  {target}")
        if target:
            verdicts.append(f"{name}: {'meets' if median < 50 else 'MISSES'} the 50 ms target")
    selector_median = common.summary(samples["first page, our selector (UNION of grants)"])[0]
    print(
        f"\nguardian / our selector: {guardian_median / selector_median:.1f}x "
        "(our selector is that many times faster than the baseline)"
    )
    for line in verdicts:
        print(line)


if __name__ == "__main__":
    common.setup_django()
    load()
    measure()
