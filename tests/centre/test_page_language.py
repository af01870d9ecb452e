"""Every main page of every role, on the demo records, reads in one language: in zh-hans no
English left over (a raw code such as `moderate`, `high`, `referrals_by_state.`, an untranslated
label), in English no Chinese left over (a help text translated once, at import).

What the page shows of the records themselves (names, schools, notes, usernames, codes) is data,
not a leftover: every text value of the records is taken out of the page before it is read."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.db import models, transaction
from django.test import Client

from tests.support.accounts import DEMO_PASSWORD
from tests.support.pages import ROLES, pages_of

# Latin words a Chinese page may hold: instrument and file-format names, key names, the name of
# the other language in the language switch, the norm sets' authors.
LATIN_ALLOWED = {
    "API",
    "Alt",  # the log-a-session shortcut: Alt+Shift+N
    "N",
    "Shift",
    "C-SSRS",
    "CSV",
    "Command",  # keys: "hold Control, or Command on a Mac"
    "Control",
    "Ctrl",
    "Enter",
    "Excel",
    "English",
    "GAD-7",
    "GB18030",
    "Kroenke",
    "MB",
    "Mac",
    "PHQ",
    "PHQ-9",
    "PHQ-A",
    "SDQ",
    "SDQ-S11-17",
    "Spitzer",
    "UTF-8",
    "XLSX",
    "csv",  # ".xlsx or .csv"
    "xlsx",
    "youthinmind",  # the SDQ's licensor, a company name
}
# Django's admin renders booleans and its search box with icons whose alt text Django itself
# leaves in English.
ADMIN_LATIN_ALLOWED = {"True", "False", "Search"}
# The one Chinese an English page holds: the language switch's other language.
CHINESE_ALLOWED = {"简体中文"}
LATIN_WORD = re.compile(r"(?<![A-Za-z0-9])[A-Za-z][A-Za-z0-9]*(?:[-_.][A-Za-z0-9]+)*\.?")
CODE = re.compile(r"[a-z][a-z0-9_]*")
CHINESE = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
# Text models whose values are records, not page text.
DATA_APPS = ("centre", "counselling", "screening", "hotline", "outreach")
NOT_DATA = {"AuditEntry", "AuditRecord", "MonthlyFigure", "RolledUpMonth", "StaleMonth"}


class VisibleText(HTMLParser):
    """The text a reader meets: text nodes and the attributes read aloud or shown as text."""

    # Not read: scripts, <bdi>, which Django's admin wraps around values (a password's hash), and
    # <code>, an identifier shown beside its label (the audit log's action codes, for auditors).
    SKIPPED = {"script", "style", "template", "noscript", "bdi", "code"}

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs) -> None:
        if tag in self.SKIPPED:
            self.skipping += 1
        attributes = dict(attrs)
        for name in ("title", "aria-label", "placeholder", "alt"):
            if attributes.get(name):
                self.parts.append(attributes[name])
        if tag == "input" and attributes.get("type") in ("submit", "button"):
            self.parts.append(attributes.get("value") or "")

    def handle_endtag(self, tag) -> None:
        if tag in self.SKIPPED:
            self.skipping -= 1

    def handle_data(self, data) -> None:
        if not self.skipping and data.strip():
            self.parts.append(data.strip())


@pytest.fixture(scope="module")
def demo_records(django_db_setup, django_db_blocker):
    """The demo's records (`seed_demo`: cases, sessions, follow-ups, rosters), once for the
    module, rolled back after it."""
    from counselling import demo as counselling_demo
    from screening import demo as screening_demo

    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            counselling_demo.seed(password=DEMO_PASSWORD, log=lambda message: None)
            screening_demo.seed(password=DEMO_PASSWORD, log=lambda message: None)
            yield
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def record_texts() -> list[str]:
    """Every text value of the records a page may show (longest first), and each user's name
    as pages write it."""
    from centre.models import User

    values: set[str] = set()
    for model in apps.get_models():
        if model._meta.app_label not in DATA_APPS or model.__name__ in NOT_DATA:
            continue
        fields = [
            field.name
            for field in model._meta.concrete_fields
            if isinstance(field, models.CharField | models.TextField) and not field.choices
        ]
        if not fields:
            continue  # values_list() of nothing is every field
        for row in model._default_manager.values_list(*fields):
            # A bare code stored without choices (`high`) is no name: a page must label it.
            values.update(value for value in row if value and not CODE.fullmatch(value))
    for user in User.objects.all():
        values.update({user.get_full_name(), user.username})
    # A child's masked name (王同学, "王 (student)") keeps the surname: data in either language.
    from counselling.models import Client

    values.update(name[:1] for name in Client.objects.values_list("full_name", flat=True) if name)
    return sorted(values, key=len, reverse=True)


def page_text(client: Client, url: str, data: list[str], *, script: re.Pattern) -> str:
    response = client.get(url, follow=True)  # a counsellor's home is "today"
    assert response.status_code == 200, url
    parser = VisibleText()
    parser.feed(response.content.decode())
    text = "\n".join(parser.parts)
    for value in data:
        if script.search(value):
            text = text.replace(value, " ")
    return text


def walk(role: str, language: str):
    from centre.models import User

    user = User.objects.get(username=role)
    client = Client()
    client.force_login(user)
    client.cookies["portal_language"] = language
    return client, pages_of(user), record_texts()


@pytest.mark.parametrize("role", ROLES)
def test_chinese_pages_hold_no_english_leftover(demo_records, db, role):
    client, urls, data = walk(role, "zh-hans")
    leftovers = {}
    for url in urls:
        allowed = LATIN_ALLOWED | (ADMIN_LATIN_ALLOWED if url.startswith("/admin/") else set())
        words = set(LATIN_WORD.findall(page_text(client, url, data, script=LATIN_WORD)))
        found = {word.rstrip(".") for word in words} - allowed
        if found:
            leftovers[url] = sorted(found)
    assert leftovers == {}


@pytest.mark.parametrize("role", ROLES)
def test_english_pages_hold_no_chinese_leftover(demo_records, db, role):
    client, urls, data = walk(role, "en")
    leftovers = {}
    for url in urls:
        found = set(CHINESE.findall(page_text(client, url, data, script=CHINESE)))
        found -= CHINESE_ALLOWED
        if found:
            leftovers[url] = sorted(found)
    assert leftovers == {}


def test_the_walk_finds_a_raw_code_and_a_chinese_help_text(demo_records, db):
    """The walk itself: a band code or a snake_case figure name in a Chinese page is found, and
    so is Chinese in an English one (the check fails when it should)."""
    html = "<p>PHQ-A 中度</p><td>moderately_severe</td><p>referrals_by_state.</p>"
    parser = VisibleText()
    parser.feed(html)
    words = {word.rstrip(".") for word in LATIN_WORD.findall("\n".join(parser.parts))}
    assert words - LATIN_ALLOWED == {"moderately_severe", "referrals_by_state"}
    assert CHINESE.findall("Up to 20 MB. 不超过") == ["不超过"]


def test_the_admin_names_roles_in_the_readers_language(db, account):
    """The groups' list, an account's roles and the accounts' role filter say 心理咨询师, not
    `counsellor`; choosing a role still sends the group."""
    from django.contrib.auth.models import Group

    client = Client()
    client.force_login(account("admin"))
    client.cookies["portal_language"] = "zh-hans"
    groups = client.get("/admin/auth/group/").content.decode()
    assert "心理咨询师" in groups
    assert ">counsellor<" not in groups
    counsellor = account("counsellor")
    change = client.get(f"/admin/centre/user/{counsellor.pk}/change/")
    field = change.context["adminform"].form.fields["groups"]
    labels = dict(field.choices)
    group = Group.objects.get(name="counsellor")
    assert str(labels[group.pk]) == "心理咨询师"
    users = client.get("/admin/centre/user/?role=school_liaison")
    assert [user.username for user in users.context["cl"].result_list] == ["liaison", "liaison2"]
    assert "学校联络员" in users.content.decode()
