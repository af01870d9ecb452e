"""The hotline's figures (README "Statistics"): exact on a built set of calls, alerts and
callbacks in April 2026; a site's figures are its subtree's and the window's flows the sum of its
months; small counts are masked below the network for a reader without clinical access; the
Postgres triggers mark the months a change moves, and only those."""

from __future__ import annotations

import datetime

import pytest
import time_machine

from centre import statistics
from centre.models import Site, StaleMonth
from centre.statistics import registry
from hotline.models import Call, Callback, CallIssue, CrisisAlert
from tests.statistics.test_masking import export
from tests.support.accounts import switch_to
from tests.support.clock import at

APRIL = ("2026-04", "2026-04")
MINUTE = datetime.timedelta(minutes=1)


def call(operator, site, started_at, contact_type, *, risk="", seconds=None, issues=(), **extra):
    made = Call.objects.create(
        site=site,
        operator=operator,
        started_at=started_at,
        status=extra.pop("status", Call.Status.SAVED),
        contact_type=contact_type,
        risk=risk,
        duration_seconds=seconds,
        **extra,
    )
    for position, (category, subcategory) in enumerate(issues, start=1):
        CallIssue.objects.create(
            call=made, category=category, subcategory=subcategory, position=position
        )
    return made


def alert(raiser, site, raised_at, *, acknowledged_after=None):
    return CrisisAlert.objects.create(
        site=site,
        raised_by=raiser,
        raised_at=raised_at,
        acknowledge_by=raised_at + 5 * MINUTE,
        acknowledged_at=raised_at + acknowledged_after if acknowledged_after else None,
        status="acknowledged" if acknowledged_after else "open",
    )


def callback(first_call, due_at, *, status="open", done_at=None):
    return Callback.objects.create(
        call=first_call,
        site=first_call.site,
        owner=first_call.operator,
        due_at=due_at,
        status=status,
        done_at=done_at,
    )


@pytest.fixture
def calls(operator, olga):
    """April 2026: three data calls (two at the city centre, one at K01), two non-data contacts,
    a draft; a call on the last evening of March; three alerts, four callbacks."""
    city, k01 = Site.objects.get(code="CITY"), Site.objects.get(code="K01")
    first = call(operator, city, at(2026, 4, 3, 10), "child_about_self", risk="high", seconds=600,
                 issues=[("mental_health", "mood"), ("family", "parental_conflict")])  # fmt: skip
    call(operator, city, at(2026, 4, 3, 10) + 40 * MINUTE, "parent_about_child", risk="low",
         seconds=300, issues=[("mental_health", "fear_anxiety")])  # fmt: skip
    call(operator, city, at(2026, 4, 4, 3), "silent", seconds=20)
    call(operator, city, at(2026, 4, 4, 23), "hang_up")
    call(operator, city, at(2026, 4, 5, 11), "child_about_self", status=Call.Status.DRAFT)
    march = call(operator, city, at(2026, 3, 31, 23), "child_about_self", seconds=60)
    k01_call = call(olga, k01, at(2026, 4, 8, 14), "teacher_about_child", risk="high",
                    seconds=900, issues=[("education", "academic")])  # fmt: skip
    alert(operator, city, at(2026, 4, 3, 10) + MINUTE, acknowledged_after=3 * MINUTE)
    alert(olga, k01, at(2026, 4, 8, 14) + MINUTE, acknowledged_after=8 * MINUTE)
    alert(operator, city, at(2026, 4, 20), acknowledged_after=None)  # never acknowledged
    alert(operator, city, at(2026, 5, 1))  # May: outside the window
    callback(first, at(2026, 4, 11), status="done", done_at=at(2026, 4, 11))
    callback(first, at(2026, 4, 12), status="not_reached", done_at=at(2026, 4, 12))
    callback(k01_call, at(2026, 4, 30))
    callback(march, at(2026, 3, 30), status="done", done_at=at(2026, 4, 2))
    return first


def figures(window=APRIL, site: str | None = None) -> dict:
    path = Site.objects.get(code=site).path if site else None
    with time_machine.travel(at(2026, 5, 2), tick=False):
        return statistics.figures(statistics.Window.parse(*window), site_path=path)


