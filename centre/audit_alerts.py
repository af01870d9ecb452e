"""What the auditors are told without asking (DOMAIN.md §5.4), through the reminder outbox into
their inbox: the daily check of the audit log's hash chain failed, or a member of staff without
an analytic role read more client records in an hour than AUDIT_BULK_ACCESS_RECORDS.

Bulk access is counted by a beat job every five minutes over the audit log of the current and
the previous clock hour, not by a counter on every read: the read path pays nothing, the count
is exact and distinct (a record read twice is one), it counts every path that audits a read
(pages, API, exports) from the log itself — which a Redis flush or a restarted worker cannot
reset — and it needs no Redis (trial runs). Its price is up to five minutes' delay, and a query
over two hours of entries (indexed by time; measured in bench/audit.py)."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from centre.audit import audit_log
from centre.audit_chain import BREAK_REASONS, audit_chain_seal, audit_chain_verify
from centre.declarations import declared
from centre.models import AuditEntry, AuditRecord, Reminder, User
from centre.reminders import Message, reminder_plan
from centre.roles import ANALYTIC_ROLES, Role
from centre.selectors import READ_ACTION_REGEX

CHAIN_VERIFIED = "centre.audit_chain.verified"
BULK_ACCESS_ALERTED = "centre.bulk_access.alerted"
HOUR = datetime.timedelta(hours=1)


def tell_auditors(
    *, key: str, template: str, params: dict[str, Any], target: User | None = None
) -> None:
    """One inbox message to every active auditor, once each for `key` (the outbox's key)."""
    for auditor in User.objects.filter(groups__name=Role.AUDITOR.value, is_active=True):
        reminder_plan(
            key=f"{key}:{auditor.pk}",
            channel=Reminder.Channel.INBOX,
            due_at=timezone.now(),
            template=template,
            params=params,
            recipient=auditor,
            target=target,
        )


# The daily check of the chain -------------------------------------------------------------------


def audit_chain_check() -> bool:
    """Seal what waits, verify the whole chain, audit the outcome and, if it failed, tell every
    auditor (once a day each). True when the chain verified."""
    audit_chain_seal()
    verification = audit_chain_verify()
    broken = verification.broken
    data: dict[str, Any] = {"checked": verification.checked, "unsealed": verification.unsealed}
    if broken is not None:
        data.update(entry=broken.entry_id, position=broken.position, reason=broken.reason)
    if verification.seal_overdue:
        data["seal_overdue"] = True
    with transaction.atomic():
        audit_log(
            actor=None,
            action=CHAIN_VERIFIED,
            result=AuditEntry.Result.SUCCESS if verification.ok else AuditEntry.Result.FAILED,
            data=data,
        )
        if not verification.ok:
            _tell_of_broken_chain(data)
    return verification.ok


def _tell_of_broken_chain(data: dict[str, Any]) -> None:
    today = timezone.localdate()
    params = {
        "entry": data.get("entry"),
        "reason": data.get("reason", ""),
        "unsealed": data["unsealed"],
    }
    tell_auditors(key=f"audit_chain:{today:%Y-%m-%d}", template="audit_chain_failed", params=params)


def chain_failed_message(params: dict[str, Any]) -> Message:
    if params.get("entry") is not None:
        body = _(
            "Entry #%(entry)s does not verify: the log may have been changed outside the "
            "portal. Run “manage.py audit_verify” on the server for the details."
        ) % {"entry": params["entry"]}
    elif params.get("reason"):  # the purge anchor, with no entry after it left to name
        body = _(
            "The audit log does not verify from its purge anchor: the log may have been changed "
            "outside the portal. Run “manage.py audit_verify” on the server for the details."
        )
    else:
        body = _(
            "%(count)s entries have waited too long to be sealed: the sealer is not running."
        ) % {"count": params.get("unsealed", 0)}
    return Message(
        title=_("The audit log failed its daily check"), body=body, link=reverse("audit-log")
    )


def break_reason(reason: str) -> str:
    """Why an entry does not verify, as the command prints it."""
    return BREAK_REASONS.get(reason, reason)


# Bulk access ------------------------------------------------------------------------------------


def client_record_types() -> list[str]:
    """The kinds of record that stand for one child, as each app declares them on its AppConfig
    (`client_records`: "counselling.client", "hotline.call", …)."""
    return sorted({name for _config, names in declared("client_records") for name in names})


def bulk_readers(
    *, start: datetime.datetime, end: datetime.datetime, threshold: int
) -> list[tuple[int, int]]:
    """(user id, distinct client records read) for each user without an analytic role who read
    more than `threshold` client records in [start, end): the records an entry is about and the
    records a list or an export showed (`AuditRecord`), each (kind, id) once."""
    types = client_record_types()
    analytic = User.objects.filter(groups__name__in=[role.value for role in ANALYTIC_ROLES])
    reads = (
        AuditEntry.objects.filter(at__gte=start, at__lt=end, actor__isnull=False)
        .filter(action__regex=READ_ACTION_REGEX)
        .exclude(actor__in=analytic.values("pk"))
    )
    direct = (
        reads.filter(target_type__in=types)
        .order_by()
        .values_list("actor_id", "target_type", "target_id")
    )
    # The entry's conditions on the join itself: one index scan of the hour's entries, each
    # joined to its records by the entry index (a subquery of ids made Postgres read all of
    # AuditRecord instead).
    listed = (
        AuditRecord.objects.filter(
            entry__at__gte=start,
            entry__at__lt=end,
            entry__actor__isnull=False,
            entry__action__regex=READ_ACTION_REGEX,
            target_type__in=types,
        )
        .exclude(entry__actor__in=analytic.values("pk"))
        .order_by()
        .values_list("entry__actor_id", "target_type", "target_id")
    )
    distinct_reads, params = direct.union(listed).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT actor_id, COUNT(*) FROM ({distinct_reads}) AS distinct_reads"  # noqa: S608
            " GROUP BY actor_id HAVING COUNT(*) > %s",
            [*params, threshold],
        )
        return [(int(actor), int(count)) for actor, count in cursor.fetchall()]


