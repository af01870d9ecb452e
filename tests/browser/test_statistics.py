"""The statistics page in headless Chromium: figures, charts drawn without any outside request,
a printable layout."""

from __future__ import annotations

import pytest

from tests.support.browser import BROWSER_DB, screenshot

pytestmark = [pytest.mark.browser, BROWSER_DB]


def test_the_statistics_administrator_reads_the_figures_and_charts(page, sign_in, live_server):
    from centre.statistics.registry import Placement, declared_figures
    from counselling import demo as counselling_demo
    from screening import demo as screening_demo

    sign_in(page, "stats")
    counselling_demo.seed(password=None, log=lambda message: None)
    screening_demo.seed(password=None, log=lambda message: None)
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto("/statistics/")
    headline = [f for f in declared_figures() if Placement.HEADLINE in f.placements]
    assert page.locator("#figures dd").count() == len(headline)
    trend = [f for f in declared_figures() if Placement.TREND in f.placements]
    assert page.locator(".chart svg rect").count() == 12 * len(trend)  # a chart per figure
    assert all(url.startswith(live_server.url) for url in requests), requests
    page.emulate_media(media="print")
    assert not page.locator("#statistics-filters").is_visible()
    screenshot(page, "statistics-print")


def test_the_export_is_downloaded_and_opens_as_the_commission_reads_it(
    page, phone_page, sign_in, live_server, english
):
    from io import BytesIO

    from openpyxl import load_workbook

    from counselling import demo as counselling_demo

    counselling_demo.seed(password=None, log=lambda message: None)
    for language, names in (
        ("zh-hans", ["全市", "按机构", "按学校"]),
        ("en", ["Whole network", "Per site", "Per school"]),
    ):
        if language == "en":
            english(page)
        sign_in(page, "stats")
        page.goto("/statistics/?from=2026-01&to=2026-06")
        assert page.locator(".chart").first.locator("rect").count() == 6  # the window's months
        assert page.locator(".chart").first.locator("text.value").count() == 6  # values shown
        with page.expect_download() as download:
            page.click("#export-link")
        path = download.value.path()
        assert download.value.suggested_filename == "statistics-2026-01-2026-06-network.xlsx"
        book = load_workbook(BytesIO(open(path, "rb").read()))  # noqa: SIM115
        assert book.sheetnames == names
        for sheet in book.worksheets:
            rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
            assert rows[1][1] == names[0]  # the site, on every sheet
            assert rows[2][1] == "2026-01 – 2026-06"  # the window, on every sheet
        labels = [row[0].value for row in book.worksheets[0].iter_rows()]
        assert ("咨询人次" if language == "zh-hans" else "Visits") in labels
        assert "visits" not in labels
        page.context.clear_cookies()
    page.emulate_media(media="print")
    english(page)
    sign_in(page, "stats")
    page.goto("/statistics/?from=2026-01&to=2026-06")
    page.emulate_media(media="print")
    assert page.locator(".chart text.value").first.is_visible()  # printed with the bars
    assert not page.locator("#report-build").is_visible()
    screenshot(page, "statistics-window-print")
    sign_in(phone_page, "stats")
    phone_page.goto("/statistics/")
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width  # nothing wider than the phone (tables scroll in their box)
    screenshot(phone_page, "statistics-phone")
