"""Crisis alerts and the on-call rota: who is on call, the gaps, raising an alert tells the
primary at once (inbox and SMS, texts naming no one), acknowledging, acting, closing; the
ladder backup → site supervisors → the centre's lead, each step once, with a real worker."""

from __future__ import annotations

import datetime
import os

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from centre.content_filter import forbidden_words
from centre.errors import StaleEditError
from centre.models import AuditEntry, Notification, Reminder
from centre.reminders import render
from hotline import services
from hotline.models import CrisisAlert, RotaShift
from tests.support.process import run_python
from tests.support.worker import finished, wait_for

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)


@pytest.fixture
def bea(staff_at):
    """The backup: a crisis team member at K01."""
    return staff_at("bea", "crisis_team", "K01")


@pytest.fixture
def lead(staff_at):
    """A supervisor of the city centre: the lead."""
    return staff_at("lee", "supervisor", "CITY")


@pytest.fixture
def on_call(sam, crisis, bea, k01):
    """The crisis member is primary and bea backup at K01 from an hour ago for twelve hours."""
    start = timezone.now() - HOUR
    crisis.phone = "13800138000"
    crisis.save(update_fields=["phone"])
    for person, role in [(crisis, "primary"), (bea, "backup")]:
        services.shift_add(
            actor=sam,
            site=k01,
            person=person,
            role=role,
            starts_at=start,
            ends_at=start + 12 * HOUR,
        )
    return start


def overdue(alert: CrisisAlert, minutes: int) -> None:
    """Time travel: the deadline passed `minutes` ago."""
    CrisisAlert.objects.filter(pk=alert.pk).update(
        acknowledge_by=timezone.now() - datetime.timedelta(minutes=minutes)
    )


def told(alert: CrisisAlert):
    return Reminder.objects.filter(target_type="hotline.crisisalert", target_id=str(alert.pk))


# The rota ------------------------------------------------------------------------------------


def test_only_supervisors_of_the_site_edit_the_rota(sam, crisis, operator, otto, k01):
    start = timezone.now()
    for stranger in (crisis, operator, otto):
        with pytest.raises(PermissionDenied):
            services.shift_add(
                actor=stranger,
                site=k01,
                person=crisis,
                role="primary",
                starts_at=start,
                ends_at=start + HOUR,
            )
    with pytest.raises(ValidationError):
        services.shift_add(
            actor=sam, site=k01, person=crisis, role="primary", starts_at=start, ends_at=start
        )
    with pytest.raises(ValidationError):
        services.shift_add(
            actor=sam, site=k01, person=crisis, role="chief", starts_at=start, ends_at=start + HOUR
        )
    with pytest.raises(ValidationError):  # a member of staff of another county
        services.shift_add(
            actor=sam, site=k01, person=otto, role="primary", starts_at=start, ends_at=start + HOUR
        )
    shift = services.shift_add(
        actor=sam, site=k01, person=crisis, role="primary", starts_at=start, ends_at=start + HOUR
    )
    services.shift_edit(
        actor=sam,
        shift=shift,
        person=crisis,
        role="backup",
        starts_at=start,
        ends_at=start + 2 * HOUR,
    )
    services.shift_remove(actor=sam, shift=shift)
    assert not RotaShift.objects.exists()
    actions = list(
        AuditEntry.objects.filter(target_type="hotline.rotashift")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "hotline.rotashift.added",
        "hotline.rotashift.changed",
        "hotline.rotashift.removed",
    ]


def test_on_call_is_the_sites_then_its_parents(sam, lead, crisis, bea, k01):
    now = timezone.now()
    assert services.on_call_now(k01, now).primary is None
    city = k01.parent
    services.shift_add(
        actor=lead,
        site=city,
        person=crisis,
        role="primary",
        starts_at=now - HOUR,
        ends_at=now + HOUR,
    )
    assert services.on_call_now(k01, now) == services.on_call_now(city, now)
    assert services.on_call_now(k01, now).primary == crisis
    services.shift_add(
        actor=sam, site=k01, person=bea, role="primary", starts_at=now - HOUR, ends_at=now + HOUR
    )
    answer = services.on_call_now(k01, now)
    assert (answer.primary, answer.backup, answer.site) == (bea, None, k01)
    assert services.on_call_now(k01, now + 2 * HOUR).primary is None