def bulk_access_alert(*, now: datetime.datetime | None = None) -> int:
    """Tell the auditors of each bulk reader of the previous and the current clock hour, once
    per user and hour (the alert's own audit entry marks it told). The number of alerts."""
    now = now or timezone.now()
    this_hour = now.replace(minute=0, second=0, microsecond=0)
    threshold = settings.AUDIT_BULK_ACCESS_RECORDS
    alerts = 0
    for start in (this_hour - HOUR, this_hour):
        for user_id, records in bulk_readers(start=start, end=start + HOUR, threshold=threshold):
            alerts += _alert_once(user_id=user_id, records=records, hour=start)
    return alerts


def _alert_once(*, user_id: int, records: int, hour: datetime.datetime) -> int:
    reader = User.objects.filter(pk=user_id).first()
    if reader is None:
        return 0
    hour_key = f"{hour:%Y-%m-%dT%H}"
    told = AuditEntry.objects.filter(
        action=BULK_ACCESS_ALERTED,
        target_type=reader._meta.label_lower,
        target_id=str(reader.pk),
        data__hour=hour_key,
    )
    with transaction.atomic():
        if told.exists():
            return 0
        audit_log(
            actor=None,
            action=BULK_ACCESS_ALERTED,
            target=reader,
            data={"hour": hour_key, "records": records},
        )
        local = timezone.localtime(hour)
        params = {
            "account": reader.pk,
            "records": records,
            "day": f"{local:%Y-%m-%d}",
            "start": f"{local:%H:%M}",
            "end": f"{local + HOUR:%H:%M}",
            "limit": settings.AUDIT_BULK_ACCESS_RECORDS,
        }
        tell_auditors(
            key=f"bulk_access:{reader.pk}:{hour_key}",
            template="audit_bulk_access",
            params=params,
            target=reader,
        )
    return 1


def bulk_access_message(params: dict[str, Any]) -> Message:
    query = urlencode(
        {"account": params["account"], "since": params["day"], "until": params["day"]}
    )
    return Message(
        title=_("Bulk access to client records"),
        body=_(
            "Account #%(account)s read %(records)s client records on %(day)s between "
            "%(start)s and %(end)s, more than the %(limit)s allowed in an hour."
        )
        % params,
        link=f"{reverse('audit-log')}?{query}",
    )
