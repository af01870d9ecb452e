"""The online self-assessment's figures (issue 16): `online_assessments`, the sessions
submitted in the window (by the day submitted), and `online_completion`, the codes submitted
over the codes issued for the classes opened online in the window — per site and per school, in
the page, the trend and the export, exact with the roll-up whatever changes, and only for the
statistics' readers.

The records: two schools at two sites, three classes opened online over March and April 2026.

    class                      opened (Shanghai)   codes  submitted
    SCH-0101 1班 (K01-S001)    03-31 22:00           4    2 on 03-31, 1 on 04-01
    SCH-0201 1班 (K02-S001)    04-15 09:00           5    2 on 04-15 (a third started only)
    SCH-0101 2班 (K01-S001)    04-20 10:00           2    none
"""

from __future__ import annotations

import datetime
from dataclasses import replace
from io import BytesIO

import pytest
import time_machine
from openpyxl import load_workbook

from centre import statistics
from centre.models import School, Site, StaleMonth
from centre.statistics import rollup
from screening import online_questions, services
from screening.models import (
    Campaign,
    ConsentBasis,
    OnlineCode,
    OnlineSession,
    OnlineWindow,
    Student,
)
from tests.support.accounts import sign_in
from tests.support.clock import at

MARCH = statistics.Window.parse("2026-03", "2026-03")
APRIL = statistics.Window.parse("2026-04", "2026-04")
BOTH = statistics.Window.parse("2026-03", "2026-04")
TREND = statistics.Window.parse("2025-06", "2026-05")  # the trend's 12 months on 2026-05-02
READ_AT = at(2026, 5, 2)


def open_class(campaign: Campaign, class_name: str, students: int, when: datetime.datetime):
    """Import `students` of the class and open it online at `when`: the codes, in order."""
    for number in range(students):
        Student.objects.create(
            school=campaign.school,
            student_no=f"{class_name}-{campaign.school.code}-{number}",
            full_name=f"学生{number}",
            grade="八年级",
            class_name=class_name,
            birth_date=datetime.date(2012, 5, 3),
        )
    with time_machine.travel(when, tick=False):
        _window, slips = services.online_open(
            actor=campaign.liaison, campaign=campaign, class_name=class_name
        )
        # every guardian's slip came back: under 14 the codes would not start without it
        services.consent_record_guardians(
            actor=campaign.liaison, campaign=campaign, students=[student for student, _ in slips]
        )
    return [code for _student, code in slips]


def answer(code: str, when: datetime.datetime, *, submit: bool = True) -> OnlineSession:
    """A student's every answer (the lowest choice), submitted at `when` unless told not to."""
    with time_machine.travel(when, tick=False):
        session = services.online_start(code=code)
        services.online_agree(session_id=session.pk)
        campaign = session.code.window.campaign
        for question in online_questions.questions(campaign.instruments):
            lowest = min(value for value, _label in question.choices)
            services.online_answer(session_id=session.pk, key=question.key, value=lowest)
        if submit:
            services.online_submit(session_id=session.pk)
    return session


@pytest.fixture
def online(campaign, account):
    """The table of the module docstring; the code of the session left unsubmitted."""
    campaign.consent_basis = ConsentBasis.BY_AGE
    campaign.save(update_fields=["consent_basis"])
    west = Campaign.objects.create(
        school=School.objects.get(code="SCH-0201"),
        name="2026 春季线上",
        instruments=["PHQ-A", "GAD-7"],
        opens_on=datetime.date(2026, 3, 1),
        closes_on=datetime.date(2026, 12, 31),
        liaison=account("liaison2"),
        consent_basis=ConsentBasis.GUARDIAN,
    )
    first = open_class(campaign, "1班", 4, at(2026, 3, 31, 22))
    answer(first[0], at(2026, 3, 31, 23))
    answer(first[1], at(2026, 3, 31, 23))
    answer(first[2], at(2026, 4, 1, 9))
    second = open_class(west, "1班", 5, at(2026, 4, 15, 9))
    answer(second[0], at(2026, 4, 15, 10))
    answer(second[1], at(2026, 4, 15, 10))
    answer(second[2], at(2026, 4, 15, 10), submit=False)
    open_class(campaign, "2班", 2, at(2026, 4, 20, 10))
    return second[2]


