"""The 12-month trend read from the roll-up equals the trend counted from the records, whatever
happens to the records: added, changed or deleted, through a service, a queryset update, a COPY
import, a cascade or a TRUNCATE; a case or a school moved to another site moves its figures; and
a change committed while a refresh is counting keeps its month stale."""

from __future__ import annotations

import contextlib
import datetime
import threading

import pytest
import time_machine
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from centre import statistics
from centre.models import MonthlyFigure, RolledUpMonth, School, Site, StaleMonth
from centre.statistics import registry, rollup
from counselling.models import Case, CounsellingSession, FollowUp, Referral
from screening import importing
from screening.models import Campaign, RosterImport, ScreeningResult
from tests.support.clock import at
from tests.support.counselling import session
from tests.support.rosters import csv_bytes, student_row
from tests.support.worker import wait_for

NOW = at(2026, 6, 15)
WINDOW = statistics.Window.parse("2025-07", "2026-06")  # the trend's 12 months at NOW
SITES = [None, "CITY", "K01", "K02"]


@contextlib.contextmanager
def from_the_records_alone():
    original = rollup.rollup_enabled
    rollup.rollup_enabled = lambda: False
    try:
        yield
    finally:
        rollup.rollup_enabled = original


def counted(site_path):
    """The trend counted from the records alone: what the roll-up must give."""
    with from_the_records_alone():
        return statistics.trend(WINDOW, site_path=site_path)


def path_of(code: str | None) -> str | None:
    return Site.objects.get(code=code).path if code else None


def trends() -> list[dict]:
    return [statistics.trend(WINDOW, site_path=path_of(code)) for code in SITES]


def assert_trend_is_exact():
    for code in SITES:
        assert statistics.trend(WINDOW, site_path=path_of(code)) == counted(path_of(code)), code


def stale_months() -> set[str]:
    return {f"{month:%Y-%m}" for month in StaleMonth.objects.values_list("month", flat=True)}


def record_tables_read(queries) -> list[str]:
    return [
        query["sql"]
        for query in queries
        if any(f"{app}_" in query["sql"] for app in ("counselling", "screening", "hotline"))
    ]


@pytest.fixture
def rolled_up(records):
    with time_machine.travel(NOW, tick=False):
        # Every declared provider, twelve months each.
        assert statistics.rollup_refresh() == len(registry.providers()) * 12
    assert not StaleMonth.objects.exists()
    return records


def test_the_trend_reads_the_roll_up_only_and_agrees_with_the_records(rolled_up):
    with time_machine.travel(NOW, tick=False):
        with CaptureQueriesContext(connection) as queries:
            trend = statistics.trend(WINDOW)
        assert record_tables_read(queries.captured_queries) == []
        assert trend["2026-04"]["visits"] == 2
        assert trend["2026-04"]["screened_students"] == 3
        assert trend["2026-03"]["referrals"] == 1
        assert_trend_is_exact()
        assert statistics.rollup_refresh() == 0  # nothing changed, nothing to count


def log_a_past_session(march, april):
    session(march.counsellor, march, at(2026, 3, 20), kind="psychotherapy")


def move_a_session_to_another_month(march, april):
    CounsellingSession.objects.filter(case=march, held_at__lt=at(2026, 4, 1)).update(
        held_at=at(2026, 1, 5)
    )


def delete_sessions(march, april):
    CounsellingSession.objects.filter(case=march, kind="medication_review").delete()


def mark_a_session_a_no_show(march, april):
    CounsellingSession.objects.filter(case=march, kind="psychotherapy").update(attendance="no_show")


def cancel_a_follow_up(march, april):
    FollowUp.objects.filter(case=april, step="7d").update(status="cancelled")


def record_a_follow_up_late(march, april):
    FollowUp.objects.filter(case=april, step="7d").update(status="done", done_at=at(2026, 5, 2))


def delete_a_referral(march, april):
    Referral.objects.filter(case=march).delete()


def move_a_case_to_another_site(march, april):
    Case.objects.filter(pk=march.pk).update(site=Site.objects.get(code="K02"))


def reopen_a_closed_case_in_another_month(march, april):
    Case.objects.filter(pk=april.pk).update(closed_at=at(2026, 2, 3), opened_at=at(2026, 1, 9))


def import_a_roster_into_a_past_month(march, april):
    campaign = Campaign.objects.get()
    with time_machine.travel(at(2026, 2, 10), tick=False):
        roster = RosterImport.objects.create(
            campaign=campaign, uploaded_by=campaign.liaison, original_name="february.csv"
        )
        importing.run_import(roster, csv_bytes([student_row(10), student_row(11)]))


def undo_a_roster(march, april):
    ScreeningResult.objects.filter(student__student_no__in=["202600001", "202600002"]).delete()


def change_a_tier(march, april):
    ScreeningResult.objects.filter(tier="orange").update(tier="none")


def move_a_school_to_another_site(march, april):
    School.objects.filter(campaigns__isnull=False).update(site=Site.objects.get(code="K02"))


