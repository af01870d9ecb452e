"""The inbox says "due" only of what is still ahead: a message delivered when its time came says
when it arrived (a walkthrough found "Due 02:29" on a message that had just arrived)."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from centre.models import Notification, Reminder
from tests.support.accounts import sign_in

pytestmark = pytest.mark.django_db


def _message(user, *, title: str, due_at: datetime.datetime) -> Notification:
    reminder = Reminder.objects.create(
        idempotency_key=f"inbox-{title}",
        channel=Reminder.Channel.INBOX,
        status=Reminder.Status.SENT,
        due_at=due_at,
        recipient=user,
        template="monthly_report_ready",
    )
    return Notification.objects.create(user=user, reminder=reminder, title=title)


def _line_of(page: str, title: str) -> str:
    item = page.split(title, 1)[1]
    return item.split("</li>", 1)[0]


def test_a_message_due_already_says_when_it_arrived(client, account):
    user = account("counsellor")
    now = timezone.now()
    arrived = _message(user, title="已到期的消息", due_at=now - datetime.timedelta(minutes=5))
    ahead = _message(user, title="将到期的消息", due_at=now + datetime.timedelta(days=2))
    sign_in(client, "counsellor")
    page = client.get("/inbox/").content.decode()

    past = _line_of(page, "已到期的消息")
    assert "到期" not in past
    assert f"收到于 <time>{timezone.localtime(arrived.created_at):%Y-%m-%d %H:%M}</time>" in past
    future = _line_of(page, "将到期的消息")
    assert f"到期 <time>{timezone.localtime(ahead.reminder.due_at):%Y-%m-%d %H:%M}</time>" in future


def test_a_message_without_a_reminder_says_when_it_arrived(client, account):
    user = account("counsellor")
    message = Notification.objects.create(user=user, title="直接发来的消息")
    sign_in(client, "counsellor", language="en")
    line = _line_of(client.get("/inbox/").content.decode(), "直接发来的消息")
    assert "Due" not in line
    assert f"Arrived <time>{timezone.localtime(message.created_at):%Y-%m-%d %H:%M}</time>" in line
