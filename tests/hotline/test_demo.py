"""The hotline demo: a year shaped like the reference line, a rota with `crisis` on call now and
one live alert waiting for them, made once."""

from __future__ import annotations

import datetime

import pytest
from django.db.models import Count, F

from hotline import demo, selectors
from hotline.models import AlertEvent, Call, Callback, CallIssue, CrisisAlert, RotaShift
from hotline.services import on_call_now

pytestmark = pytest.mark.django_db

MOOD_ANXIETY_SELF_WORTH = {"mood", "fear_anxiety", "self_concerns"}


def seeded() -> list[str]:
    logged: list[str] = []
    demo.seed(password=None, log=logged.append)
    return logged


def test_the_demo_year_is_shaped_like_the_reference_line(account):
    seeded()
    calls = Call.objects.filter(status=Call.Status.SAVED)
    assert 5_000 <= calls.count() <= 5_300
    data = calls.exclude(contact_type__in=Call.NON_DATA_CONTACTS)
    non_data = calls.filter(contact_type__in=Call.NON_DATA_CONTACTS)
    assert 500 <= non_data.count() <= 1_100
    assert set(non_data.values_list("contact_type", flat=True)) == set(Call.NON_DATA_CONTACTS)
    assert not CallIssue.objects.filter(call__in=non_data).exists()
    assert non_data.exclude(risk="").count() == 0
    # 3,000+ about depression, anxiety or low self-worth (their first issue).
    about_mood = CallIssue.objects.filter(
        position=1, category="mental_health", subcategory__in=MOOD_ANXIETY_SELF_WORTH
    )
    assert about_mood.count() >= 3_000
    assert data.filter(issues__isnull=True).count() == 0
    # Spread over the year, every channel, the evening busier than the early morning.
    first, last = calls.order_by("started_at").first(), calls.order_by("started_at").last()
    assert first
    assert last
    assert (last.started_at - first.started_at).days >= 360
    assert calls.values("channel").distinct().count() == len(Call.Channel.values)
    by_hour = {
        row["started_at__hour"]: row["n"]
        for row in calls.values("started_at__hour").annotate(n=Count("id"))
    }
    assert by_hour.get(21, 0) > 3 * by_hour.get(4, 0)


def test_high_risk_calls_have_alerts_acknowledged_a_few_escalated(account):
    seeded()
    high = Call.objects.filter(risk=Call.Risk.HIGH, crisis=True)
    assert 40 <= high.count() <= 150
    closed = CrisisAlert.objects.filter(status=CrisisAlert.Status.CLOSED)
    assert closed.count() == high.count() - 1  # and the live one
    assert not closed.filter(acknowledged_at__isnull=True).exists()
    escalated = closed.filter(backup_told_at__isnull=False)
    assert 1 <= escalated.count() <= 10
    assert all(a.acknowledged_at > a.acknowledge_by for a in escalated)
    assert escalated.filter(acknowledged_by=account("crisis2")).count() == escalated.count()
    in_time = closed.filter(backup_told_at__isnull=True)
    assert all(a.acknowledged_at <= a.acknowledge_by for a in in_time)
    timeline = AlertEvent.objects.filter(alert=escalated.first())
    assert list(timeline.values_list("kind", flat=True))[:3] == ["raised", "told", "escalated"]


def test_callbacks_some_done_some_due(account):
    seeded()
    callbacks = Callback.objects.all()
    assert callbacks.count() > 200
    assert callbacks.filter(status=Callback.Status.DONE).count() > callbacks.count() // 2
    assert callbacks.filter(status=Callback.Status.NOT_REACHED).exists()
    assert callbacks.filter(status=Callback.Status.OPEN).exists()
    due = selectors.due_callbacks_for(user=account("operator"))
    assert due
    assert all(c.status == Callback.Status.OPEN for c in due)


def test_the_crisis_account_is_on_call_now_and_a_live_alert_waits_for_it(account):
    seeded()
    crisis, backup = account("crisis"), account("crisis2")
    city = account("operator").site
    on_call = on_call_now(city)
    assert (on_call.primary, on_call.backup) == (crisis, backup)
    assert backup.has_role("crisis_team")
    assert not RotaShift.objects.filter(site=city).exclude(person__in=[crisis, backup]).exists()
    live = CrisisAlert.objects.get(status=CrisisAlert.Status.OPEN)
    assert live.assignee == crisis
    assert live.acknowledged_at is None
    assert live.call is not None
    assert live.call.risk == Call.Risk.HIGH
    assert list(selectors.open_alerts_for(user=crisis)) == [live]
    # Told at once: the primary's inbox message is planned (dispatched on commit).
    from centre.models import Reminder

    assert Reminder.objects.filter(recipient=crisis, template="hotline_alert_raised").exists()


def test_seed_demo_finds_the_hotline_demo():
    from centre.management.commands.seed_demo import Command

    assert "hotline" in [config.name for config in Command._apps_with_demo_data()]


def test_the_demo_is_made_once_and_a_stale_rota_renewed_from_now(account):
    seeded()
    models = (Call, CallIssue, CrisisAlert, Callback, RotaShift)
    counts = [model.objects.count() for model in models]
    assert seeded() == ["hotline calls already there"]
    assert [model.objects.count() for model in models] == counts
    # A demo database seeded long ago: its rota has run out, the next run makes a new one.
    month = datetime.timedelta(days=30)
    RotaShift.objects.update(starts_at=F("starts_at") - month, ends_at=F("ends_at") - month)
    assert on_call_now(account("operator").site).primary is None
    assert seeded()[-1] == "hotline calls already there"
    assert on_call_now(account("operator").site).primary == account("crisis")
    assert Call.objects.count() == counts[0]