def online_figures(values: dict) -> tuple:
    return (values.get("online_assessments", 0), values["online_completion"])


def path_of(code: str) -> str:
    return Site.objects.get(code=code).path


def test_a_window_counts_submissions_by_day_and_completion_by_the_classes_opened(online):
    with time_machine.travel(READ_AT, tick=False):
        assert online_figures(statistics.figures(MARCH)) == (2, 0.75)  # 3 of March's 4 codes
        assert online_figures(statistics.figures(APRIL)) == (3, 0.286)  # 2 of 7
        assert online_figures(statistics.figures(BOTH)) == (5, 0.455)  # 5 of 11
        assert online_figures(statistics.figures(BOTH, site_path=path_of("K01"))) == (3, 0.5)
        assert online_figures(statistics.figures(BOTH, site_path=path_of("K02"))) == (2, 0.4)
        # No class opened: nothing to divide, the share is empty (not 0).
        assert online_figures(statistics.figures(BOTH, site_path=path_of("K03"))) == (0, None)
        assert statistics.figures(BOTH)["online_codes_issued"] == 11
        assert statistics.figures(BOTH)["online_codes_submitted"] == 5


def test_per_site_and_per_school_add_up_counts_and_divide_shares(online):
    with time_machine.travel(READ_AT, tick=False):
        sites = statistics.per_site(BOTH, Site.objects.filter(code__in=["K01", "K02", "K03"]))
        by_code = {site.code: sites[site.pk] for site in Site.objects.filter(pk__in=sites)}
        assert online_figures(by_code["K01"]) == (3, 0.5)
        assert online_figures(by_code["K02"]) == (2, 0.4)
        assert online_figures(by_code["K03"]) == (0, None)
        city = statistics.per_site(BOTH, [Site.objects.get(code="CITY")])
        assert online_figures(next(iter(city.values()))) == (5, 0.455)  # not 0.5 + 0.4
        schools = {row["school"]: row for row in statistics.per_school(BOTH)}
        assert online_figures(schools["东湖区实验中学"]) == (3, 0.5)
        assert online_figures(schools["西山县第一中学"]) == (2, 0.4)
        april = {row["school"]: row for row in statistics.per_school(APRIL)}
        assert online_figures(april["东湖区实验中学"]) == (1, 0.0)  # 2班 opened, nobody yet


def test_the_trend_gives_both_figures_month_by_month(online):
    with time_machine.travel(READ_AT, tick=False):
        trend = statistics.trend(TREND)
    assert online_figures(trend["2026-03"]) == (2, 0.75)
    assert online_figures(trend["2026-04"]) == (3, 0.286)
    assert online_figures(trend["2026-02"]) == (0, None)


def submit_the_started_session(code):
    answer(code, at(2026, 4, 15, 11))


def delete_a_class_with_its_codes(code):
    window = OnlineWindow.objects.get(campaign__school__code="SCH-0201")
    OnlineSession.objects.filter(code__window=window).delete()
    OnlineCode.objects.filter(window=window).delete()


def move_a_class_to_another_month(code):
    OnlineWindow.objects.filter(class_name="2班").update(opens_at=at(2026, 1, 20))


def move_a_submission_to_another_month(code):
    OnlineSession.objects.filter(submitted_at__gte=at(2026, 4, 1, 0)).update(
        submitted_at=at(2026, 2, 2)
    )


def move_a_campaign_to_another_school(code):
    Campaign.objects.filter(school__code="SCH-0201").update(
        school=School.objects.get(code="SCH-0301")
    )


def move_a_class_to_another_campaign(code):
    east = Campaign.objects.get(school__code="SCH-0101")
    OnlineWindow.objects.filter(campaign__school__code="SCH-0201").update(campaign=east)


def move_a_school_to_another_site(code):
    School.objects.filter(code="SCH-0101").update(site=Site.objects.get(code="K03-S001"))


