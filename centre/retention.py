"""Retention by record type (DOMAIN.md §5.5, ENGINEERING.md §6.8): what goes when, and how.

Each app declares its record types on its AppConfig (`retention_policies`, centre/declarations.py):

    RetentionPolicy(record_type="hotline.call", label=_("Hotline calls"),
                    setting="HOTLINE_RETENTION_YEARS", unit=YEARS,
                    expired="hotline.retention.calls_expired", order=30)

`expired(cutoff=…)` is the queryset of rows past the window. `apply` (optional, a dotted path
taking `rows=`) does something other than erasing them — screening de-identifies. The windows
are settings whose floors (the legal minimums) stop start-up when set lower (centre/settings).

`retention_run` (the monthly beat, and `manage.py retention`) counts, and unless it is a dry run
erases, each type in `order`, then writes one audit entry of counts (never names or ids).
Erasure reaches everything Django's delete collector reaches (cascades, and the direct-FK
guardian grants with them), guardian's generic grants, the files of every erased row, and the
reminders about an erased row with their inbox notifications.

Statistics: the months of the erased rows keep their rolled-up figures (MonthlyFigure, counts
only, no ids). The roll-up is brought up to date in the run's transaction before anything goes,
and the run tells the stale-month triggers (centre migration 0018) not to mark what it erases,
so the SUMMED figures of those months stay what they were. Figures counted from the records
(distinct students, stocks at a window's end) no longer count erased rows (README "Retention").

The audit log is append-only (Postgres triggers) and is not purged by the application: see
README "Retention and backups" for the deliberate operation."""

from __future__ import annotations

import datetime
import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, models, router, transaction
from django.db.models.deletion import Collector
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.module_loading import import_string

from centre.declarations import declared


class Unit(enum.StrEnum):
    YEARS = "years"
    MONTHS = "months"
    DAYS = "days"


@dataclass(frozen=True)
class RetentionPolicy:
    record_type: str  # app_label.model: the audit entry's key for the count
    label: str | Promise
    setting: str  # the window's length, in `unit`
    unit: Unit
    expired: str  # dotted path: (*, cutoff: datetime) -> QuerySet of rows past the window
    apply: str = ""  # dotted path: (*, rows: QuerySet) -> int; erasure when empty
    erases: bool = True  # False: counted and kept (the audit log)
    order: int = 50  # rows that PROTECT others go first (an outreach participant, its case)
    # The window counts from the end of another type's window: a consent is kept for the life of
    # the data it covers (`after`'s window) and then its own.
    after: str = ""

    def window(self) -> int:
        return int(getattr(settings, self.setting))


def policies() -> list[RetentionPolicy]:
    """Every declared policy, in the order they are applied."""
    declarations = declared("retention_policies")
    every = [policy for _config, app_policies in declarations for policy in app_policies]
    return sorted(every, key=lambda policy: policy.order)


def policy_errors() -> list[str]:
    """What is wrong with the declarations (a system check reports it at start-up)."""
    errors = []
    names = {policy.record_type for policy in policies()}
    for policy in policies():
        if not hasattr(settings, policy.setting):
            errors.append(f"{policy.record_type}: no setting {policy.setting}")
        if policy.after and policy.after not in names:
            errors.append(f"{policy.record_type}: counts after unknown {policy.after!r}")
        for path in filter(None, (policy.expired, policy.apply)):
            try:
                import_string(path)
            except ImportError as error:
                errors.append(f"{policy.record_type}: {error}")
    return errors


def cutoff(policy: RetentionPolicy, *, now: datetime.datetime) -> datetime.datetime:
    """The moment before which a row of this type is past its window."""
    years, months = (policy.window(), 0) if policy.unit == Unit.YEARS else (0, policy.window())
    if policy.after:
        now = cutoff(policy_of(policy.after), now=now)
    if policy.unit == Unit.DAYS:
        return now - datetime.timedelta(days=policy.window())
    return _months_before(now, years * 12 + months)


def policy_of(record_type: str) -> RetentionPolicy:
    return next(policy for policy in policies() if policy.record_type == record_type)


def _months_before(moment: datetime.datetime, months: int) -> datetime.datetime:
    local = timezone.localtime(moment)
    month_index = local.year * 12 + local.month - 1 - months
    year, month = divmod(month_index, 12)
    # 29 February of a leap year, 10 years back, is 28 February.
    for day in range(local.day, 27, -1):
        try:
            return local.replace(year=year, month=month + 1, day=day)
        except ValueError:
            continue
    return local.replace(year=year, month=month + 1, day=min(local.day, 28))