def test_gaps_in_the_next_seven_days(sam, crisis, k01):
    start = timezone.now()
    assert services.rota_gaps(k01, start=start) == [(start, start + datetime.timedelta(days=7))]
    services.shift_add(
        actor=sam,
        site=k01,
        person=crisis,
        role="primary",
        starts_at=start - HOUR,
        ends_at=start + 10 * HOUR,
    )
    services.shift_add(
        actor=sam,
        site=k01,
        person=crisis,
        role="primary",
        starts_at=start + 12 * HOUR,
        ends_at=start + 24 * HOUR,
    )
    services.shift_add(  # a backup covers no gap
        actor=sam,
        site=k01,
        person=crisis,
        role="backup",
        starts_at=start + 10 * HOUR,
        ends_at=start + 12 * HOUR,
    )
    assert services.rota_gaps(k01, start=start) == [
        (start + 10 * HOUR, start + 12 * HOUR),
        (start + 24 * HOUR, start + datetime.timedelta(days=7)),
    ]


# Raising, acknowledging, closing -------------------------------------------------------------


def test_raising_assigns_the_primary_and_tells_them_at_once(operator, crisis, on_call, k01):
    alert = services.raise_alert(actor=operator, site=k01)
    assert alert.assignee == crisis
    deadline = alert.raised_at + datetime.timedelta(minutes=5)
    assert alert.acknowledge_by == deadline
    assert sorted(told(alert).values_list("channel", "recipient")) == [
        ("inbox", crisis.pk),
        ("sms", crisis.pk),
    ]
    kinds = list(alert.events.values_list("kind", flat=True))
    assert kinds == ["raised", "told"]
    assert AuditEntry.objects.filter(
        action="hotline.alert.raised", target_id=str(alert.pk)
    ).exists()


def test_messages_name_no_child_and_no_risk(operator, on_call, k01):
    alert = services.raise_alert(actor=operator, site=k01)
    for template in ("hotline_alert_raised", "hotline_alert_sms", "hotline_alert_escalated"):
        for language in ("zh-hans", "en"):
            message = render(
                template=template,
                params={"alert": alert.pk},
                language=language,
                channel="sms" if template == "hotline_alert_sms" else "inbox",
            )
            text = f"{message.title} {message.body}"
            assert not forbidden_words(text)
            for word in ("risk", "suicide", "风险", "自杀", "high", "高"):
                assert word not in text.lower()
    sms = render(
        template="hotline_alert_sms", params={"alert": alert.pk}, language="en", channel="sms"
    )
    assert sms.title == "A hotline alert needs you: open the portal"
    assert all(set(row.params) == {"alert"} for row in told(alert))


def test_acknowledge_action_close(operator, crisis, bea, otto, on_call, k01):
    alert = services.raise_alert(actor=operator, site=k01)
    with pytest.raises(PermissionDenied):  # an operator of another county
        services.acknowledge(actor=otto, alert=alert, expected_version=alert.version)
    with pytest.raises(StaleEditError):
        services.acknowledge(actor=bea, alert=alert, expected_version=alert.version + 1)
    services.acknowledge(actor=bea, alert=alert, expected_version=alert.version)
    assert (alert.status, alert.acknowledged_by, alert.assignee) == ("acknowledged", bea, bea)
    with pytest.raises(ValidationError):
        services.acknowledge(actor=crisis, alert=alert, expected_version=alert.version)
    for bad in ("", "a\x00b", "x" * 2001):
        with pytest.raises(ValidationError):
            services.add_action(actor=bea, alert=alert, note=bad)
    services.add_action(actor=bea, alert=alert, note="到达现场²")
    services.close(actor=bea, alert=alert, expected_version=alert.version, note="安全")
    assert alert.status == "closed"
    assert list(alert.events.values_list("kind", flat=True)) == [
        "raised",
        "told",
        "acknowledged",
        "action",
        "closed",
    ]
    actions = set(
        AuditEntry.objects.filter(target_id=str(alert.pk)).values_list("action", flat=True)
    )
    assert {
        "hotline.alert.acknowledged",
        "hotline.alert.action_added",
        "hotline.alert.closed",
    } <= actions


