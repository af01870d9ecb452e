"""Every date and time input writes its value in ISO whatever the language (centre/widgets.py),
so a form filled in by the portal is sent back whole; and the language switch returns to the
page the user was reading, even when that page was rendered by a POST to a POST-only address."""

from __future__ import annotations

import datetime
import re

import pytest

from centre.widgets import DateInput, DateTimeInput, TypedDateTimeInput
from tests.support.accounts import sign_in

LANGUAGES = ["zh-hans", "en"]


def input_value(page: str, name: str) -> str:
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', page)
    assert tag, name
    value = re.search(r'value="([^"]*)"', tag.group(0))
    return value.group(1) if value else ""


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_shared_widgets_write_iso_in_every_language(language):
    from django.utils import translation

    moment = datetime.datetime(2014, 3, 5, 15, 30)  # noqa: DTZ001 (a widget's value)
    with translation.override(language):
        assert 'value="2014-03-05"' in DateInput().render("day", moment.date())
        assert 'value="2014-03-05T15:30"' in DateTimeInput().render("at", moment)
        assert 'value="2014-03-05 15:30"' in TypedDateTimeInput().render("at", moment)


@pytest.mark.parametrize("language", LANGUAGES)
def test_step_2_of_the_intake_keeps_the_date_of_birth(client, demo_network, language):
    sign_in(client, "counsellor", language=language)
    page = client.post(
        "/counselling/intake/",
        {"step": "search", "full_name": "没有的学生", "date_of_birth": "2014-03-05"},
    ).content.decode()
    step_2 = page[page.index('id="intake-form"') :]
    assert input_value(step_2, "date_of_birth") == "2014-03-05"
    assert input_value(step_2, "full_name") == "没有的学生"


@pytest.mark.parametrize("language", LANGUAGES)
def test_refer_from_a_screening_result_keeps_the_date_of_birth(client, world, language):
    sign_in(client, "counsellor", language=language)
    page = client.get(f"/screening/tasks/{world.ids['task_id']}/refer/").content.decode()
    assert input_value(page, "date_of_birth") == "2012-05-03"


def language_next(page: str) -> str:
    form = page[page.index('class="language-switch"') :]
    return input_value(form, "next")


def test_the_language_switch_after_a_form_error_returns_to_the_page_read(client, world):
    sign_in(client, "counsellor", language="zh-hans")
    case_page = f"/counselling/cases/{world.ids['case_id']}/"
    refused = client.post(
        f"{case_page}change/risk/",
        {"risk_level": "high", "reason": "", "version": 1},
        HTTP_REFERER=f"http://testserver{case_page}",
    )
    assert refused.status_code == 400
    assert language_next(refused.content.decode()) == case_page
    switched = client.post("/i18n/setlang/", {"language": "en", "next": case_page}, follow=True)
    assert switched.redirect_chain == [(case_page, 302)]
    assert switched.status_code == 200
    assert "Risk level" in switched.content.decode()


def test_without_a_referer_the_switch_returns_home_not_to_a_post_only_address(client, world):
    sign_in(client, "counsellor", language="zh-hans")
    case_page = f"/counselling/cases/{world.ids['case_id']}/"
    refused = client.post(f"{case_page}change/risk/", {"risk_level": "high", "version": 1})
    assert language_next(refused.content.decode()) == "/"
    # A page that also answers GET (the intake) returns to itself.
    refused = client.post("/counselling/intake/", {"full_name": "x"})
    assert language_next(refused.content.decode()) == "/counselling/intake/"
