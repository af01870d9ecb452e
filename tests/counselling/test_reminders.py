"""Follow-up reminders through the outbox, with a real Celery worker on the real Redis broker and
Postgres: delivered exactly once, never lost (DESIGN.md §4, ENGINEERING.md §3)."""

from __future__ import annotations

import datetime
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone
from kombu.exceptions import OperationalError

from centre import reminders
from centre.models import Notification, Reminder
from counselling import services
from tests.support.accounts import sign_in
from tests.support.concurrency import at_the_same_time
from tests.support.counselling import consent_to_reminders
from tests.support.sms import RecordingBackend, recorded_sms  # noqa: F401 (a fixture)
from tests.support.worker import wait_for

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("recorded_sms")]


def sms_due_now(alice, make_case, *, count: int = 1) -> list[Reminder]:
    """Follow-ups for tomorrow whose guardian SMS is due now."""
    planned = []
    for _ in range(count):
        case = make_case(counsellor=alice)
        consent_to_reminders(alice, case)
        follow_up = services.follow_up_add(
            actor=alice, case=case, due_at=timezone.now() + datetime.timedelta(days=2)
        )
        planned.append(Reminder.objects.get(target_id=str(follow_up.pk), channel="sms"))
    Reminder.objects.filter(pk__in=[reminder.pk for reminder in planned]).update(
        due_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    return planned


def status_of(reminder: Reminder) -> str:
    return Reminder.objects.values_list("status", flat=True).get(pk=reminder.pk)


def sent_keys() -> list[str]:
    return [message["key"] for message in RecordingBackend.sent]


def test_a_due_reminder_is_delivered_exactly_once(celery_worker, alice, make_case):
    (reminder,) = sms_due_now(alice, make_case)

    assert reminders.reminders_dispatch() == [reminder.pk]
    wait_for(lambda: status_of(reminder) == "sent")
    # Everything that could send it again: another tick, the sweeper, a duplicate task message.
    reminders.reminders_dispatch()
    reminders.reminders_sweep()
    from centre.tasks import send_reminder

    send_reminder.delay(reminder.pk)  # routed to `reminders`
    with celery_worker.app.connection_for_write() as connection:
        queue = connection.default_channel.client
        wait_for(lambda: queue.llen("reminders") == 0)  # the duplicate was taken by the worker…
    assert reminders.reminder_send(reminder.pk) is False  # …and finds nothing left to claim
    assert sent_keys() == [reminder.idempotency_key]
    message = RecordingBackend.sent[0]
    assert message["phone"] == "13800000000"
    assert "同学家长" in message["text"]


def test_two_dispatchers_at_the_same_time_still_deliver_once(celery_worker, alice, make_case):
    planned = sms_due_now(alice, make_case, count=30)
    first, second = at_the_same_time(reminders.reminders_dispatch)
    assert not set(first) & set(second)
    assert sorted(first + second) == sorted(reminder.pk for reminder in planned)
    wait_for(lambda: Reminder.objects.filter(status="sent").count() == 30)
    assert sorted(sent_keys()) == sorted(reminder.idempotency_key for reminder in planned)


def test_redis_down_when_a_reminder_falls_due_loses_nothing(
    celery_worker, alice, make_case, monkeypatch, settings
):
    (reminder,) = sms_due_now(alice, make_case)
    from centre.tasks import send_reminder

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    with monkeypatch.context() as patch:
        patch.setattr(send_reminder, "apply_async", broker_down)
        reminders.reminders_dispatch()
        reminders.reminders_sweep()
    assert status_of(reminder) == "queued"  # kept in Postgres, not lost
    assert sent_keys() == []

    # Redis is back: the next sweep re-queues it and the worker delivers it, once.
    settings.REMINDER_QUEUED_GRACE_SECONDS = 0
    assert reminders.reminders_sweep()["requeued"] == 1
    wait_for(lambda: status_of(reminder) == "sent")
    reminders.reminders_sweep()
    assert sent_keys() == [reminder.idempotency_key]


def test_a_worker_killed_while_sending_neither_loses_nor_doubles_it(
    celery_worker, alice, make_case, settings, client
):
    """A separate worker process hangs in the SMS gateway after claiming; it is killed (-9). The
    row is not sent again blindly: the sweeper marks it for a person, who decides to resend."""
    (reminder,) = sms_due_now(alice, make_case)
    database = connection.settings_dict
    environment = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="centre.settings.test",
        DATABASE_URL=f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/"
        f"{database['NAME']}",
        SMS_BACKEND="tests.support.slow_sms.HangingBackend",
    )
    # The in-process worker must not take this message: stop consuming while the other runs.
    celery_worker.consumer.cancel_task_queue("reminders")
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "centre", "worker", "-Q", "reminders",
         "-P", "solo", "-c", "1", "--without-heartbeat", "--without-mingle", "--without-gossip"],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        reminders.reminders_dispatch()
        wait_for(lambda: status_of(reminder) == "sending", timeout=60)
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
    celery_worker.consumer.add_task_queue("reminders")

    settings.REMINDER_SENDING_TIMEOUT_SECONDS = 0
    assert reminders.reminders_sweep()["stuck"] == 1
    reminder.refresh_from_db()
    assert reminder.status == "failed"
    assert reminder.failure.startswith("unknown")
    assert sent_keys() == []

    # Visible to a person, who decides it goes out again: then it is sent once.
    sign_in(client, "supervisor")
    page = client.get("/reminders/")
    assert f"reminder-{reminder.pk}" in page.text
    client.post(f"/reminders/{reminder.pk}/", {"decision": "resend"})
    reminders.reminders_dispatch()
    wait_for(lambda: status_of(reminder) == "sent")
    assert sent_keys() == [reminder.idempotency_key]


def test_the_counsellors_inbox_gets_the_follow_up_on_its_day(celery_worker, alice, make_case):
    case = make_case(counsellor=alice)
    follow_up = services.follow_up_add(actor=alice, case=case, due_at=timezone.now())
    reminders.reminders_dispatch()
    inbox = Reminder.objects.get(target_id=str(follow_up.pk), channel="inbox")
    # The notification is written just before its row is marked sent: wait for both.
    wait_for(lambda: status_of(inbox) == "sent")
    notification = Notification.objects.get(user=alice)
    assert notification.link == f"/counselling/cases/{case.pk}/#follow-ups"
    assert case.client.full_name not in notification.title + notification.body
