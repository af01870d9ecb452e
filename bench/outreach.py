"""The outreach target board on the reference region: 2,212 sites (1 city centre, 10 county
centres, 2,201 stations) and 100,000 events over a year, in a database of its own
(bench_outreach).

Target: the month's board — the first page of the whole tree, the "behind" filter, a county's
page — with a median under 100 ms (repeated runs).

    .venv/bin/python bench/outreach.py
"""

from __future__ import annotations

import datetime
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common

DATABASE = "bench_outreach"
COUNTIES, STATIONS, EVENTS = 10, 2201, 100_000
REPEAT = 25


def load() -> None:
    from django.db import connection

    from centre.bulk import insert_rows
    from centre.models import Site, User
    from outreach.models import Event, Topic

    if Event.objects.count() >= EVENTS:
        print(f"data already loaded: {Site.objects.count():,} sites, {EVENTS:,} events")
        return
    started = time.perf_counter()
    now = datetime.datetime.now(datetime.UTC)
    root = Site.objects.create(code="BC", name="市中心", kind=Site.Kind.CITY_CENTRE)
    counties = [
        Site.objects.create(code=f"BK{n:02d}", name=f"县中心{n}", kind="county_centre", parent=root)
        for n in range(1, COUNTIES + 1)
    ]
    Site.objects.bulk_create(
        Site(
            code=f"BS{n:04d}", name=f"站点{n}", kind=Site.Kind.STATION, parent=county,
            path=f"{county.path}BS{n:04d}/", created_at=now, updated_at=now,
        )
        for n in range(1, STATIONS + 1)
        for county in [counties[n % COUNTIES]]
    )  # fmt: skip
    user = User.objects.create_user(username="bench-outreach", site=root)
    topic = Topic.objects.order_by("order").first()
    sites = list(Site.objects.values_list("pk", flat=True))
    rng = random.Random(100)
    kinds = ["school_lecture", "parent_class", "group_counselling", "group_therapy", "training"]
    insert_rows(
        Event,
        ["site_id", "kind", "venue_type", "title", "topic_id", "starts_at", "duration_minutes",
         "status", "report", "students", "parents", "teachers", "staff", "others",
         "trainees_count", "created_by_id", "created_at", "updated_at", "version"],
        ((rng.choice(sites), rng.choice(kinds), "", "活动", topic.pk,
          now - datetime.timedelta(days=rng.randint(-30, 335), hours=rng.randint(0, 23)), 90,
          rng.choice(["held", "held", "planned", "cancelled"]), "", 0, 0, 0, 0, 0, 0, user.pk,
          now, now, 1)
         for _ in range(EVENTS)),
    )  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(
        f"loaded {len(sites):,} sites, {EVENTS:,} events in {time.perf_counter() - started:.0f} s"
    )


def main() -> None:
    common.setup_django(DATABASE)
    load()
    from django.http import QueryDict

    from centre.models import Site
    from centre.paging import keyset_page
    from outreach import targets

    month = targets.this_month()
    root = Site.objects.get(code="BC")
    county = Site.objects.get(code="BK03")

    def board(site, behind=False):
        def page():
            sites = targets.with_progress(Site.objects.filter(path__startswith=site.path), month)
            if behind:
                sites = sites.filter(targets.behind_condition())
            rows = keyset_page(sites, QueryDict(), order=("path", "id"), ascending=True)
            return [targets.Progress.of(row).standing for row in rows.object_list]

        return page

    common.print_table(
        f"Outreach target board, {Site.objects.count():,} sites (median of {REPEAT})",
        [
            ("the whole tree, first page of 50", common.timed(board(root), REPEAT), "< 100 ms"),
            ("the whole tree, only the sites behind", common.timed(board(root, True), REPEAT),
             "< 100 ms"),
            ("a county centre, first page", common.timed(board(county), REPEAT), "< 100 ms"),
        ],
    )  # fmt: skip


if __name__ == "__main__":
    main()