def retention_run(*, dry_run: bool, now: datetime.datetime | None = None) -> dict[str, int]:
    """Count (dry run) or apply every policy; one audit entry of the counts. Returns them.

    Applied, each type goes in batches of RETENTION_BATCH_ROWS rows, each batch its own short
    transaction with its own audit entry of its count: no lock is held for longer than a batch,
    and a run that stops half-way (a crash, a row that fails) leaves every committed batch done
    and audited and the rest past its window, for the next run. The summary entry says which
    type stopped the run."""
    now = now or timezone.now()
    counts: dict[str, int] = {}
    if dry_run:
        for policy in policies():
            rows = _expired(policy, now=now)
            counts[policy.record_type] = (_not_held(rows) if policy.erases else rows).count()
        _audit_run("centre.retention.previewed", counts, now=now)
        return counts
    _roll_up_every_month()
    for policy in policies():
        try:
            counts[policy.record_type] = _apply(policy, now=now, counts=counts)
        except Exception:
            _audit_run("centre.retention.failed", counts, now=now, stopped=policy.record_type)
            raise
    _audit_run("centre.retention.applied", counts, now=now)
    return counts


def _expired(policy: RetentionPolicy, *, now: datetime.datetime) -> models.QuerySet[Any]:
    rows: models.QuerySet[Any] = import_string(policy.expired)(cutoff=cutoff(policy, now=now))
    return rows


def _apply(policy: RetentionPolicy, *, now: datetime.datetime, counts: dict[str, int]) -> int:
    """Apply one policy batch by batch, in id order; `counts` holds what is done so far. A row
    a batch leaves in place (a legal hold, or de-identified) is never selected again by this
    run: the next batch starts after the last id."""
    rows = _expired(policy, now=now)
    if not policy.erases:
        return rows.count()
    rows = _not_held(rows)
    counts[policy.record_type] = 0
    last: Any = None
    while ids := _next_batch(rows, after=last):
        with transaction.atomic():
            _keep_rolled_up_figures()
            batch = rows.filter(pk__in=ids)
            done = import_string(policy.apply)(rows=batch) if policy.apply else erase(batch)
            _mark_changes_again()
            _audit_batch(policy, done)
        counts[policy.record_type] += done
        last = ids[-1]
    return counts[policy.record_type]


def _not_held(rows: models.QuerySet[Any]) -> models.QuerySet[Any]:
    from centre.legal_holds import held_ids

    held = held_ids(rows.model)
    return rows.exclude(pk__in=held) if held else rows


