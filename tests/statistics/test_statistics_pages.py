"""The statistics administrator's page and export: a workbook a health commission takes as it
is (a sheet for the chosen scope, one of its sites and one of its schools, labelled in the
reader's language, each naming its site and window, masked as the page is, audited); charts that
print their values and follow the window; last month's report built on demand; clear messages
for a reversed window and a site out of reach."""

from __future__ import annotations

import datetime
import re
from io import BytesIO

import pytest
import time_machine
from django.conf import settings
from openpyxl import load_workbook

from centre import monthly_report
from centre.models import AuditEntry, MonthlyReport
from tests.support.accounts import sign_in, switch_to
from tests.support.clock import at
from tests.support.worker import wait_for

SHEETS = {
    "zh-hans": {"network": "全市", "sites": "按机构", "schools": "按学校", "site": "机构"},
    "en": {
        "network": "Whole network",
        "sites": "Per site",
        "schools": "Per school",
        "site": "Site",
    },
}


def workbook(client, params: dict, language: str = "zh-hans"):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    with time_machine.travel(at(2026, 5, 2), tick=False):
        answer = client.get("/statistics/export.xlsx", params)
    assert answer.status_code == 200
    book = load_workbook(BytesIO(answer.content))
    return {
        sheet.title: [[cell.value for cell in row] for row in sheet.iter_rows()]
        for sheet in book.worksheets
    }


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_export_has_a_sheet_for_the_network_its_sites_and_schools(client, records, language):
    sign_in(client, "stats")
    sheets = workbook(client, {"from": "2026-03", "to": "2026-04"}, language)
    names = SHEETS[language]
    assert list(sheets) == [names["network"], names["sites"], names["schools"]]
    window = {"zh-hans": "时间", "en": "Window"}[language]
    for title, rows in sheets.items():
        assert rows[0][0] in (title, names["network"]), title
        assert rows[1][:2] == [names["site"], names["network"]], title  # the site, named
        assert rows[2][:2] == [window, "2026-03 – 2026-04"], title  # and the window
    totals = {row[0]: row[1] for row in sheets[names["network"]] if row[0]}
    visits = {"zh-hans": "咨询人次", "en": "Visits"}[language]
    assert totals[visits] == 3  # labelled figures, exact for the network
    assert "visits" not in totals
    sites = sheets[names["sites"]]
    header = sites[4]
    assert header[:2] == [names["site"], {"zh-hans": "代码", "en": "Code"}[language]]
    assert visits in header
    codes = [row[1] for row in sites[5:]]
    assert codes == ["K01", "K02", "K03"]
    schools = sheets[names["schools"]]
    by_school = {row[0]: row[1:] for row in schools[5:]}
    assert by_school["东湖区实验中学"][0] == "<5"  # 3 students: masked for the administrator


def test_a_chosen_site_is_named_on_every_sheet_and_masked(client, records):
    sign_in(client, "stats")
    sheets = workbook(client, {"from": "2026-04", "to": "2026-04", "site": "K01"})
    assert list(sheets) == ["K01", "按机构", "按学校"]
    for rows in sheets.values():
        assert rows[1][:2] == ["机构", "东湖区心理健康服务中心 (K01)"]
        assert rows[2][:2] == ["时间", "2026-04"]
    totals = {row[0]: row[1] for row in sheets["K01"] if row[0]}
    assert totals["咨询人次"] == "<5"  # below the network, small counts hidden
    switch_to(client, "supervisor")  # a clinical reader of K01 sees them exact
    sheets = workbook(client, {"from": "2026-04", "to": "2026-04", "site": "K01"})
    totals = {row[0]: row[1] for row in sheets["K01"] if row[0]}
    assert totals["咨询人次"] == 2
    export = AuditEntry.objects.filter(action="centre.statistics.exported").latest("id")
    assert export.data == {"file": "statistics-2026-04-2026-04-K01.xlsx"}


