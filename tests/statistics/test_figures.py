"""The figures (README "Statistics"), exact on known records; flow figures of a window equal the
sum of its months; a site's figures are its subtree's; the command prints them as JSON."""

from __future__ import annotations

import datetime
import io
import json

import pytest
import time_machine
from django.core.management import CommandError, call_command

from centre import statistics
from centre.models import MonthlyReport, Notification, Reminder, Site
from centre.monthly_report import monthly_report_build
from counselling import services
from counselling.models import FollowUp
from screening.models import TrackingTask
from tests.support.accounts import sign_in
from tests.support.clock import at

FLOW = [
    "visits",
    "treatments",
    "new_cases",
    "closed_cases",
    "followups_due",
    "followups_done",
    "referrals",
    "crisis_flags",
]


def figures(first: str, last: str, site: str | None = None) -> dict:
    path = Site.objects.get(code=site).path if site else None
    return statistics.figures(statistics.Window.parse(first, last), site_path=path)


def test_the_figures_of_a_month_are_exact(records):
    with time_machine.travel(at(2026, 5, 1), tick=False):
        march, april = figures("2026-03", "2026-03"), figures("2026-04", "2026-04")
    assert (march["visits"], march["treatments"], march["new_cases"]) == (1, 0, 1)
    assert march["referrals"] == 1
    assert march["referrals_by_state"]["created"] == 1
    assert (april["visits"], april["treatments"]) == (2, 2)  # the no-show is not a visit
    assert (april["new_cases"], april["closed_cases"]) == (1, 1)
    assert april["active_cases"] == 1  # March's case is still open at April's end
    assert april["followups_due"] == 1  # closed on April 10: the 7-day follow-up falls on the 17th
    assert (april["screened_students"], april["flagged_students"], april["crisis_flags"]) == (
        3,
        1,
        1,
    )
    assert april["tiers"] == {"red": 0, "orange": 1, "yellow": 0, "blue": 0, "none": 2}


def test_follow_up_figures(records, alice):
    _, april = records
    plan = list(FollowUp.objects.filter(case=april).order_by("due_at"))
    assert plan[0].due_at.date() == datetime.date(2026, 4, 17)
    services.follow_up_record_outcome(
        actor=alice, follow_up=plan[0], expected_version=1, attended=True, outcome="好"
    )
    FollowUp.objects.filter(pk=plan[0].pk).update(done_at=at(2026, 4, 18))
    with time_machine.travel(at(2026, 6, 1), tick=False):
        april, may = figures("2026-04", "2026-04"), figures("2026-05", "2026-05")
    assert (april["followups_due"], april["followups_done"], april["followups_overdue"]) == (
        1,
        1,
        0,
    )
    assert (may["followups_due"], may["followups_overdue"]) == (1, 1)  # the 1-month one


def test_flow_figures_of_a_window_are_the_sum_of_its_months(records):
    with time_machine.travel(at(2026, 6, 15), tick=False):
        window = figures("2026-02", "2026-06")
        months = [figures(f"2026-{month:02d}", f"2026-{month:02d}") for month in range(2, 7)]
        trend = statistics.trend(statistics.Window.parse("2026-02", "2026-06"))
    for name in FLOW:
        assert window[name] == sum(month[name] for month in months), name
        assert [trend[f"2026-{m:02d}"].get(name, 0) for m in range(2, 7)] == [
            month[name] for month in months
        ], name


def test_a_site_counts_its_subtree_only(records):
    with time_machine.travel(at(2026, 5, 1), tick=False):
        k01, k02, city = (figures("2026-03", "2026-04", code) for code in ("K01", "K02", "CITY"))
    assert (k01["new_cases"], k02["new_cases"], city["new_cases"]) == (1, 1, 2)
    assert k02["screened_students"] == 0


def test_the_per_site_breakdown_equals_each_sites_own_figures(records):
    window = statistics.Window.parse("2026-03", "2026-04")
    sites = list(Site.objects.all())
    breakdown = statistics.per_site(window, sites)
    # Every count the providers give per site (small-count masking decides on them all).
    counted = [
        *(figure.name for figure in statistics.figures_at(statistics.Placement.PER_SITE)),
        "treatments", "closed_cases", "followups_due", "followups_done",
        "followups_overdue", "flagged_students", "crisis_flags",
    ]  # fmt: skip
    for site in sites:
        own = statistics.figures(window, site_path=site.path)
        assert {name: breakdown[site.pk].get(name, 0) for name in counted} == {
            name: own[name] for name in counted
        }, site.code
    assert breakdown[Site.objects.get(code="CITY").pk]["new_cases"] == 2


