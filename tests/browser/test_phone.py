"""The main pages on a phone (390 px), in Chinese and English, on the demo records: the top bar
is one row that leaves the page its room (the rest folds into the menu), nothing is wider than
the screen but a table inside its own scrolling box, and no table cell stands one character a
line (a school's name did). Screenshots land in test-artifacts/."""

from __future__ import annotations

import pytest

from tests.support.browser import BROWSER_DB, screenshot

pytestmark = [pytest.mark.browser, BROWSER_DB]

WIDTH = 390
PAGES = {
    "counsellor": ["/", "/counselling/", "/counselling/intake/", "/screening/board/"],
    "liaison": ["/screening/", "/screening/board/"],
    "supervisor": ["/counselling/conferences/", "/statistics/"],
    "stats": ["/statistics/"],
    "auditor": ["/audit/"],
}

# Cells of four characters or more that wrap to fewer than three characters a line.
NARROW_CELLS = """() => [...document.querySelectorAll("main td")].map((cell) => {
  const text = cell.innerText.trim();
  const tops = [];
  const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const range = document.createRange();
    range.selectNodeContents(node);
    for (const box of range.getClientRects()) tops.push(box.top);
  }
  tops.sort((a, b) => a - b);
  // Lines: text boxes whose tops lie more than half a line apart.
  const half = parseFloat(getComputedStyle(cell).fontSize) / 2;
  const lines = tops.filter((top, index) => index === 0 || top - tops[index - 1] > half).length;
  return { text, lines };
}).filter((cell) => cell.text.length >= 4 && cell.lines && cell.text.length / cell.lines < 3)"""


def box(page, selector: str) -> dict:
    return page.locator(selector).first.bounding_box()


def overlaps(a: dict, b: dict) -> bool:
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_main_pages_fit_a_phone(browser, live_server, sign_in, demo_records, language):
    for username, urls in PAGES.items():
        context = browser.new_context(
            base_url=live_server.url,
            viewport={"width": WIDTH, "height": 844},
            is_mobile=True,
            locale="zh-CN" if language == "zh-hans" else "en-US",
        )
        context.add_cookies(
            [{"name": "portal_language", "value": language, "url": live_server.url}]
        )
        page = context.new_page()
        page.set_default_timeout(15_000)
        sign_in(page, username)
        for url in urls:
            page.goto(url)
            name = f"phone-{language}-{username}-{url.strip('/').replace('/', '-') or 'home'}"
            screenshot(page, name)
            # Nothing wider than the screen: a wide table scrolls inside its own box.
            assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH, name
            # One row of top bar: the portal's name, the inbox and the menu button, side by side
            # and on the screen; the page starts right below it.
            topbar = box(page, ".topbar")
            assert topbar["height"] <= 72, name
            brand, inbox, menu = (
                box(page, ".brand"),
                box(page, ".inbox-link"),
                box(page, ".menu-button"),
            )
            for one, other in ((brand, inbox), (brand, menu), (inbox, menu)):
                assert not overlaps(one, other), name
            assert menu["x"] + menu["width"] <= WIDTH, name
            assert box(page, "main h1")["y"] >= topbar["y"] + topbar["height"], name
            assert page.evaluate(NARROW_CELLS) == [], name
        # The folded tools are a tap away: the menu opens the navigation, the language switch
        # and "Sign out", all on the screen.
        page.locator(".menu-button").click()
        for selector in ("#main-navigation", "#language-select", "form[action='/logout/'] button"):
            found = page.locator(selector).first
            assert found.is_visible(), selector
            assert box(page, selector)["x"] + box(page, selector)["width"] <= WIDTH, selector
        screenshot(page, f"phone-{language}-{username}-menu")
        context.close()


def test_signed_out_the_language_switch_stays_in_the_top_bar(phone_page):
    phone_page.goto("/login/")
    assert phone_page.locator("#language-select").is_visible()
    # Two rows at most: the portal's name, then the switch (nothing else is in the bar).
    assert box(phone_page, ".topbar")["height"] <= 96
