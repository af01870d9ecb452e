"""Monthly targets: the board's counts (held and planned, this month, each site), who may edit a
site's target, and the reminder to the coordinators of a site behind — once per site, month and
coordinator, through the outbox and a real worker."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from centre import reminders
from centre.models import Notification, Reminder, Site
from outreach import services, targets
from outreach.models import Event, SiteTarget, Topic
from tests.support.worker import finished, wait_for

pytestmark = pytest.mark.django_db


def make_event(site, kind, status=Event.Status.HELD, *, by, when=None, title="活动"):
    return Event.objects.create(
        site=site,
        kind=kind,
        title=title,
        # The seeded topics are gone after a test that flushed the database.
        topic=Topic.objects.get_or_create(
            code="emotion-management", defaults={"name_zh": "情绪管理", "name_en": "Emotions"}
        )[0],
        starts_at=when or timezone.now(),
        status=status,
        created_by=by,
    )


@pytest.fixture
def coordinator(account):
    return account("outreach")


def progress(site):
    return targets.Progress.of(
        targets.with_progress(Site.objects.filter(pk=site.pk), targets.this_month()).get()
    )


def test_held_and_planned_count_apart_and_other_months_and_cancelled_not_at_all(coordinator, k01):
    make_event(k01, Event.Kind.PARENT_CLASS, by=coordinator)
    make_event(k01, Event.Kind.PARENT_CLASS, Event.Status.PLANNED, by=coordinator)
    make_event(k01, Event.Kind.PARENT_CLASS, Event.Status.CANCELLED, by=coordinator)
    make_event(k01, Event.Kind.GROUP_THERAPY, by=coordinator)
    make_event(k01, Event.Kind.GROUP_COUNSELLING, by=coordinator)
    make_event(k01, Event.Kind.SCHOOL_LECTURE, by=coordinator)
    last_month = targets.month_bounds(targets.this_month())[0] - datetime.timedelta(days=3)
    make_event(k01, Event.Kind.PARENT_CLASS, by=coordinator, when=last_month)
    row = progress(k01)
    assert (row.parent_held, row.parent_planned, row.parent_target) == (1, 1, 2)
    assert (row.group_held, row.group_planned, row.group_target) == (2, 0, 2)
    assert (row.parent_standing, row.group_standing, row.standing) == (
        targets.ON_TRACK,
        targets.MET,
        targets.ON_TRACK,
    )


def test_a_site_without_events_is_behind_and_its_own_target_counts(coordinator, k01):
    assert progress(k01).behind
    services.site_target_set(actor=coordinator, site=k01, parent_classes=0, group_sessions=0)
    assert progress(k01).standing == targets.MET
    assert SiteTarget.objects.get(site=k01).parent_classes == 0


def test_the_board_shows_the_progress_move_and_the_behind_filter(client, coordinator, k01):
    client.force_login(coordinator)
    page = client.get(reverse("outreach:targets"))
    assert page.status_code == 200
    assert f'data-site="{k01.pk}"' in page.content.decode()
    behind = client.get(reverse("outreach:targets"), {"behind": "1"}).content.decode()
    assert f'data-site="{k01.pk}"' in behind
    for kind in (Event.Kind.PARENT_CLASS, Event.Kind.PARENT_CLASS, Event.Kind.GROUP_THERAPY):
        make_event(k01, kind, by=coordinator)
        make_event(k01, kind, by=coordinator)
    behind = client.get(reverse("outreach:targets"), {"behind": "1"}).content.decode()
    assert f'data-site="{k01.pk}"' not in behind


@pytest.mark.parametrize("month", ["2026-13", "０２０２６-01", "1-01", "x" * 10_000, "2026-01\x00"])
def test_a_bad_month_is_a_400(client, coordinator, month):
    client.force_login(coordinator)
    assert client.get(reverse("outreach:targets"), {"month": month}).status_code == 400


def test_personas(client, account, staff_at, coordinator, k01):
    counsellor = account("counsellor")
    client.force_login(counsellor)
    assert client.get(reverse("outreach:targets")).status_code == 403
    assert client.get(reverse("outreach:target_edit", args=[k01.pk])).status_code == 404
    other = (
        Site.objects.exclude(path__startswith=k01.path)
        .exclude(path__in=[site.path for site in Site.objects.filter(kind="city_centre")])
        .first()
    )
    client.force_login(coordinator)
    assert client.get(reverse("outreach:target_edit", args=[k01.pk])).status_code == 200
    assert client.get(reverse("outreach:target_edit", args=[other.pk])).status_code == 404
    posted = client.post(
        reverse("outreach:target_edit", args=[other.pk]), {"parent_classes": 1, "group_sessions": 1}
    )
    assert posted.status_code == 404
    refused = client.post(
        reverse("outreach:target_edit", args=[k01.pk]),
        {"parent_classes": "²", "group_sessions": "1000000"},
    )
    assert refused.status_code == 400
    assert "1000000" in refused.content.decode()  # what was typed is kept
    saved = client.post(
        reverse("outreach:target_edit", args=[k01.pk]), {"parent_classes": 3, "group_sessions": 4}
    )
    assert saved.status_code == 302
    assert (SiteTarget.objects.get(site=k01).parent_classes, progress(k01).group_target) == (3, 4)


@pytest.mark.parametrize(
    ("today", "due"),
    [
        (datetime.date(2026, 11, 23), False),
        (datetime.date(2026, 11, 24), True),
        (datetime.date(2026, 11, 30), True),
        (datetime.date(2026, 12, 1), False),
        (datetime.date(2026, 2, 22), True),
    ],
)
def test_the_reminder_is_due_in_the_last_seven_days(today, due):
    assert targets.reminder_due(today) is due


@pytest.mark.django_db(transaction=True)
def test_the_reminder_reaches_each_coordinator_of_a_site_behind_once(
    celery_worker, monkeypatch, coordinator, k01, staff_at
):
    from outreach.tasks import remind_behind_targets

    monkeypatch.setattr(targets, "reminder_due", lambda today: True)
    second = staff_at("outreach2", "outreach_coordinator", "K01")
    met = staff_at("outreach3", "outreach_coordinator", "K02")
    services.site_target_set(
        actor=coordinator, site=k01, parent_classes=2, group_sessions=2
    )  # k01 behind
    SiteTarget.objects.create(site=met.site, parent_classes=0, group_sessions=0)
    runs = finished(remind_behind_targets)
    for tick in range(1, 4):  # the daily beat entry, three times
        remind_behind_targets.delay()
        wait_for(lambda tick=tick: finished(remind_behind_targets) == runs + tick)
        reminders.reminders_dispatch()
        wait_for(
            lambda: (
                not Reminder.objects.filter(template="outreach_target_behind")
                .exclude(status="sent")
                .exists()
            )
        )
    sent = Reminder.objects.filter(template="outreach_target_behind")
    assert sorted(sent.values_list("recipient__username", flat=True)) == sorted(
        [coordinator.username, second.username]
    )
    assert Notification.objects.filter(reminder__in=sent).count() == 2
    month = f"{timezone.localdate():%Y-%m}"
    assert set(sent.values_list("idempotency_key", flat=True)) == {
        f"outreach_target:{k01.pk}:{month}:{coordinator.pk}",
        f"outreach_target:{k01.pk}:{month}:{second.pk}",
    }
    for reminder in sent:  # ids and the month only
        assert set(reminder.params) == {"month", "site"}
