"""Purging the audit log past AUDIT_RETENTION_YEARS (DOMAIN.md §5.5), the one supported way
(`manage.py audit_purge`, README "Retention and backups"): the oldest stretch of the chain goes,
and an anchor (`AuditChainAnchor`) keeps where it ended, so the chain that remains still
verifies from it and a removal anywhere else is still named.

One transaction, as the database's owner (the application's role may not delete, and the
triggers let a DELETE through only for the owner, only for entries sealed at or before the
position the transaction set with SET LOCAL — migration 0023):

1. the sealers' lock (no entry is chained meanwhile; writers go on writing, unsealed);
2. the stretch: from the chain's start (after the latest anchor) up to the entry before the
   first one written on or after `before` (the chain's order is the order of sealing: an entry
   written before the day but sealed after a later one stays, for the next purge); refused if
   any entry written before the day is not sealed yet, or if the stretch does not verify (a
   purge must not bury a broken chain);
3. the stretch written to the export file, which must not exist yet, and its SHA-256 taken.
   The purge writes the export itself rather than trusting one made earlier: only then is the
   file exactly what is deleted (an export made by hand minutes before may hold a different
   stretch) and its hash worth recording;
4. its records, break-glass reviews (written into the export beside their entry) and entries
   deleted; the purge audited (`centre.audit_log.purged`, in the name of the auditor who signed
   it off, carrying the values of its anchor) and the anchor written, naming that entry: what
   makes the anchor tamper-evident (`centre.audit_chain.anchor_break`).

If anything fails, nothing is deleted and the export file is removed."""

from __future__ import annotations

import datetime
import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils import timezone

from centre.audit import audit_log
from centre.audit_chain import (
    BREAK_REASONS,
    GENESIS,
    PURGED,
    SEALER_LOCK_KEY,
    anchor_values,
    chained_entries,
    export_line,
    latest_anchor,
    verify_stretch,
)
from centre.errors import ServiceError
from centre.models import AuditChainAnchor, AuditEntry, AuditRecord, BreakGlassReview, User
from centre.roles import Role

RETENTION_FLOOR_YEARS = 3  # DOMAIN.md §5.5, whatever AUDIT_RETENTION_YEARS says
PURGE_SETTING = "centre.audit_purge_through"  # read by the triggers (migration 0023)


class PurgeRefusedError(ServiceError):
    code = "audit_purge_refused"


@dataclass(frozen=True)
class PurgePlan:
    """The stretch a purge takes: chain positions first..last, following `previous`."""

    first_position: int
    last_position: int
    previous_hash: str
    last_chain_hash: str

    @property
    def count(self) -> int:
        return self.last_position - self.first_position + 1


def latest_purgeable_day(today: datetime.date | None = None) -> datetime.date:
    """The latest `before` a purge accepts: the retention window back from today."""
    today = today or timezone.localdate()
    years = max(settings.AUDIT_RETENTION_YEARS, RETENTION_FLOOR_YEARS)
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February, back to a year without one
        return today.replace(year=today.year - years, day=28)


def audit_purge_plan(*, before: datetime.date) -> PurgePlan:
    """What a purge of the entries written before `before` would take; refused when the day is
    inside the window, when an entry written before it waits for the sealer, or when nothing
    goes."""
    if before > latest_purgeable_day():
        raise PurgeRefusedError(
            f"{before} is inside the retention window: the latest day allowed is"
            f" {latest_purgeable_day()} (AUDIT_RETENTION_YEARS, at least {RETENTION_FLOOR_YEARS})",
            code="inside_retention_window",
        )
    cutoff = timezone.make_aware(datetime.datetime.combine(before, datetime.time()))
    if AuditEntry.objects.filter(chain_position__isnull=True, at__lt=cutoff).exists():
        raise PurgeRefusedError(
            "entries written before that day are not sealed yet: let the sealer run first",
            code="unsealed",
        )
    anchor = latest_anchor()
    first = anchor.chain_position + 1 if anchor is not None else 1
    sealed = AuditEntry.objects.filter(chain_position__isnull=False)
    kept = sealed.filter(at__gte=cutoff).order_by("chain_position")
    first_kept = kept.values_list("chain_position", flat=True).first()
    if first_kept is None:
        last = sealed.order_by("-chain_position").values_list("chain_position", flat=True).first()
    else:
        last = first_kept - 1
    if last is None or last < first:
        raise PurgeRefusedError("nothing to purge before that day", code="nothing")
    last_hash = sealed.filter(chain_position=last).values_list("chain_hash", flat=True).first()
    return PurgePlan(
        first_position=first,
        last_position=last,
        previous_hash=anchor.chain_hash if anchor is not None else GENESIS,
        last_chain_hash=last_hash or "",
    )