def test_the_crisis_task_share_within_its_sla(records):
    task = TrackingTask.objects.get(kind="crisis")
    TrackingTask.objects.filter(pk=task.pk).update(status="done", done_at=task.due_at)
    assert figures("2026-04", "2026-04")["crisis_tasks_within_sla"] == 1.0
    TrackingTask.objects.filter(pk=task.pk).update(
        done_at=task.due_at + datetime.timedelta(hours=1)
    )
    assert figures("2026-04", "2026-04")["crisis_tasks_within_sla"] == 0.0


def test_the_command_prints_one_json_object(records):
    output = io.StringIO()
    call_command("statistics", "--from", "2026-03", "--to", "2026-04", "--json", stdout=output)
    printed = json.loads(output.getvalue())
    assert set(printed) >= {
        "visits", "treatments", "new_cases", "active_cases", "closed_cases", "followups_due",
        "followups_done", "followups_overdue", "referrals", "referrals_by_state",
        "screened_students", "flagged_students", "tiers", "crisis_flags",
        "crisis_tasks_within_sla",
    }  # fmt: skip
    assert printed["visits"] == 3
    output = io.StringIO()
    call_command("statistics", "--from", "2026-03", "--to", "2026-04", "--site", "K02", "--json",
                 stdout=output)  # fmt: skip
    assert json.loads(output.getvalue())["visits"] == 0
    with pytest.raises(CommandError):
        call_command("statistics", "--from", "2026-13", "--to", "2026-04")
    with pytest.raises(CommandError):
        call_command("statistics", "--from", "2026-03", "--to", "2026-04", "--site", "NOPE")


def test_small_counts_are_masked_for_non_clinical_readers():
    assert statistics.masked(3, clinical=False) == "<5"
    assert statistics.masked(0, clinical=False) == "<5"
    assert statistics.masked(5, clinical=False) == 5
    assert statistics.masked(3, clinical=True) == 3
    assert statistics.masked(7, clinical=False, hidden=True) == "*"  # withheld with a small one
    assert statistics.masked(7, clinical=True, hidden=True) == 7
    assert statistics.masked(0.5, clinical=False, hidden=True) == "*"  # a share below the network


def test_the_page_masks_school_breakdowns_for_the_statistics_administrator(client, records):
    sign_in(client, "stats")
    page = client.get("/statistics/", {"from": "2026-04", "to": "2026-04"})
    assert page.status_code == 200
    school_table = page.text.split('id="per-school"')[1].split("</table>")[0]
    assert "&lt;5" in school_table
    assert "学生1" not in page.text  # aggregates only, never names
    sign_in(client, "supervisor")
    page = client.get("/statistics/", {"from": "2026-04", "to": "2026-04"})
    school_table = page.text.split('id="per-school"')[1].split("</table>")[0]
    assert ">3<" in school_table


def test_a_supervisor_sees_their_own_site_only(client, records):
    sign_in(client, "supervisor")
    page = client.get("/statistics/", {"site": "K02", "from": "2026-04", "to": "2026-04"})
    assert "东湖区心理健康服务中心" in page.text.split("<h1>")[1].split("</h1>")[0]
    sign_in(client, "counsellor")
    assert client.get("/statistics/").status_code == 403


def test_the_export_neutralises_formulas(client, records):
    from io import BytesIO

    from openpyxl import load_workbook

    sign_in(client, "stats")
    response = client.get("/statistics/export.xlsx", {"from": "2026-03", "to": "2026-04"})
    sheet = load_workbook(BytesIO(response.content)).active
    rows = {row[0].value: row[1].value for row in sheet.iter_rows() if row[0].value}
    assert rows["咨询人次"] == 3  # labelled in the reader's language (zh-hans by default)
    assert rows["各级别筛查结果：二级 · 橙色"] == 1


def test_the_monthly_report_is_built_once_stored_and_announced(records, account):
    with time_machine.travel(at(2026, 5, 1, 6), tick=False):
        report = monthly_report_build()
        assert monthly_report_build() == report
    assert report.month == datetime.date(2026, 4, 1)
    assert MonthlyReport.objects.count() == 1
    assert report.file.read()[:2] == b"PK"
    reminder = Reminder.objects.get(template="monthly_report_ready")
    assert reminder.recipient == account("stats")
    assert not Notification.objects.exists()  # delivered by the outbox's worker
