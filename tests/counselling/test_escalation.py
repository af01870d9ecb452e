"""The outbox's escalation helper (`centre.escalation`): once per step, to these people, with
this message — on overdue follow-ups, its first user; then with a real worker and Redis."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from centre import escalation, reminders
from centre.models import Notification, Reminder
from counselling import services
from counselling.models import FollowUp
from tests.support.concurrency import at_the_same_time
from tests.support.worker import finished, wait_for

pytestmark = pytest.mark.django_db


def overdue_follow_up(case, *, days: int = 3) -> FollowUp:
    follow_up = services.follow_up_add(actor=case.counsellor, case=case, due_at=timezone.now())
    FollowUp.objects.filter(pk=follow_up.pk).update(
        due_at=timezone.now() - datetime.timedelta(days=days)
    )
    follow_up.refresh_from_db()
    return follow_up


def notice(follow_up: FollowUp, *recipients) -> escalation.Notice:
    return escalation.Notice(
        recipients=list(recipients),
        template="follow_up_overdue",
        params={"case": follow_up.case_id, "day": "2026-01-05"},
        site=follow_up.case.site,
    )


def escalations(follow_up: FollowUp):
    return Reminder.objects.filter(
        template="follow_up_overdue", target_id=str(follow_up.pk)
    ).order_by("idempotency_key")


def batches():
    """The app's escalations: one inbox message per supervisor and run."""
    return Reminder.objects.filter(template="follow_ups_overdue").order_by("id")


def test_each_step_tells_each_of_its_recipients_once(alice, bob, sam, make_case):
    follow_up = overdue_follow_up(make_case(counsellor=alice))
    for _run in range(2):
        escalation.escalate(target=follow_up, step="supervisor", notice=notice(follow_up, sam))
    assert [(row.recipient, row.channel) for row in escalations(follow_up)] == [(sam, "inbox")]

    # The next step of a ladder tells its own people, the one already told included.
    for _run in range(2):
        escalation.escalate(target=follow_up, step="lead", notice=notice(follow_up, sam, bob))
    keys = list(escalations(follow_up).values_list("idempotency_key", "recipient"))
    assert keys == sorted(
        (f"escalation:counselling.followup:{follow_up.pk}:{step}:{user.pk}", user.pk)
        for step, user in [("supervisor", sam), ("lead", sam), ("lead", bob)]
    )


def test_a_re_run_escalates_nothing_twice(alice, sam, make_case):
    first, second = (overdue_follow_up(make_case(counsellor=alice)) for _ in range(2))
    overdue = FollowUp.objects.filter(pk__in=[first.pk, second.pk])

    def run() -> int:
        return escalation.escalate_overdue(
            overdue, step="supervisor", notice=lambda row: notice(row, sam)
        )

    assert run() == 2
    assert run() == 0
    assert escalations(first).count() == escalations(second).count() == 1
    assert all(row.escalated_at for row in overdue)


def test_a_row_with_nobody_to_tell_waits_for_the_next_run(alice, sam, make_case, caplog):
    follow_up = overdue_follow_up(make_case(counsellor=alice))
    overdue = FollowUp.objects.filter(pk=follow_up.pk)

    assert escalation.escalate_overdue(overdue, step="supervisor", notice=notice) == 0
    follow_up.refresh_from_db()
    assert follow_up.escalated_at is None  # not marked as escalated to nobody
    assert f"followup {follow_up.pk}: nobody to tell" in caplog.text

    assert (
        escalation.escalate_overdue(overdue, step="supervisor", notice=lambda row: notice(row, sam))
        == 1
    )
    assert [row.recipient for row in escalations(follow_up)] == [sam]


def test_an_overdue_follow_up_with_no_supervisor_is_escalated_once_one_is_named(
    alice, sam, make_case
):
    """Through the app's own job: the case's site has supervisors, but none is active yet."""
    follow_up = overdue_follow_up(make_case(counsellor=alice))
    sam.is_active = False
    sam.save(update_fields=["is_active"])
    assert services.escalate_overdue() == 0
    sam.is_active = True
    sam.save(update_fields=["is_active"])
    assert services.escalate_overdue() == 1
    assert services.escalate_overdue() == 0
    assert [row.recipient for row in batches()] == [sam]
    follow_up.refresh_from_db()
    assert follow_up.escalated_at is not None


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_the_same_time_escalate_each_row_once(alice, sam, make_case):
    planned = [overdue_follow_up(make_case(counsellor=alice)) for _ in range(20)]
    counts = at_the_same_time(services.escalate_overdue)
    assert sum(counts) == 20
    # Each row is in exactly one batch: one message per run that claimed any, 20 rows in all.
    messages = list(batches())
    assert len(messages) == len([count for count in counts if count])
    assert sum(message.params["follow_ups"] for message in messages) == 20
    assert all(message.recipient == sam for message in messages)
    assert (
        FollowUp.objects.filter(
            pk__in=[row.pk for row in planned], escalated_at__isnull=True
        ).count()
        == 0
    )


def test_the_real_worker_runs_the_escalation_and_delivers_each_message_once(
    celery_worker, alice, sam, make_case
):
    from counselling.tasks import escalate_overdue_follow_ups

    follow_up = overdue_follow_up(make_case(counsellor=alice))
    runs = finished(escalate_overdue_follow_ups)
    for tick in range(1, 4):  # the beat's entry, three times: routed to `reminders`
        escalate_overdue_follow_ups.delay()
        # The run has ended (its message committed) before the outbox is dispatched.
        wait_for(lambda tick=tick: finished(escalate_overdue_follow_ups) == runs + tick)
        reminders.reminders_dispatch()
        wait_for(lambda: not batches().exclude(status="sent").exists())
    (message,) = batches()
    assert message.recipient == sam
    follow_up.refresh_from_db()
    assert follow_up.escalated_at is not None
    assert list(Notification.objects.filter(reminder__in=batches())) == [
        Notification.objects.get(user=sam, reminder=message)
    ]