def audit_purge(
    *, before: datetime.date, by: User, export: Path, dry_run: bool = False
) -> tuple[PurgePlan, AuditChainAnchor | None]:
    """Purge the entries written before `before` (see the module), signed off by the auditor
    `by`, into the new file `export`. A dry run only plans: it writes nothing, file or row."""
    if not by.is_active or not by.has_role(Role.AUDITOR):
        raise PermissionDenied
    if dry_run:
        return audit_purge_plan(before=before), None
    _refuse_unless_owner()
    written = False
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SEALER_LOCK_KEY])
            plan = audit_purge_plan(before=before)
            broken = verify_stretch(plan.first_position, plan.last_position, plan.previous_hash)
            if broken is not None:
                raise PurgeRefusedError(
                    f"entry {broken.entry_id} (chain position {broken.position}) does not"
                    f" verify: {BREAK_REASONS[broken.reason]}; nothing is purged",
                    code="broken_chain",
                )
            digest = _write_export(export, plan)
            written = True
            _delete_stretch(plan)
            anchor = AuditChainAnchor(
                chain_position=plan.last_position,
                chain_hash=plan.last_chain_hash,
                first_position=plan.first_position,
                purged=plan.count,
                before=before,
                at=timezone.now(),
                by=by,
                export_sha256=digest,
            )
            # The entry first: the anchor names it, and neither may change once written.
            entry = audit_log(actor=by, action=PURGED, data={"anchor": anchor_values(anchor)})
            anchor.audit_entry_id = entry.pk
            anchor.save()
    except BaseException:
        if written:
            export.unlink(missing_ok=True)
        raise
    return plan, anchor


def _refuse_unless_owner() -> None:
    """Postgres only, as the owner of the audit tables (or a superuser): the triggers would
    refuse anyone else anyway, this says so plainly first."""
    if connection.vendor != "postgresql":
        raise PurgeRefusedError("the purge runs on Postgres only", code="not_postgres")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_has_role(current_user, relowner, 'USAGE') FROM pg_class"
            " WHERE oid = %s::regclass",
            [AuditEntry._meta.db_table],
        )
        owner = cursor.fetchone()[0]
    if not owner:
        raise PurgeRefusedError(
            "connect as the owner of the tables (the role that runs migrate), not the"
            " application's role",
            code="not_owner",
        )


def _write_export(export: Path, plan: PurgePlan) -> str:
    """The stretch as `audit_export` lines (a break-glass review of an entry beside it), to a
    new file, flushed to disk; its SHA-256."""
    digest = hashlib.sha256()
    with open(export, "x", encoding="utf-8") as output:  # never another's file: "x"
        try:
            for line in _export_lines(plan):
                text = f"{line}\n"
                output.write(text)
                digest.update(text.encode())
            output.flush()
            os.fsync(output.fileno())
        except BaseException:
            export.unlink(missing_ok=True)
            raise
    return digest.hexdigest()


def _export_lines(plan: PurgePlan) -> Iterator[str]:
    reviews = {
        review["entry_id"]: review
        for review in BreakGlassReview.objects.filter(
            entry__chain_position__gte=plan.first_position,
            entry__chain_position__lte=plan.last_position,
        ).values("entry_id", "reviewer_id", "note", "at")
    }
    for entry, records in chained_entries(plan.first_position, plan.last_position):
        review = reviews.get(entry.pk)
        extra: dict[str, Any] | None = None
        if review is not None:
            extra = {"break_glass_review": {**review, "at": review["at"].isoformat()}}
        yield export_line(entry, records, extra)


def _delete_stretch(plan: PurgePlan) -> None:
    """Delete the stretch, its records and reviews first; the triggers let these rows through
    for this transaction only. Refused if the count is not the stretch's (a gap: the chain was
    verified just before, so this is a race nobody should win)."""
    stretch = [plan.first_position, plan.last_position]
    entries = AuditEntry._meta.db_table
    in_stretch = f"entry_id IN (SELECT id FROM {entries} WHERE chain_position BETWEEN %s AND %s)"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config(%s, %s, true)", [PURGE_SETTING, str(plan.last_position)])
        for dependant in (AuditRecord, BreakGlassReview):
            cursor.execute(f"DELETE FROM {dependant._meta.db_table} WHERE {in_stretch}", stretch)  # noqa: S608
        cursor.execute(
            f"DELETE FROM {entries} WHERE chain_position BETWEEN %s AND %s",  # noqa: S608
            stretch,
        )
        deleted = cursor.rowcount
        cursor.execute("SELECT set_config(%s, '', true)", [PURGE_SETTING])
    if deleted != plan.count:
        raise PurgeRefusedError(
            f"{deleted} entries found for {plan.count} chain positions", code="gap"
        )