def test_the_provider_is_declared_with_its_figures():
    assert "hotline" in registry.providers()
    names = [f.name for f in registry.declared_figures() if f.provider == "hotline"]
    assert names == [
        "hotline_calls", "hotline_contacts", "hotline_calls_by_issue", "hotline_calls_by_hour",
        "hotline_high_risk", "crisis_alerts", "alerts_acknowledged_in_time", "callbacks_due",
        "callbacks_done", "hotline_median_talk_seconds",
    ]  # fmt: skip
    assert registry.declaration_errors() == []


def test_the_figures_of_a_month_are_exact(calls):
    april = figures()
    assert april["hotline_calls"] == 3  # data contacts only, saved only
    assert april["hotline_contacts"] == 5  # silent and hang-up too; never the draft
    assert april["hotline_high_risk"] == 2
    assert april["crisis_alerts"] == 3
    # Within 5 minutes: the first; late: the second (8 min), the third (never acknowledged).
    assert april["alerts_acknowledged_in_time"] == pytest.approx(0.333)
    assert april["callbacks_due"] == 3
    assert april["callbacks_done"] == 2  # reached (not "not reached"), in the month it was done
    assert april["hotline_median_talk_seconds"] == 600  # of 300, 600, 900: not the silent 20 s
    by_issue = april["hotline_calls_by_issue"]
    assert (by_issue["mental_health"], by_issue["family"], by_issue["education"]) == (2, 1, 1)
    assert sum(by_issue.values()) == 4
    by_hour = april["hotline_calls_by_hour"]
    assert len(by_hour) == 24
    assert (by_hour["10"], by_hour["14"], by_hour["03"], by_hour["23"]) == (2, 1, 0, 0)


def test_the_month_bound_is_the_centres_and_a_window_is_its_months(calls):
    march = figures(("2026-03", "2026-03"))
    assert (march["hotline_calls"], march["callbacks_due"], march["callbacks_done"]) == (1, 1, 0)
    both = figures(("2026-03", "2026-04"))
    assert both["hotline_calls"] == 4
    assert both["hotline_median_talk_seconds"] == 450  # 60, 300, 600, 900
    with time_machine.travel(at(2026, 5, 2), tick=False):
        trend = statistics.trend(statistics.Window.parse("2026-03", "2026-04"))
    assert trend["2026-04"]["hotline_calls"] == 3
    assert trend["2026-03"]["hotline_contacts"] == 1


def test_a_sites_figures_are_its_subtrees(calls):
    k01 = figures(site="K01")
    assert (k01["hotline_calls"], k01["hotline_high_risk"], k01["crisis_alerts"]) == (1, 1, 1)
    assert k01["alerts_acknowledged_in_time"] == 0.0
    assert k01["hotline_calls_by_issue"]["education"] == 1
    assert figures(site="K02")["hotline_calls"] == 0
    assert figures(site="K02")["alerts_acknowledged_in_time"] is None  # nothing to divide
    assert figures(site="K02")["hotline_median_talk_seconds"] is None
    window = statistics.Window.parse(*APRIL)
    with time_machine.travel(at(2026, 5, 2), tick=False):
        breakdown = statistics.per_site(window, [Site.objects.get(code="K01")])
    k01_id = Site.objects.get(code="K01").pk
    assert breakdown[k01_id]["hotline_calls"] == 1
    assert breakdown[k01_id]["callbacks_due"] == 1


def test_small_counts_are_masked_below_the_network(client, calls):
    switch_to(client, "stats")
    k01 = export(client, APRIL, "K01")
    assert k01["totals"]["hotline_calls"] == "<5"
    assert k01["totals"]["crisis_alerts"] == "<5"
    assert k01["totals"]["alerts_acknowledged_in_time"] == "*"  # shares stay at the network
    assert k01["totals"]["hotline_calls_by_issue"] == "*"  # breakdowns too
    assert k01["totals"]["hotline_median_talk_seconds"] == "*"  # and the median (of one call)
    assert k01["months"]["2026-04"]["hotline_calls"] == "<5"
    network = export(client, APRIL)
    assert network["totals"]["hotline_calls"] == 3  # the network is exact
    assert network["totals"]["hotline_contacts"] == 5


