"""Escalation through the outbox: escalate once per step, to these people, with this message.

A ladder is a list of named steps: an overdue follow-up goes to the case's supervisor, an overdue
crisis assessment to the crisis team, and a hotline alert will climb backup → supervisor → lead.
Each step of each target tells each of its recipients once: the message is an outbox row
(`centre.reminders`) whose idempotency key is (target, step, recipient), so a re-run, a second
beat or two overlapping ticks never plan it twice.

`escalate_overdue` runs one step over the rows that are overdue for it. Each row is claimed by a
conditional UPDATE of the step's marker (a timestamp field, `escalated_at` by default) in the
transaction that plans its messages, so the next run does not select it again and a concurrent
run that claimed it first wins. A row with nobody to tell is left unclaimed, and logged by id:
the next run tries again rather than marking as escalated what reached no one.

`escalate_overdue_in_batches` does the same for a run's rows together: each recipient gets one
message naming what the batch holds for them (the counsellors concerned, the schools) instead of
one message per row. The rows are claimed together (locked with SKIP LOCKED, then marked) in the
transaction that plans the messages, so each row is in exactly one batch; a batch's key is
(model, its first row, step, recipient), unique because batches never share a row.

A ladder names its steps and gives each its own marker, e.g. the hotline's alerts:

    LADDER = [("backup", "backup_told_at"), ("supervisor", "supervisor_told_at"), ...]
    for step, marker in LADDER:
        escalate_overdue(alerts_overdue_for(step), step=step, marker=marker, notice=...)
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import models, transaction
from django.utils import timezone

from centre.models import Reminder, Site, User
from centre.reminders import reminder_plan

logger = logging.getLogger(__name__)

Row = TypeVar("Row", bound=models.Model)


@dataclass(frozen=True)
class Notice:
    """Who is told at a step, and with which message (a registered template and its params)."""

    recipients: Sequence[User]
    template: str
    params: dict[str, Any]
    site: Site | None = None  # where it belongs: its supervisors decide if a message fails


def escalation_key(*, target: models.Model, step: str, recipient: User) -> str:
    return f"escalation:{target._meta.label_lower}:{target.pk}:{step}:{recipient.pk}"


def escalate(*, target: models.Model, step: str, notice: Notice) -> list[Reminder]:
    """Plan the step's message about `target` to each recipient, in their inbox, now. Planning
    the same (target, step, recipient) again plans nothing new. Call inside a transaction."""
    return [
        reminder_plan(
            key=escalation_key(target=target, step=step, recipient=recipient),
            channel=Reminder.Channel.INBOX,
            due_at=timezone.now(),
            template=notice.template,
            params=notice.params,
            recipient=recipient,
            target=target,
            site=notice.site,
        )
        for recipient in notice.recipients
    ]


def escalate_overdue(
    overdue: models.QuerySet[Row],
    *,
    step: str,
    notice: Callable[[Row], Notice],
    marker: str = "escalated_at",
    limit: int = 500,
) -> int:
    """Escalate each row of `overdue` not yet marked for `step` (at most `limit` a run), each in
    its own transaction. Returns how many rows were escalated by this run."""
    model = overdue.model
    count = 0
    for row in overdue.filter(**{f"{marker}__isnull": True})[:limit]:
        told = notice(row)
        if not told.recipients:
            logger.warning("escalation %s of %s %s: nobody to tell", step, model._meta, row.pk)
            continue
        with transaction.atomic():
            claimed = model._default_manager.filter(
                pk=row.pk, **{f"{marker}__isnull": True}
            ).update(**{marker: timezone.now()})
            if claimed:
                escalate(target=row, step=step, notice=told)
                count += 1
    return count


def batch_key(*, model: type[models.Model], first: Any, step: str, recipient: User) -> str:
    return f"escalation:{model._meta.label_lower}:batch-{first}:{step}:{recipient.pk}"


def escalate_overdue_in_batches(
    overdue: models.QuerySet[Row],
    *,
    step: str,
    recipients: Callable[[Row], Iterable[User]],
    notice: Callable[[User, list[Row]], Notice],
    marker: str = "escalated_at",
    limit: int = 500,
) -> int:
    """Escalate the rows of `overdue` not yet marked for `step` (at most `limit` a run) as one
    batch: each recipient is told once, by `notice(recipient, their rows)`, about all the rows
    this run claimed for them. A row with nobody to tell is not claimed (logged by id; the next
    run tries again). Returns how many rows this run escalated."""
    model = overdue.model
    candidates = list(overdue.filter(**{f"{marker}__isnull": True})[:limit])
    told: dict[Any, list[User]] = {}
    for row in candidates:
        people = list(recipients(row))
        if people:
            told[row.pk] = people
        else:
            logger.warning("escalation %s of %s %s: nobody to tell", step, model._meta, row.pk)
    if not told:
        return 0
    with transaction.atomic():
        # A concurrent run skips what this one holds, and sees it marked once this one commits.
        claimed = list(
            model._default_manager.select_for_update(skip_locked=True)
            .filter(pk__in=list(told), **{f"{marker}__isnull": True})
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if not claimed:
            return 0
        model._default_manager.filter(pk__in=claimed).update(**{marker: timezone.now()})
        rows = {row.pk: row for row in candidates}
        batches: dict[int, tuple[User, list[Row]]] = {}
        for pk in claimed:
            for person in told[pk]:
                batches.setdefault(person.pk, (person, []))[1].append(rows[pk])
        for person, their_rows in batches.values():
            message = notice(person, their_rows)
            reminder_plan(
                key=batch_key(model=model, first=their_rows[0].pk, step=step, recipient=person),
                channel=Reminder.Channel.INBOX,
                due_at=timezone.now(),
                template=message.template,
                params=message.params,
                recipient=person,
                site=message.site,
            )
    return len(claimed)
