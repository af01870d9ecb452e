from __future__ import annotations

import re

import pytest

from tests.support.accounts import DEMO_PASSWORD, sign_in, switch_to
from tests.support.queries import queries_per_page

# What each demo account finds in its navigation (beside Home), by URL.
NAVIGATION = {
    "counsellor": [
        "/counselling/today/",
        "/counselling/",
        "/screening/",
        "/screening/board/",
        "/api/v1/docs/",
    ],
    "counsellor2": [
        "/counselling/today/",
        "/counselling/",
        "/screening/",
        "/screening/board/",
        "/api/v1/docs/",
    ],
    "supervisor": [
        "/counselling/today/",
        "/counselling/",
        "/counselling/conferences/",
        "/screening/",
        "/screening/board/",
        "/hotline/",
        "/hotline/calls/",
        "/hotline/alerts/",
        "/hotline/rota/",
        "/hotline/callbacks/",
        "/hotline/handover/",
        "/hotline/wallboard/",
        "/outreach/",
        "/outreach/events/",
        "/outreach/calendar/",
        "/outreach/targets/",
        "/outreach/partners/",
        "/statistics/",
        "/reminders/",
        "/api/v1/docs/",
    ],
    "liaison": ["/screening/", "/screening/board/", "/api/v1/docs/"],
    "liaison2": ["/screening/", "/screening/board/", "/api/v1/docs/"],
    "operator": [
        "/hotline/",
        "/hotline/calls/",
        "/hotline/alerts/",
        "/hotline/calls/new/",
        "/hotline/rota/",
        "/hotline/callbacks/",
        "/hotline/handover/",
        "/hotline/wallboard/",
        "/api/v1/docs/",
    ],
    "crisis": [
        "/counselling/crisis/find/",
        "/screening/board/",
        "/hotline/",
        "/hotline/calls/",
        "/hotline/alerts/",
        "/hotline/rota/",
        "/hotline/wallboard/",
        "/api/v1/docs/",
    ],
    "outreach": [
        "/outreach/",
        "/outreach/events/",
        "/outreach/calendar/",
        "/outreach/targets/",
        "/outreach/partners/",
        "/api/v1/docs/",
    ],
    "stats": ["/statistics/", "/api/v1/docs/"],
    "auditor": ["/audit/", "/api/v1/docs/"],
    "admin": ["/reminders/", "/admin/", "/api/v1/docs/"],
}
WORKSPACES = ["/counselling/", "/screening/", "/hotline/", "/outreach/", "/statistics/", "/audit/"]


def navigation_links(html: str) -> list[str]:
    nav = re.search(r"<nav id=\"main-navigation\"[^>]*>(.*?)</nav>", html, re.S).group(1)
    return [link for link in re.findall(r'href="([^"]+)"', nav) if link != "/"]