def test_a_clinical_reader_sees_the_sites_figures_exact(client, calls):
    switch_to(client, "supervisor")
    k01 = export(client, APRIL, "K01")
    assert k01["totals"]["hotline_calls"] == 1
    assert k01["totals"]["crisis_alerts"] == 1


def stale() -> set[tuple[str, str]]:
    return {
        (provider, f"{month:%Y-%m}")
        for provider, month in StaleMonth.objects.values_list("provider", "month")
    }


def test_the_triggers_mark_the_months_a_change_moves(calls):
    StaleMonth.objects.all().delete()
    Call.objects.filter(pk=calls.pk).update(summary="a note")  # moves no figure
    assert stale() == set()
    Call.objects.filter(pk=calls.pk).update(risk="low")
    assert stale() == {("hotline", "2026-04")}
    StaleMonth.objects.all().delete()
    Call.objects.filter(pk=calls.pk).update(started_at=at(2026, 2, 10))  # both months
    assert stale() == {("hotline", "2026-04"), ("hotline", "2026-02")}
    StaleMonth.objects.all().delete()
    alert(calls.operator, calls.site, at(2026, 1, 9))
    assert stale() == {("hotline", "2026-01")}
    StaleMonth.objects.all().delete()
    open_callback = Callback.objects.get(status="open")
    Callback.objects.filter(pk=open_callback.pk).update(status="done", done_at=at(2026, 5, 3))
    assert stale() == {("hotline", "2026-04"), ("hotline", "2026-05")}  # due and done months
    StaleMonth.objects.all().delete()
    Call.objects.filter(contact_type="silent").delete()  # cascades nothing rolled up
    assert stale() == {("hotline", "2026-04")}


def test_the_roll_up_agrees_with_the_records_after_a_change(calls):
    window = statistics.Window.parse("2026-03", "2026-04")
    with time_machine.travel(at(2026, 5, 2), tick=False):
        statistics.rollup_refresh()
        assert statistics.trend(window)["2026-04"]["hotline_calls"] == 3
        Call.objects.filter(contact_type="silent").update(contact_type="child_about_self")
        assert statistics.trend(window)["2026-04"]["hotline_calls"] == 4  # stale: counted
        statistics.rollup_refresh()
        assert not StaleMonth.objects.filter(provider="hotline").exists()
        assert statistics.trend(window)["2026-04"]["hotline_calls"] == 4  # from the roll-up


@pytest.mark.parametrize(
    ("language", "label", "share_label"),
    [
        ("zh-hans", "热线来电（有效来电）", "危机警报按时确认率"),
        ("en", "Hotline calls (data contacts)", "Crisis alerts acknowledged in time"),
    ],
)
def test_the_statistics_page_shows_the_hotline_figures_in_both_languages(
    client, calls, language, label, share_label
):
    switch_to(client, "stats")
    client.cookies["portal_language"] = language
    with time_machine.travel(at(2026, 5, 2), tick=False):
        html = client.get("/statistics/", {"from": "2026-04", "to": "2026-04"}).text
        empty = client.get("/statistics/", {"from": "2026-01", "to": "2026-01"}).text
    figures_list = html.split('id="figures"')[1].split("</dl>")[0]
    assert label in figures_list
    assert share_label in figures_list
    assert "<dd>600</dd>" in figures_list  # the median talk time, exact for the network
    assert "<dd>33%</dd>" in figures_list  # one alert of three acknowledged in time
    # A month without calls: no median and no share, shown as a dash (never "None").
    empty_list = empty.split('id="figures"')[1].split("</dl>")[0]
    assert "None" not in empty_list
    assert "<dd>—</dd>" in empty_list


def test_the_export_of_a_month_without_calls_has_no_median_and_no_share(client, calls):
    switch_to(client, "stats")
    january = export(client, ("2026-01", "2026-01"))
    assert january["totals"]["hotline_calls"] == 0
    assert january["totals"]["hotline_median_talk_seconds"] in (None, "")
    assert january["totals"]["alerts_acknowledged_in_time"] in (None, "")