def held_counts(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Per type, the rows past their window kept by a legal hold on them (the report's line)."""
    now = now or timezone.now()
    counts = {}
    for policy in policies():
        if policy.erases:
            rows = _expired(policy, now=now)
            counts[policy.record_type] = rows.count() - _not_held(rows).count()
    return counts


def _next_batch(rows: models.QuerySet[Any], *, after: Any) -> list[Any]:
    if after is not None:
        rows = rows.filter(pk__gt=after)
    return list(rows.order_by("pk").values_list("pk", flat=True)[: settings.RETENTION_BATCH_ROWS])


def _audit_batch(policy: RetentionPolicy, done: int) -> None:
    """In the batch's transaction: the log says what went exactly as far as it went. A type
    and a count, never an id or a name of what was erased."""
    from centre.audit import audit_log

    audit_log(
        actor=None,
        actor_username="retention",
        action="centre.retention.erased",
        data={"record_type": policy.record_type, "count": done},
    )


def _audit_run(
    action: str, counts: dict[str, int], *, now: datetime.datetime, stopped: str = ""
) -> None:
    from centre.audit import audit_log

    data: dict[str, Any] = {"counts": counts, "at": now.isoformat()}
    if stopped:
        data["stopped_at"] = stopped
    audit_log(actor=None, actor_username="retention", action=action, data=data)


KEEP_ROLLED_UP = "centre.keep_rolled_up"  # read by the trigger of centre migration 0018


def _roll_up_every_month() -> None:
    """Before anything goes, every month that holds records is rolled up — those before the
    roll-up's horizon (CENTRE_OPENED_MONTH) too — so that the months of what is erased are read
    from the roll-up from then on (Postgres only)."""
    from centre.statistics import rollup_before_horizon, rollup_refresh

    rollup_refresh()
    rollup_before_horizon()


def _keep_rolled_up_figures() -> None:
    """In a batch's transaction: count the roll-up's stale months now, with every record of the
    batch still there (holding the roll-up's lock until the batch commits), then have the
    stale-month triggers leave this transaction's erasures unmarked (Postgres only)."""
    from centre.statistics import rollup_enabled, rollup_refresh

    if not rollup_enabled():
        return
    rollup_refresh()
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config(%s, 'on', true)", [KEEP_ROLLED_UP])


def _mark_changes_again() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config(%s, 'off', true)", [KEEP_ROLLED_UP])


BATCH = 500  # rows collected at a time: the collector holds each batch's cascade in memory


def erase(rows: models.QuerySet[Any]) -> int:
    """Delete the rows with everything that cascades from them, their generic guardian grants,
    their files (after commit) and the reminders about them with their notifications. Returns
    how many rows of the queryset's own model went. Caller holds a transaction."""
    erased = 0
    # By id, after the last batch: a row kept (a hold reached) is never selected again.
    while batch := list(rows.order_by("pk")[:BATCH]):
        last = batch[-1].pk  # the collector empties the pk of what it deletes
        erased += _erase_batch(batch)
        rows = rows.filter(pk__gt=last)
    return erased


def _erase_batch(batch: list[models.Model]) -> int:
    model = type(batch[0])
    collector = Collector(using=router.db_for_write(model))
    collector.collect(batch)
    collected: dict[type[models.Model], list[Any]] = {}
    for collected_model, instances in collector.data.items():
        collected.setdefault(collected_model, []).extend(instances)
    for queryset in collector.fast_deletes:
        collected.setdefault(queryset.model, []).extend(queryset)
    if _reaches_a_hold(collected):
        # Row by row, to keep exactly those whose erasure would take a held record with it.
        return 0 if len(batch) == 1 else sum(_erase_batch([row]) for row in batch)
    for collected_model, instances in collected.items():
        ids = [instance.pk for instance in instances]
        _erase_reminders(collected_model, ids)
        _erase_generic_grants(collected_model, ids)
        _erase_files_on_commit(instances)
    collector.delete()
    return len(batch)


def _reaches_a_hold(collected: dict[type[models.Model], list[Any]]) -> bool:
    from centre.legal_holds import held_among

    return any(
        held_among(model, [instance.pk for instance in instances])
        for model, instances in collected.items()
    )


def _erase_reminders(model: type[models.Model], ids: list[Any]) -> None:
    from centre.models import Notification, Reminder

    about = Reminder.objects.filter(
        target_type=model._meta.label_lower, target_id__in=[str(pk) for pk in ids]
    )
    Notification.objects.filter(reminder__in=about).delete()
    about.delete()


def _erase_generic_grants(model: type[models.Model], ids: list[Any]) -> None:
    """Guardian's generic grants name a record by content type and text id: no cascade reaches
    them (ENGINEERING.md §6.8). The direct-FK ones went with the collector."""
    from django.contrib.contenttypes.models import ContentType
    from guardian.models import GroupObjectPermission, UserObjectPermission

    content_type = ContentType.objects.get_for_model(model, for_concrete_model=False)
    for grants in (UserObjectPermission, GroupObjectPermission):
        grants.objects.filter(
            content_type=content_type, object_pk__in=[str(pk) for pk in ids]
        ).delete()


def _erase_files_on_commit(instances: Iterable[models.Model]) -> None:
    """A row's stored files go once the row is gone for good (a rolled-back run keeps both)."""
    for instance in instances:
        for field in instance._meta.concrete_fields:
            if isinstance(field, models.FileField):
                stored = getattr(instance, field.attname)
                if stored:
                    transaction.on_commit(_deleter(field.storage, str(stored)))


def _deleter(storage: Any, name: str) -> Callable[[], None]:
    return lambda: storage.delete(name)


def erase_file(instance: models.Model, field_name: str) -> bool:
    """Remove one stored file of a row that stays (after commit) and empty its field."""
    stored = getattr(instance, field_name)
    if not stored:
        return False
    transaction.on_commit(_deleter(stored.storage, str(stored)))
    setattr(instance, field_name, "")
    instance.save(update_fields=[field_name])
    return True


def audit_entries_expired(*, cutoff: datetime.datetime) -> models.QuerySet[Any]:
    from centre.models import AuditEntry

    return AuditEntry.objects.filter(at__lt=cutoff)