@pytest.mark.parametrize(
    "change",
    [
        submit_the_started_session,
        delete_a_class_with_its_codes,
        move_a_class_to_another_month,
        move_a_submission_to_another_month,
        move_a_campaign_to_another_school,
        move_a_class_to_another_campaign,
        move_a_school_to_another_site,
    ],
)
def test_the_roll_up_stays_exact_whatever_changes(online, change):
    """Read from the roll-up (refreshed before and after the change) and counted from the
    records alone, every site's trend and window figures agree."""

    def every_view():
        views = []
        for code in (None, "CITY", "K01", "K02", "K03"):
            path = path_of(code) if code else None
            views += [
                statistics.trend(TREND, site_path=path),
                statistics.figures(BOTH, site_path=path),
            ]
        sites = Site.objects.filter(code__in=["K01", "K02", "K03"])
        return [*views, statistics.per_site(BOTH, sites), statistics.per_school(BOTH)]

    def counted():
        enabled = rollup.rollup_enabled
        rollup.rollup_enabled = lambda: False
        try:
            return every_view()
        finally:
            rollup.rollup_enabled = enabled

    with time_machine.travel(READ_AT, tick=False):
        statistics.rollup_refresh()
    before = every_view()
    change(online)
    assert StaleMonth.objects.filter(provider="screening").exists()  # the triggers saw it
    with time_machine.travel(READ_AT, tick=False):
        assert every_view() == counted()  # the stale months are counted from the records
        assert every_view() != before
        statistics.rollup_refresh()
        assert not StaleMonth.objects.exists()
        assert every_view() == counted()  # and the refreshed roll-up holds the change


@pytest.fixture
def chief(staff_at):
    """A supervisor of the whole network: clinical, so every figure is exact."""
    return staff_at("chief", "supervisor", "CITY")


SUBMITTED, COMPLETION = "在线自评提交份数", "在线自评完成率（占班级）"


def online_cells(html: str, table_id: str) -> dict[str, list[str]]:
    """Each row of a table of the page by its first cell: its two online cells."""
    import re

    body = html.split(f'id="{table_id}"')[1].split("</table>")[0]
    rows = re.findall(r"<tr>(.*?)</tr>", body, re.S)
    cells = [re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S) for row in rows]
    header = cells[0]
    columns = [header.index(SUBMITTED), header.index(COMPLETION)]
    return {row[0]: [row[column] for column in columns] for row in cells[1:]}


def test_the_page_shows_both_figures_per_site_per_school_in_the_trend_and_explains_them(
    client, online, chief
):
    sign_in(client, "chief", language="zh-hans")
    with time_machine.travel(READ_AT, tick=False):
        html = client.get("/statistics/", {"from": "2026-03", "to": "2026-04"}).text
    sites = online_cells(html, "per-site")
    assert sites["东湖区心理健康服务中心"] == ["3", "50%"]
    assert sites["西山县心理健康服务中心"] == ["2", "40%"]
    assert sites["南江县心理健康服务中心"] == ["0", "—"]
    schools = online_cells(html, "per-school")
    assert schools["东湖区实验中学"] == ["3", "50%"]
    assert schools["西山县第一中学"] == ["2", "40%"]
    headline = html.split('id="figures"')[1].split("</dl>")[0]
    assert "<dt>在线自评完成率（占班级）</dt><dd>46%</dd>" in headline
    charts = html.split('<div class="charts">')[1].split("</div>")[0]
    share_chart = charts.split("<figcaption>在线自评完成率（占班级）</figcaption>")[1]
    share_chart = share_chart.split("</figure>")[0]
    assert "2026-03: 75%" in share_chart
    assert "2026-04: 29%" in share_chart
    count_chart = charts.split("<figcaption>在线自评提交份数</figcaption>")[1].split("</figure>")[0]
    assert "2026-03: 2" in count_chart
    assert "2026-04: 3" in count_chart
    definitions = html.split('id="definitions"')[1].split("</dl>")[0]
    assert "<dt>在线自评完成率（占班级）</dt>" in definitions
    assert "测评码" in definitions  # what it divides, in Chinese


def test_the_administrator_reads_the_network_exact_and_small_cells_masked(client, online):
    sign_in(client, "stats", language="zh-hans")
    with time_machine.travel(READ_AT, tick=False):
        html = client.get("/statistics/", {"from": "2026-03", "to": "2026-04"}).text
    headline = html.split('id="figures"')[1].split("</dl>")[0]
    assert "<dt>在线自评提交份数</dt><dd>5</dd>" in headline
    assert "<dt>在线自评完成率（占班级）</dt><dd>46%</dd>" in headline
    # Below the network a count under 5 reads "<5" and a share is withheld ("*").
    assert online_cells(html, "per-site")["东湖区心理健康服务中心"] == ["&lt;5", "*"]