# The ladder ----------------------------------------------------------------------------------


def test_the_ladder_climbs_each_step_once(operator, crisis, bea, sam, lead, on_call, k01):
    alert = services.raise_alert(actor=operator, site=k01)
    assert services.escalate_alerts() == 0  # not yet due
    overdue(alert, 0)
    assert services.escalate_alerts() == 1
    assert services.escalate_alerts() == 0
    overdue(alert, 5)
    assert services.escalate_alerts() == 1
    overdue(alert, 10)
    assert services.escalate_alerts() == 1
    assert services.escalate_alerts() == 0
    rows = told(alert).filter(template="hotline_alert_escalated")
    assert sorted(rows.values_list("recipient", flat=True)) == sorted([bea.pk, sam.pk, lead.pk])
    steps = list(alert.events.filter(kind="escalated").values_list("step", flat=True))
    assert steps == ["backup", "supervisor", "lead"]


def test_an_acknowledged_alert_does_not_climb(operator, bea, on_call, k01):
    alert = services.raise_alert(actor=operator, site=k01)
    services.acknowledge(actor=bea, alert=alert, expected_version=alert.version)
    overdue(alert, 60)
    assert services.escalate_alerts() == 0


def test_the_real_worker_tells_at_once_and_escalates_once(
    celery_worker, operator, crisis, bea, sam, lead, on_call, k01
):
    from hotline.tasks import escalate_crisis_alerts

    alert = services.raise_alert(actor=operator, site=k01)
    # Dispatched on commit, not at the beat's minute: the worker delivers it.
    wait_for(lambda: not told(alert).exclude(status="sent").exists())
    assert Notification.objects.filter(user=crisis, reminder__in=told(alert)).count() == 1
    overdue(alert, 0)
    runs = finished(escalate_crisis_alerts)
    for tick in range(1, 4):
        escalate_crisis_alerts.delay()
        wait_for(lambda tick=tick: finished(escalate_crisis_alerts) == runs + tick)
    wait_for(lambda: not told(alert).exclude(status="sent").exists())
    (backup,) = told(alert).filter(template="hotline_alert_escalated")
    assert backup.recipient == bea
    assert Notification.objects.filter(user=bea).count() == 1


def test_a_run_killed_after_claiming_tells_no_one_twice(
    transactional_db, operator, bea, sam, on_call, k01
):
    alert = services.raise_alert(actor=operator, site=k01)
    overdue(alert, 5)
    # A process claims and plans the steps due, then dies before anything else.
    script = (
        "import os, django; django.setup(); "
        "from hotline.services.alerts import escalate_alerts; escalate_alerts(); os._exit(9)"
    )
    database = connection.settings_dict
    environment = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="centre.settings.test",
        DATABASE_URL=f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/"
        f"{database['NAME']}",
    )
    result = run_python("-c", script, env=environment)
    assert result.returncode == 9, result.stderr
    assert services.escalate_alerts() == 0
    rows = told(alert).filter(template="hotline_alert_escalated")
    assert sorted(rows.values_list("recipient", flat=True)) == sorted([bea.pk, sam.pk])
    alert.refresh_from_db()
    assert alert.backup_told_at
    assert alert.supervisor_told_at
    assert not alert.lead_told_at


def test_someone_who_left_the_crisis_team_is_no_longer_on_call(sam, operator, bea, k01):
    """A shift planned before its person left the team (or was made inactive) sends them no
    alert and shows as a gap: only the crisis team and supervisors are on call."""
    from django.contrib.auth.models import Group

    start = timezone.now() - HOUR
    services.shift_add(
        actor=sam, site=k01, person=bea, role="primary", starts_at=start, ends_at=start + 9 * HOUR
    )
    assert services.on_call_now(k01).primary == bea
    bea.groups.remove(Group.objects.get(name="crisis_team"))
    assert services.on_call_now(k01).primary is None
    assert services.rota_gaps(k01)[0][0] <= timezone.now()
    alert = services.raise_alert(actor=operator, site=k01)
    assert alert.assignee_id != bea.pk