def truncate_the_results(march, april):
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # TRUNCATE refuses pending FK checks
        cursor.execute(
            "TRUNCATE screening_trackingtask, screening_tierchange, screening_tierrequest, "
            "screening_onlinesession, screening_screeningresult"
        )


CHANGES = [
    log_a_past_session,
    move_a_session_to_another_month,
    delete_sessions,
    mark_a_session_a_no_show,
    cancel_a_follow_up,
    record_a_follow_up_late,
    delete_a_referral,
    move_a_case_to_another_site,
    reopen_a_closed_case_in_another_month,
    import_a_roster_into_a_past_month,
    undo_a_roster,
    change_a_tier,
    move_a_school_to_another_site,
    truncate_the_results,
]


@pytest.mark.parametrize("change", CHANGES, ids=[change.__name__ for change in CHANGES])
def test_the_trend_stays_exact_when_records_change(rolled_up, change):
    march, april = rolled_up
    with time_machine.travel(NOW, tick=False):
        before = trends()
        change(march, april)
        assert stale_months(), "the change marked no month"
        assert_trend_is_exact()  # stale months are counted from the records
        assert trends() != before  # and the change shows at once
        statistics.rollup_refresh()
        assert not StaleMonth.objects.exists()
        with CaptureQueriesContext(connection) as queries:
            statistics.trend(WINDOW)
        assert record_tables_read(queries.captured_queries) == []
        assert_trend_is_exact()


def test_an_unrelated_update_marks_nothing(rolled_up):
    march, _april = rolled_up
    CounsellingSession.objects.filter(case=march).update(version=7)
    Case.objects.filter(pk=march.pk).update(version=9, presenting_concerns="失眠")
    assert not StaleMonth.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_change_committed_while_a_refresh_counts_keeps_its_month_stale(records, monkeypatch):
    """A session logged and committed by another connection after the refresh read the marks
    (here: while it counts): the refresh stores what it counted, but the new mark survives it, so
    the trend still counts March from the records and the next refresh counts it in."""
    march, _april = records
    provider = statistics.providers()["counselling"]
    original = provider.monthly_by_site

    def counting_while_someone_writes(**bounds):
        counts = original(**bounds)

        def log_a_session():
            session(march.counsellor, march, at(2026, 3, 25))
            connections.close_all()

        writer = threading.Thread(target=log_a_session)
        writer.start()
        writer.join()
        return counts

    monkeypatch.setattr(provider, "monthly_by_site", counting_while_someone_writes)
    with time_machine.travel(NOW, tick=False):
        statistics.rollup_refresh()
        monkeypatch.setattr(provider, "monthly_by_site", original)
        assert stale_months() == {"2026-03"}
        assert statistics.trend(WINDOW)["2026-03"]["visits"] == 2
        assert_trend_is_exact()
        statistics.rollup_refresh()
        assert not StaleMonth.objects.exists()
        assert statistics.trend(WINDOW)["2026-03"]["visits"] == 2


def test_the_beat_refreshes_the_roll_up_every_five_minutes(db):
    from django.conf import settings
    from django_celery_beat.models import PeriodicTask

    entry = PeriodicTask.objects.get(task="centre.tasks.refresh_statistics")
    assert (entry.interval.every, entry.interval.period) == (5, "minutes")
    # The queue comes from the routes alone, never from the beat entry.
    assert entry.queue is None
    assert settings.CELERY_TASK_ROUTES[entry.task] == {"queue": "stats"}


def test_a_real_worker_refreshes_the_roll_up_on_the_stats_queue(celery_worker, records):
    from centre.tasks import refresh_statistics

    refresh_statistics.delay()
    months = statistics.rollup_horizon().months()
    wait_for(lambda: RolledUpMonth.objects.count() == len(registry.providers()) * len(months))
    assert MonthlyFigure.objects.filter(figure="visits").exists()
    assert timezone.localdate().replace(day=1) in set(
        RolledUpMonth.objects.values_list("month", flat=True)
    )


def test_the_roll_up_keeps_every_month_since_the_centre_opened(settings):
    settings.CENTRE_OPENED_MONTH = "2024-03"
    with time_machine.travel(NOW, tick=False):
        horizon = statistics.rollup_horizon()
    assert (horizon.first, horizon.last) == (datetime.date(2024, 3, 1), datetime.date(2026, 6, 1))
    settings.CENTRE_OPENED_MONTH = "2026-05"  # a young centre still keeps a year for the trend
    with time_machine.travel(NOW, tick=False):
        assert statistics.rollup_horizon().first == datetime.date(2025, 7, 1)


def test_a_windows_figures_read_the_roll_up_and_agree_with_the_records(rolled_up):
    window = statistics.Window.parse("2026-01", "2026-06")
    with time_machine.travel(NOW, tick=False):
        with CaptureQueriesContext(connection) as queries:
            rolled = statistics.figures(window)
        with from_the_records_alone():
            assert rolled == statistics.figures(window)
    assert not [sql for sql in record_tables_read(queries.captured_queries) if "session" in sql]
    assert (rolled["visits"], rolled["treatments"], rolled["new_cases"]) == (3, 2, 2)
