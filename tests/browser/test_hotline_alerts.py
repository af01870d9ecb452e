"""The crisis board in Chromium: the on-call crisis member's open board shows a newly raised
alert within seconds and acknowledges it; an unacknowledged alert escalates to the backup."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from tests.support.browser import BROWSER_DB, screenshot

pytestmark = [pytest.mark.browser, BROWSER_DB]

HOUR = datetime.timedelta(hours=1)


@pytest.fixture
def rota(account, staff_at, k01):
    from hotline import services

    supervisor, crisis = account("supervisor"), account("crisis")
    bea = staff_at("bea", "crisis_team", "K01")
    start = timezone.now() - HOUR
    for person, role in [(crisis, "primary"), (bea, "backup")]:
        services.shift_add(
            actor=supervisor, site=k01, person=person, role=role, starts_at=start,
            ends_at=start + 9 * HOUR,
        )  # fmt: skip
    return crisis, bea


def test_a_new_alert_appears_on_the_open_board_and_is_acknowledged(
    page, sign_in, rota, account, k01
):
    from hotline import services

    sign_in(page, "crisis")
    page.goto("/hotline/alerts/")
    assert page.locator("#alert-rows tr[id^=alert-]").count() == 0
    alert = services.raise_alert(actor=account("operator"), site=k01)
    row = page.locator(f"#alert-{alert.pk}")
    row.wait_for(timeout=12_000)  # the board refreshes itself every 3 s
    assert page.locator("#alert-cue").is_visible()
    assert page.title().startswith("(1)")
    screenshot(page, "hotline-board-new-alert")
    row.get_by_role("link").click()
    page.click("#acknowledge")
    page.wait_for_load_state()
    alert.refresh_from_db()
    assert alert.status == "acknowledged"
    assert alert.acknowledged_by == rota[0]
    assert page.locator("#acknowledge").count() == 0


def test_an_unacknowledged_alert_escalates_to_the_backup(page, sign_in, rota, account, k01):
    from centre.models import Reminder
    from hotline import services
    from hotline.models import CrisisAlert

    _crisis, bea = rota
    alert = services.raise_alert(actor=account("operator"), site=k01)
    # Time travel: the deadline has passed; the beat's task runs.
    CrisisAlert.objects.filter(pk=alert.pk).update(acknowledge_by=timezone.now())
    assert services.escalate_alerts() == 1
    assert Reminder.objects.filter(
        target_id=str(alert.pk), template="hotline_alert_escalated", recipient=bea
    ).exists()
    sign_in(page, "bea")
    page.goto(f"/hotline/alerts/{alert.pk}/")
    assert "已升级 · 备班人员" in page.locator("#alert-timeline").inner_text()  # the step in words
    page.click("#acknowledge")
    page.wait_for_load_state()
    alert.refresh_from_db()
    assert alert.acknowledged_by == bea


def test_a_board_that_stops_updating_says_so(page, sign_in, rota):
    """Signed out behind its back (or offline), the board's refresh gets the sign-in page: the
    on-call member must not be left looking at a board that seems live."""
    from django.contrib.sessions.models import Session

    sign_in(page, "crisis")
    page.goto("/hotline/alerts/")
    stale = page.locator("#alert-stale")
    assert stale.is_hidden()
    first = page.locator("#alert-updated").inner_text()
    page.wait_for_function(
        "(first) => document.getElementById('alert-updated').textContent !== first",
        arg=first,
        timeout=8_000,
    )  # a good refresh updates the time
    Session.objects.all().delete()
    stale.wait_for(state="visible", timeout=15_000)
    assert "停止更新" in stale.inner_text()  # zh-hans, the default
    screenshot(page, "hotline-board-stale")