def test_the_export_has_the_columns_in_every_sheet(client, online, chief):
    sign_in(client, "chief", language="zh-hans")
    with time_machine.travel(READ_AT, tick=False):
        answer = client.get("/statistics/export.xlsx", {"from": "2026-03", "to": "2026-04"})
    assert answer.status_code == 200
    book = load_workbook(BytesIO(answer.content))
    sheets = {
        sheet.title: [[cell.value for cell in row] for row in sheet.iter_rows()]
        for sheet in book.worksheets
    }
    network, per_site, per_school = sheets.values()
    totals = {row[0]: row[1] for row in network if row[0]}
    assert totals[SUBMITTED] == 5
    assert totals[COMPLETION] == 0.455
    assert totals["在线自评发放测评码数（本期开放线上测评的班级）"] == 11
    assert totals["其中已提交的测评码数"] == 5
    months = next(index for index, row in enumerate(network) if row[0] == "月份")
    header = network[months]
    by_month = {row[0]: row for row in network[months + 1 :]}
    completion = header.index(COMPLETION)
    assert by_month["2026-03"][header.index(SUBMITTED)] == 2
    assert by_month["2026-03"][completion] == 0.75
    assert by_month["2026-04"][completion] == 0.286
    site_header = per_site[4]
    rows = {row[1]: row for row in per_site[5:]}
    assert rows["K01"][site_header.index(SUBMITTED)] == 3
    assert rows["K01"][site_header.index(COMPLETION)] == 0.5
    assert rows["K03"][site_header.index(COMPLETION)] is None
    school_header = per_school[4]
    schools = {row[0]: row for row in per_school[5:]}
    assert schools["西山县第一中学"][school_header.index(SUBMITTED)] == 2
    assert schools["西山县第一中学"][school_header.index(COMPLETION)] == 0.4


@pytest.mark.parametrize("username", ["counsellor", "liaison", "operator", "auditor", "admin"])
def test_other_roles_are_refused_the_page_and_the_export(client, online, username):
    """The statistics are a workspace, not a record: other roles get 403 (centre.permissions
    RoleRequiredMixin), with no figure in the answer."""
    sign_in(client, username, language="zh-hans")
    for path in ("/statistics/", "/statistics/export.xlsx"):
        answer = client.get(path, {"from": "2026-03", "to": "2026-04"})
        assert answer.status_code == 403, path
        assert "在线自评" not in answer.content.decode(), path
    sign_in(client, "stats")  # the same requests answer the statistics' readers
    for path in ("/statistics/", "/statistics/export.xlsx"):
        assert client.get(path, {"from": "2026-03", "to": "2026-04"}).status_code == 200, path


def test_a_supervisor_reads_their_own_site_subtree_only(client, online):
    sign_in(client, "supervisor", language="zh-hans")  # at K01
    with time_machine.travel(READ_AT, tick=False):
        html = client.get("/statistics/", {"from": "2026-03", "to": "2026-04", "site": "K02"}).text
    headline = html.split('id="figures"')[1].split("</dl>")[0]
    assert "<dt>在线自评提交份数</dt><dd>3</dd>" in headline  # K01's, not K02's 2
    schools = online_cells(html, "per-school")
    assert "东湖区实验中学" in schools
    assert "西山县第一中学" not in schools


def test_a_ratio_must_be_a_share_of_two_summed_figures_of_its_own_provider(db):
    from centre.statistics import registry

    assert registry.declaration_errors() == []
    wrong = statistics.Figure(
        "bad", "bad", statistics.Kind.COUNTED, ratio=("screened_students", "visits")
    )
    errors = registry._ratio_errors(replace(wrong, provider="screening"))
    assert errors == [
        "screening: 'bad' divides 'screened_students', not a summed figure of its own",
        "screening: 'bad' divides 'visits', not a summed figure of its own",
        "screening: 'bad' is a ratio but not a share",
    ]
