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

A ladder names its steps and gives each its own marker, e.g. the hotline's alerts:

    LADDER = [("backup", "backup_told_at"), ("supervisor", "supervisor_told_at"), ...]
    for step, marker in LADDER:
        escalate_overdue(alerts_overdue_for(step), step=step, marker=marker, notice=...)
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
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
