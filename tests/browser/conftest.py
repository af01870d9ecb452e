"""Headless Debian Chromium driven by Playwright; never a downloaded browser."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from tests.support.accounts import DEMO_PASSWORD
from tests.support.browser import sign_in_with_code

CHROMIUM = "/usr/bin/chromium"
# This machine has no route to the internet: keep Chromium from trying.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (.ci/run does).")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def phone_page(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 390, "height": 844}, is_mobile=True
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def english(live_server):
    """Switch a page to English (the portal's default is Chinese)."""

    def switch(page) -> None:
        page.context.add_cookies(
            [{"name": "portal_language", "value": "en", "url": live_server.url}]
        )

    return switch


@pytest.fixture
def sign_in(transactional_db):
    """Sign a page in as a demo account, through the login form and the second step with a
    real code from the account's authenticator (the demo network is there: tests/conftest.py
    seeds it again after every test that flushed it)."""

    def sign_in_as(page, username: str) -> None:
        page.goto("/login/")
        sign_in_with_code(page, username, DEMO_PASSWORD)

    return sign_in_as


@pytest.fixture
def demo_records(transactional_db):
    """The demo's cases, follow-ups and screened rosters, committed for the live server."""
    from counselling import demo as counselling_demo
    from screening import demo as screening_demo

    counselling_demo.seed(password=None, log=lambda message: None)
    screening_demo.seed(password=None, log=lambda message: None)
