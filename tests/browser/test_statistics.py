"""The statistics page in headless Chromium: figures, charts drawn without any outside request,
a printable layout."""

from __future__ import annotations

import pytest

from tests.support.browser import BROWSER_DB, screenshot

pytestmark = [pytest.mark.browser, BROWSER_DB]


def test_the_statistics_administrator_reads_the_figures_and_charts(page, sign_in, live_server):
    from counselling import demo as counselling_demo
    from screening import demo as screening_demo

    sign_in(page, "stats")
    counselling_demo.seed(password=None, log=lambda message: None)
    screening_demo.seed(password=None, log=lambda message: None)
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto("/statistics/")
    assert page.locator("#figures dd").count() == 13
    assert page.locator(".chart svg rect").count() == 48  # 4 charts x 12 months
    assert all(url.startswith(live_server.url) for url in requests), requests
    page.emulate_media(media="print")
    assert not page.locator("#statistics-filters").is_visible()
    screenshot(page, "statistics-print")
