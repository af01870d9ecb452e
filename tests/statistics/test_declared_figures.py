"""A new app adds its figures and its messages by declaring them on its AppConfig: the test app
`tests.support.figures_app` (which `centre` never names) declares "talks held", and the figure
shows with its label — in Chinese by default, in English on request — on the statistics page
(headline, since opening, the trend, per site), in its XLSX export and in the monthly report."""

from __future__ import annotations

import datetime
from io import BytesIO

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from django.test import modify_settings
from openpyxl import load_workbook

from centre import reminders, statistics
from centre.models import MonthlyReport
from centre.monthly_report import monthly_report_build
from tests.support.accounts import DEMO_PASSWORD
from tests.support.clock import at
from tests.support.figures_app import statistics as talks

LABELS = {"zh-hans": "举办讲座场次", "en": "Talks held"}
WITH_THE_APP = modify_settings(INSTALLED_APPS={"append": "tests.support.figures_app"})


@pytest.fixture
def talks_app(demo_network, monkeypatch):
    monkeypatch.setattr(talks, "TALKS_A_MONTH", {"K01": 7, "K02": 6, "K03": 5})
    with WITH_THE_APP:
        yield


def reading(client, language: str):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def sheet_rows(content: bytes) -> dict:
    sheet = load_workbook(BytesIO(content)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    # Only the trailing empty cells go: an empty cell inside a row (a share of nothing) keeps
    # the columns after it in their place.
    return {row[0]: _trimmed(row[1:]) for row in rows if row[0]}


def _trimmed(cells: list) -> list:
    while cells and cells[-1] is None:
        cells = cells[:-1]
    return cells


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_page_shows_a_declared_figure_with_its_label(client, talks_app, language):
    assert client.login(username="stats", password=DEMO_PASSWORD)
    with time_machine.travel(at(2026, 5, 2), tick=False):
        html = (
            reading(client, language).get("/statistics/", {"from": "2026-04", "to": "2026-04"}).text
        )
    label = LABELS[language]
    headline = html.split('id="figures"')[1].split("</dl>")[0]
    assert f"<dt>{label}</dt><dd>18</dd>" in headline  # 7 + 6 + 5 in April
    since = html.split('id="since-opening"')[1].split("</dl>")[0]
    assert f"<dt>{label}</dt>" in since
    charts = html.split('<div class="charts">')[1].split("</div>")[0]
    assert f"<figcaption>{label}</figcaption>" in charts
    assert "04: 18" in charts.split(f"<figcaption>{label}</figcaption>")[1]
    per_site = html.split('id="per-site"')[1].split("</table>")[0]
    assert f"<th>{label}</th>" in per_site
    assert per_site.count("<td>7</td>") == 1
    assert per_site.count("<td>6</td>") >= 1


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_export_shows_a_declared_figure_with_its_label(client, talks_app, language):
    assert client.login(username="stats", password=DEMO_PASSWORD)
    with time_machine.travel(at(2026, 5, 2), tick=False):
        answer = reading(client, language).get(
            "/statistics/export.xlsx", {"from": "2026-03", "to": "2026-04"}
        )
    rows = sheet_rows(answer.content)
    label = LABELS[language]
    assert rows[label] == [36]  # two months at 18
    month = {"zh-hans": "月份", "en": "Month"}[language]
    header = rows[month]
    assert rows["2026-04"][header.index(label)] == 18
    assert "talks" not in rows  # labels, not keys
    assert "visits" not in rows
    visits = {"zh-hans": "咨询人次", "en": "Visits"}[language]
    assert visits in rows


def test_the_monthly_report_shows_a_declared_figure_in_the_readers_language(client, talks_app):
    with time_machine.travel(at(2026, 5, 1, 6), tick=False):
        report = monthly_report_build()
    assert client.login(username="stats", password=DEMO_PASSWORD)
    for language, label in LABELS.items():
        answer = reading(client, language).get(f"/statistics/reports/{report.pk}.xlsx")
        rows = sheet_rows(answer.content)
        assert rows[label] == [18], language
        referrals = {"zh-hans": "各状态转介：已创建", "en": "Referrals by state: Created"}
        assert referrals[language] in rows  # a breakdown's part is labelled too
        assert not any(isinstance(name, str) and "." in name for name in rows)  # no key left


def test_a_declared_message_template_renders_in_the_recipients_language(talks_app):
    for language, title in (("zh-hans", "已安排一场讲座"), ("en", "A talk is planned")):
        message = reminders.render(
            template="talk_planned", params={}, language=language, channel="inbox"
        )
        assert message.title == title


def test_without_the_app_its_figure_and_template_are_gone(demo_network):
    with WITH_THE_APP:
        assert "talks" in {figure.name for figure in statistics.declared_figures()}
    assert "talks" not in {figure.name for figure in statistics.declared_figures()}
    with pytest.raises(LookupError):
        reminders.message_template("talk_planned")


def test_the_roll_up_stores_a_declared_providers_months(talks_app):
    with time_machine.travel(at(2026, 5, 2), tick=False):
        statistics.rollup_refresh()
        april = statistics.trend(statistics.Window.parse("2026-04", "2026-04"))
    assert april["2026-04"]["talks"] == 18
    from centre.models import MonthlyFigure

    stored = MonthlyFigure.objects.filter(provider="figures_app", month=datetime.date(2026, 4, 1))
    assert sum(stored.values_list("value", flat=True)) == 18


def test_every_declaration_resolves(talks_app):
    call_command("check", "--fail-level", "ERROR")
    assert not MonthlyReport.objects.exists()


def test_a_declaration_that_does_not_resolve_fails_the_system_check(talks_app, monkeypatch):
    from django.apps import apps

    from centre.declaration_checks import check_declarations
    from centre.declarations import declared
    from centre.statistics.registry import Figure, Kind

    config = apps.get_app_config("figures_app")
    monkeypatch.setattr(config, "message_templates", {"talk_planned": "tests.support.nowhere.x"})
    twice = Figure("visits", "Visits again", Kind.SUMMED)  # counselling's name, and not monthly
    monkeypatch.setattr(talks, "FIGURES", (*talks.FIGURES, twice))
    declared.cache_clear()
    try:
        errors = [error.msg for error in check_declarations()]
    finally:
        declared.cache_clear()
    assert any("message template 'talk_planned'" in error for error in errors), errors
    assert any("'visits' is declared twice" in error for error in errors), errors
    assert any("'visits' is summed but not monthly" in error for error in errors), errors


def test_a_stored_report_that_is_no_workbook_is_given_as_stored(client, demo_network):
    from django.core.files.base import ContentFile

    report = MonthlyReport(month=datetime.date(2026, 4, 1))
    report.file.save("report-2026-04.xlsx", ContentFile(b"PK\x03\x04"), save=True)
    assert client.login(username="stats", password=DEMO_PASSWORD)
    answer = client.get(f"/statistics/reports/{report.pk}.xlsx")
    assert (answer.status_code, answer.content) == (200, b"PK\x03\x04")