def test_the_login_page_is_chinese_even_for_an_english_browser(client, db):
    response = client.get("/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.status_code == 200
    assert response.headers["Content-Language"] == "zh-hans"
    assert "登录" in response.text


def test_the_language_switch_makes_it_english(client, db):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/login/"}, follow=True)
    assert response.headers["Content-Language"] == "en"
    assert "Sign in" in response.text


def test_the_home_page_requires_sign_in(client, db):
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login/")


@pytest.mark.parametrize("username", list(NAVIGATION))
def test_each_role_sees_its_own_navigation(client, demo_network, username):
    sign_in(client, username)
    response = client.get("/", follow=True)  # a counsellor's home is "today"
    assert response.status_code == 200
    assert navigation_links(response.text) == NAVIGATION[username]
    for link in NAVIGATION[username]:
        assert client.get(link).status_code == 200, link


@pytest.mark.parametrize("username", list(NAVIGATION))
def test_no_two_links_of_a_navigation_read_the_same(client, demo_network, username):
    sign_in(client, username)
    html = client.get("/", follow=True).text
    nav = re.search(r"<nav id=\"main-navigation\"[^>]*>(.*?)</nav>", html, re.S).group(1)
    labels = [re.sub(r"<[^>]+>|\s+", "", label) for label in re.findall(r"<a [^>]*>(.*?)</a>", nav)]
    assert len(labels) == len(set(labels)), labels


@pytest.mark.parametrize("username", list(NAVIGATION))
def test_workspaces_of_other_roles_are_refused(client, demo_network, username):
    """The audit log, all records, answers other roles 404 like a record; workspaces 403."""
    sign_in(client, username)
    for workspace in WORKSPACES:
        if workspace not in NAVIGATION[username]:
            refused = 404 if workspace == "/audit/" else 403
            assert client.get(workspace).status_code == refused, workspace


def test_pages_for_a_signed_in_user_are_never_cached(client, demo_network):
    sign_in(client, "counsellor")
    assert "no-store" in client.get("/").headers["Cache-Control"]


def test_the_audit_log_lists_sign_ins_for_the_auditor(client, demo_network):
    client.post("/login/", {"username": "nobody", "password": "x"})
    sign_in(client, "auditor")
    response = client.get("/audit/?action=centre.session")
    assert response.status_code == 200
    assert "nobody" in response.text


def test_the_api_describes_itself_with_local_assets_only(client, demo_network):
    sign_in(client, "counsellor")
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json")
    assert schema.status_code == 200
    assert "/api/v1/me/" in schema.json()["paths"]
    docs = client.get("/api/v1/docs/")
    assert docs.status_code == 200
    assert not re.search(r"(src|href)=\"https?://", docs.text)


def test_the_api_names_the_signed_in_user_and_role(client, demo_network):
    assert client.get("/api/v1/me/").status_code == 403
    sign_in(client, "liaison")
    answer = client.get("/api/v1/me/").json()
    assert answer["roles"] == ["school_liaison"]
    assert answer["school_code"] == "SCH-0101"


def test_repeated_wrong_passwords_lock_that_username_from_that_address_only(
    client, demo_network, settings
):
    settings.AXES_ENABLED = True
    for _attempt in range(5):
        client.post("/login/", {"username": "counsellor", "password": "wrong"})
    locked = client.post("/login/", {"username": "counsellor", "password": DEMO_PASSWORD})
    assert locked.status_code == 429
    other = client.post("/login/", {"username": "counsellor2", "password": DEMO_PASSWORD})
    assert other.status_code == 302


def test_a_system_administrator_manages_accounts_but_cannot_make_superusers(client, account):
    sign_in(client, "admin")
    counsellor = account("counsellor")
    page = client.get(f"/admin/centre/user/{counsellor.pk}/change/")
    assert page.status_code == 200
    assert 'name="is_superuser"' not in page.text
    assert 'name="groups"' in page.text


def test_the_admin_pages_name_the_portals_icon(client, account):
    """Without the link the browser asks for /favicon.ico: a 404 on every admin page."""
    icon = '<link rel="icon" href="/static/centre/favicon.svg" type="image/svg+xml">'
    assert icon in client.get("/admin/login/").text
    sign_in(client, "admin")
    counsellor = account("counsellor")
    for address in (
        "/admin/",
        "/admin/centre/user/",
        f"/admin/centre/user/{counsellor.pk}/change/",
    ):
        page = client.get(address)
        assert page.status_code == 200, address
        assert icon in page.text, address


# The queries of each page of the core, by persona, pinned (sign-in, permissions, the page, the
# audit): the same after 30 more sign-ins fill the audit log and the inbox.
CORE_PAGE_QUERIES = {
    "counsellor": {"today": 15, "inbox": 8},  # a counsellor's home ("/" redirects there)
    "supervisor": {"home": 8, "reminders": 10},
    "auditor": {"home": 8, "audit-log": 8},  # keyset pager: no COUNT over the audit log
    "stats": {
        "home": 8,
        "statistics": 159,
    },  # four providers: grouped counts per figure and period, no per-row
}
CORE_PAGES = {
    "home": "/",
    "today": "/counselling/today/",
    "inbox": "/inbox/",
    "reminders": "/reminders/",
    "audit-log": "/audit/",
    "statistics": "/statistics/",
}


def core_page_queries(client) -> dict[str, dict[str, int]]:
    counts = {}
    for username, pages in CORE_PAGE_QUERIES.items():
        switch_to(client, username)
        counts[username] = queries_per_page(client, {page: CORE_PAGES[page] for page in pages})
    client.logout()
    return counts


def test_every_core_page_needs_a_fixed_number_of_queries(client, demo_network):
    assert core_page_queries(client) == CORE_PAGE_QUERIES
    for _ in range(30):
        switch_to(client, "counsellor")
    client.logout()
    assert core_page_queries(client) == CORE_PAGE_QUERIES