def test_the_charts_print_their_values_and_follow_the_window(client, records):
    sign_in(client, "supervisor")
    with time_machine.travel(at(2026, 5, 2), tick=False):
        page = client.get("/statistics/", {"from": "2026-01", "to": "2026-06"}).text
        single = client.get("/statistics/", {"from": "2026-04", "to": "2026-04"}).text
    charts = page.split('class="charts"')[1].split('<section class="card">')[0]
    assert "逐月（2026-01 – 2026-06）" in page
    first = charts.split("<figcaption>咨询人次</figcaption>")[1].split("</figure>")[0]
    assert first.count("<rect") == 6  # one bar a month of the window
    values = re.findall(r'<text class="value"[^>]*>([^<]*)</text>', first)
    assert values == ["0", "0", "1", "2", "0", "0"]  # visits: March 1, April 2 (K01)
    assert "逐月（2025-05 – 2026-04）" in single  # a one-month window: the 12 months to it
    assert single.split('class="charts"')[1].split("</figure>")[0].count("<rect") == 12


def test_a_reversed_window_says_so_and_is_shown_the_right_way_round(client, records):
    sign_in(client, "stats")
    with time_machine.travel(at(2026, 5, 2), tick=False):
        answer = client.get("/statistics/", {"from": "2026-04", "to": "2026-03"})
        nonsense = client.get("/statistics/", {"from": "2026-13", "to": "1-01"})
    assert answer.status_code == 200
    assert "结束月份（2026-03）早于起始月份（2026-04）：已显示 2026-03 – 2026-04。" in answer.text
    assert "2026-03 – 2026-04</h1>" in answer.text
    assert nonsense.status_code == 200
    assert "现显示本月" in nonsense.text


def test_a_supervisor_asking_for_another_site_is_told(client, records):
    sign_in(client, "supervisor")
    answer = client.get("/statistics/", {"site": "K02", "from": "2026-04", "to": "2026-04"})
    assert answer.status_code == 200
    assert "“K02”不在其中" in answer.text
    assert "东湖区心理健康服务中心" in answer.text.split("<h1>")[1].split("</h1>")[0]
    # The export is refused on its own answer (no file, never K02's), the reason on the page;
    # no message waits for a later page.
    export = client.get("/statistics/export.xlsx", {"site": "K02"})
    assert export.status_code == 400
    assert "Content-Disposition" not in export
    assert "“K02”不在其中" in export.text
    assert "“K02”不在其中" not in client.get("/counselling/").text
    assert "“K02”不在其中" not in client.get("/statistics/").text
    own = client.get("/statistics/export.xlsx")
    assert own.status_code == 200  # their own site's export
    assert "K01" in own["Content-Disposition"]
    switch_to(client, "stats")
    unknown = client.get("/statistics/", {"site": "NOPE"})
    assert "没有代码为“NOPE”的机构" in unknown.text


@pytest.mark.parametrize(
    "username", ["counsellor", "supervisor", "liaison", "operator", "crisis", "auditor", "admin"]
)
def test_only_statistics_administrators_build_a_report(client, demo_network, username):
    sign_in(client, username)
    assert client.post("/statistics/reports/build/").status_code == 403
    assert not AuditEntry.objects.filter(action="centre.monthly_report.requested").exists()


def test_building_on_demand_is_queued_once_and_shows_its_progress(
    client, records, django_capture_on_commit_callbacks
):
    sign_in(client, "stats")
    with time_machine.travel(at(2026, 5, 20), tick=False):
        page = client.get("/statistics/").text
        assert "立即生成 2026-04 的报表" in page
        with django_capture_on_commit_callbacks(execute=False) as queued:
            assert client.post("/statistics/reports/build/").status_code == 302
            client.post("/statistics/reports/build/")  # pressed twice: still one build
        assert len(queued) == 1
        page = client.get("/statistics/").text
        assert "正在生成 2026-04 的报表" in page
        assert '<meta http-equiv="refresh"' in page  # the page looks again
        assert AuditEntry.objects.filter(action="centre.monthly_report.requested").count() == 1
        monthly_report.monthly_report_failed(monthly_report.last_month())
        page = client.get("/statistics/").text
        assert "报表生成中断" in page
        assert "立即生成 2026-04 的报表" in page  # offered again
        assert '<meta http-equiv="refresh"' not in page
    from django.core.cache import cache

    cache.clear()


