"""What the auditors are told without asking (centre.audit_alerts): the daily check of the hash
chain failed (through the beat's task, on a real worker), or bulk reads of client records."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from centre.audit import audit_log, audit_read
from centre.audit_alerts import BULK_ACCESS_ALERTED, CHAIN_VERIFIED, bulk_access_alert
from centre.audit_chain import audit_chain_seal
from centre.models import AuditEntry, Notification, Reminder
from centre.reminders import reminders_dispatch
from tests.support.worker import finished, wait_for


@pytest.fixture
def auditor(account):
    return account("auditor")


def reads(rf, user, model, numbers, action="counselling.client.listed"):
    """`user` shown the records of `model` with these ids on one page, as a list page audits."""
    request = rf.get("/")
    request.user = user
    return audit_read(request, action, [model(pk=number) for number in numbers])


def test_a_broken_chain_is_told_to_every_auditor_by_the_daily_task(celery_worker, auditor):
    from centre.tasks import verify_audit_log

    entries = [audit_log(actor=None, action="centre.test.written") for _ in range(3)]
    audit_chain_seal()
    with connection.cursor() as cursor:
        cursor.execute(
            "ALTER TABLE centre_auditentry DISABLE TRIGGER centre_auditentry_append_only"
        )
        cursor.execute("UPDATE centre_auditentry SET reason = 'x' WHERE id = %s", [entries[1].pk])
        cursor.execute("ALTER TABLE centre_auditentry ENABLE TRIGGER centre_auditentry_append_only")
    runs = finished(verify_audit_log)
    verify_audit_log.delay()
    wait_for(lambda: finished(verify_audit_log) == runs + 1, timeout=60)
    (checked,) = AuditEntry.objects.filter(action=CHAIN_VERIFIED)
    assert checked.result == AuditEntry.Result.FAILED
    assert checked.data["entry"] == entries[1].pk
    (told,) = Reminder.objects.filter(template="audit_chain_failed")
    assert told.recipient == auditor
    assert told.params["entry"] == entries[1].pk
    reminders_dispatch()
    wait_for(lambda: Notification.objects.filter(user=auditor).exists())
    notification = Notification.objects.get(user=auditor)
    assert f" {entries[1].pk} " in notification.body  # in the auditor's language
    assert notification.link == "/audit/"


def test_a_chain_that_verifies_is_audited_and_tells_no_one(db, auditor):
    from centre.audit_alerts import audit_chain_check

    audit_log(actor=None, action="centre.test.written")
    assert audit_chain_check() is True
    checked = AuditEntry.objects.get(action=CHAIN_VERIFIED)
    assert checked.result == AuditEntry.Result.SUCCESS
    assert not Reminder.objects.filter(template="audit_chain_failed").exists()


def test_more_than_fifty_client_records_in_an_hour_is_told_once(rf, db, alice, auditor):
    from counselling.models import Case, Client

    reads(rf, alice, Client, range(1, 31))
    reads(rf, alice, Case, range(1, 21), action="counselling.case.viewed")  # 50: the limit
    reads(rf, alice, Client, range(1, 31))  # read again: still the same records
    assert bulk_access_alert() == 0
    reads(rf, alice, Client, [31])
    assert bulk_access_alert() == 1
    alert = AuditEntry.objects.get(action=BULK_ACCESS_ALERTED)
    assert (alert.target_type, alert.target_id) == ("centre.user", str(alice.pk))
    assert alert.data["records"] == 51
    (told,) = Reminder.objects.filter(template="audit_bulk_access")
    assert told.recipient == auditor
    assert told.params["account"] == alice.pk
    assert told.params["records"] == 51
    reads(rf, alice, Client, range(100, 200))
    assert bulk_access_alert() == 0  # once per user and hour
    assert AuditEntry.objects.filter(action=BULK_ACCESS_ALERTED).count() == 1


def test_one_read_entry_of_a_record_counts_as_a_client_record(rf, db, alice):
    from hotline.models import Call

    request = rf.get("/")
    request.user = alice
    for number in range(1, 52):
        audit_read(request, "hotline.call.viewed", Call(pk=number))
    assert bulk_access_alert() == 1


def test_analytic_roles_writes_and_other_records_are_not_counted(rf, db, alice, account):
    from counselling.models import Client
    from outreach.models import Event

    reads(rf, account("stats"), Client, range(1, 200))  # an analytic role
    reads(rf, alice, Event, range(1, 200), action="outreach.event.listed")  # not a child
    for number in range(1, 60):  # changes are not reads
        audit_log(actor=alice, action="counselling.client.changed", target=Client(pk=number))
    assert bulk_access_alert() == 0


def test_reads_of_the_hour_before_are_counted_in_their_own_hour(rf, db, alice):
    from counselling.models import Client

    reads(rf, alice, Client, range(1, 52))
    in_an_hour = timezone.now() + datetime.timedelta(hours=1)
    assert bulk_access_alert(now=in_an_hour) == 1  # the hour just ended
    assert bulk_access_alert(now=in_an_hour + datetime.timedelta(hours=1)) == 0


@override_settings(AUDIT_BULK_ACCESS_RECORDS=5)
def test_the_limit_is_a_setting(rf, db, alice):
    from counselling.models import Client

    reads(rf, alice, Client, range(1, 7))
    assert bulk_access_alert() == 1


def test_the_alert_links_to_the_readers_entries_of_that_day(rf, client, db, alice, bob, auditor):
    from counselling.models import Client

    reads(rf, alice, Client, range(1, 52))
    reads(rf, bob, Client, [1])
    bulk_access_alert()
    reminders_dispatch()
    reminder = Reminder.objects.get(template="audit_bulk_access")
    from centre.reminders import reminder_send

    assert reminder_send(reminder.pk)
    notification = Notification.objects.get(user=auditor)
    assert alice.username not in notification.link + notification.title + notification.body
    client.force_login(auditor)
    page = client.get(notification.link)
    assert page.status_code == 200
    assert page.text.count(f"?user={alice.username}") == 1  # her one list of 51
    assert f"?user={bob.username}" not in page.text