def test_the_report_is_built_by_the_worker_and_listed(client, celery_worker, account, k01):
    sign_in(client, "stats")
    month = monthly_report.last_month()
    answer = client.post("/statistics/reports/build/", follow=True)
    assert f"正在生成 {month:%Y-%m} 的报表" in answer.text
    wait_for(lambda: MonthlyReport.objects.filter(month=month).exists(), timeout=60)
    page = client.get("/statistics/").text
    reports = page.split('id="reports"')[1].split("</ul>")[0]
    assert f"{month:%Y-%m}" in reports
    assert "立即生成" not in page
    again = client.post("/statistics/reports/build/", follow=True)
    assert "的报表已经生成" in again.text
    assert MonthlyReport.objects.filter(month=month).count() == 1


def test_a_refused_export_tells_why_on_its_own_answer_not_on_a_later_page(client, records):
    sign_in(client, "stats")
    with time_machine.travel(at(2026, 5, 2), tick=False):
        refused = client.get("/statistics/export.xlsx", {"from": "2026-13", "to": "2026-04"})
        assert refused.status_code == 400
        assert "Content-Disposition" not in refused
        assert "现显示本月" in refused.text
        assert not AuditEntry.objects.filter(action="centre.statistics.exported").exists()
        later = client.get("/statistics/")
        assert later.status_code == 200
        assert "现显示本月" not in later.text


def test_a_build_whose_worker_died_is_offered_again_after_its_time_limit(
    client, records, django_capture_on_commit_callbacks
):
    """Issue 13: a worker killed mid-build runs no failure hook; its progress said "building"
    for the cache's hour. Past the task's hard limit since its last step it is shown as
    stopped, and the button queues it again (once)."""
    from django.core.cache import cache

    from centre.tasks import MONTHLY_REPORT_TIME_LIMIT

    sign_in(client, "stats")
    start = at(2026, 5, 20, 9)
    try:
        with time_machine.travel(start, tick=False):
            with django_capture_on_commit_callbacks(execute=False) as queued:
                assert client.post("/statistics/reports/build/").status_code == 302
            assert len(queued) == 1
            month = monthly_report.last_month()
            # The worker took the build, counted, then was killed (no hook, no more steps).
            monthly_report._set_progress(month, "building", 1)
        limit = MONTHLY_REPORT_TIME_LIMIT
        with time_machine.travel(start + datetime.timedelta(seconds=limit - 1), tick=False):
            page = client.get("/statistics/").text
            assert "正在生成 2026-04 的报表" in page  # it may still be counting
            with django_capture_on_commit_callbacks(execute=False) as queued:
                client.post("/statistics/reports/build/")
            assert not queued
        with time_machine.travel(start + datetime.timedelta(seconds=limit + 61), tick=False):
            page = client.get("/statistics/").text
            assert "报表生成中断" in page
            assert "立即生成 2026-04 的报表" in page
            assert '<meta http-equiv="refresh"' not in page
            with django_capture_on_commit_callbacks(execute=False) as queued:
                assert client.post("/statistics/reports/build/").status_code == 302
                client.post("/statistics/reports/build/")  # pressed twice: still one build
            assert len(queued) == 1
            page = client.get("/statistics/").text
            assert "正在生成 2026-04 的报表" in page
        assert AuditEntry.objects.filter(action="centre.monthly_report.requested").count() == 2
        # A queued build nobody took (its message lost) is stale after two builds' time.
        lost = start + datetime.timedelta(seconds=limit + 61 + 2 * (limit + 60) + 1)
        with time_machine.travel(lost):
            assert monthly_report.monthly_report_progress(month)["state"] == "failed"
    finally:
        cache.clear()
