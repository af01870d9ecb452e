"""The audit log's hash chain (DOMAIN.md §5.4: tamper-evident): each entry carries the hash of
its content and the chain hash of the entry before it, so that changing, removing or reordering
any sealed entry breaks the chain from there on, and `audit_chain_verify` names where.

Writers never touch the chain: `audit_log` inserts as before, with no lock and no read of the
previous entry, so that concurrent writers (every read of a minor's record is one) never wait on
each other. The sealer, `audit_chain_seal` (beat, every minute), chains the committed entries
not yet chained, in id order, after the last one chained, under an advisory lock so that only
one sealer runs at a time. An entry committed late (a long transaction) is chained when the
sealer first sees it: the chain's order is the order of sealing (`chain_position`), which is
what a verifier follows. Until it is sealed an entry is protected only by the triggers and the
database privileges, as before; the daily verification says when entries wait too long.

    content_hash = sha256(canonical JSON of `entry_content`)
    chain_hash   = sha256(previous chain_hash + content_hash)   (hex; the first entry's
                   previous is GENESIS)

Canonical JSON: keys sorted, no spaces, UTF-8 (not \\u-escaped). The same content and hashes
are what `manage.py audit_export` writes, so a copy kept off the host can be checked without
the portal (`tools/audit_verify_offline.py`).

After a purge (centre.audit_purge) the chain starts from its latest anchor
(`AuditChainAnchor`: the last purged entry's position and chain hash) instead of GENESIS; the
anchor is checked against the purge's own audit entry, which carries its values and is chained
after it."""

from __future__ import annotations

import datetime
import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max, Min, QuerySet
from django.utils import timezone

from centre.models import AuditChainAnchor, AuditEntry, AuditRecord

GENESIS = "0" * 64  # the "previous chain hash" of the first entry in the chain
SEAL_BATCH = 2000
READ_CHUNK = 2000
# The sealers' advisory lock: one sealer at a time (an arbitrary, fixed 64-bit key).
SEALER_LOCK_KEY = 0x617564697463686E  # "auditchn"
PURGED = "centre.audit_log.purged"  # the purge's own entry, carrying its anchor's values


# What is hashed ---------------------------------------------------------------------------------


def moment(at: datetime.datetime) -> str:
    """A time as the chain writes it: UTC, microseconds always (isoformat drops zero ones)."""
    return at.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def entry_content(entry: AuditEntry, records: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """Everything an entry says, as hashed and as exported: its fields, and the records a list
    or an export showed (`AuditRecord`, in the order written)."""
    return {
        "id": entry.pk,
        "at": moment(entry.at),
        "actor_id": entry.actor_id,
        "actor_username": entry.actor_username,
        "action": entry.action,
        "target_type": entry.target_type,
        "target_id": entry.target_id,
        "result": entry.result,
        "ip_address": entry.ip_address,
        "reason": entry.reason,
        "data": entry.data,
        "records": [list(record) for record in records],
    }


def canonical(content: dict[str, Any]) -> bytes:
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def content_hash(content: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(content)).hexdigest()


def chain_hash(previous: str, content: str) -> str:
    return hashlib.sha256(f"{previous}{content}".encode("ascii")).hexdigest()


def records_by_entry(
    entry_ids: list[int], record_model: type[AuditRecord] = AuditRecord
) -> dict[int, list[tuple[str, str]]]:
    """The records of these entries, each entry's in the order they were written."""
    found: dict[int, list[tuple[str, str]]] = defaultdict(list)
    rows = (
        record_model.objects.filter(entry_id__in=entry_ids)
        .order_by("entry_id", "id")
        .values_list("entry_id", "target_type", "target_id")
    )
    for entry_id, target_type, target_id in rows:
        found[entry_id].append((target_type, target_id))
    return found


# Sealing ----------------------------------------------------------------------------------------


def audit_chain_seal(
    *,
    batches: int | None = None,
    entry_model: type[AuditEntry] = AuditEntry,
    record_model: type[AuditRecord] = AuditRecord,
) -> int:
    """Chain the committed entries not chained yet, oldest id first; the number chained. Each
    batch is its own short transaction; a second sealer running at the same time chains
    nothing (it would only wait for the first). The models are the historical ones when
    migration 0018 chains the entries written before it."""
    sealed = 0
    done = 0
    after = 0
    while batches is None or done < batches:
        count, after = _seal_batch(entry_model, record_model, after=after)
        sealed += count
        done += 1
        if count < SEAL_BATCH:
            break
    return sealed


def _seal_batch(
    entry_model: type[AuditEntry], record_model: type[AuditRecord], *, after: int
) -> tuple[int, int]:
    """Chain one batch of the entries waiting with an id above `after`; (how many, the last
    id). Each batch of a run starts after the last one's id: the index of the entries waiting
    keeps those just sealed until a vacuum, and scanning them again for every batch made
    chaining a million entries quadratic. An entry committed late with a lower id waits for
    the next run (a minute)."""
    with transaction.atomic():
        if not _sealer_lock():
            return 0, after
        head = (
            entry_model.objects.filter(chain_position__isnull=False)
            .order_by("-chain_position")
            .values_list("chain_position", "chain_hash")
            .first()
        )
        position, previous = (head[0] or 0, head[1]) if head is not None else _chain_start()
        # The partial index centre_audit_unsealed: only the entries waiting are read.
        waiting = entry_model.objects.filter(chain_position__isnull=True, id__gt=after)
        batch = list(waiting.order_by("id")[:SEAL_BATCH])
        records = records_by_entry([entry.pk for entry in batch], record_model)
        seals = []
        for entry in batch:
            position += 1
            content = content_hash(entry_content(entry, records.get(entry.pk, ())))
            chained = chain_hash(previous, content)
            seals.append((entry.pk, position, content, previous, chained))
            previous = chained
        _write_seals(seals)
    return len(batch), batch[-1].pk if batch else after


def _chain_start() -> tuple[int, str]:
    """Where the chain goes on when no sealed entry is left: after the latest purge's anchor (a
    purge may take every sealed entry), else from GENESIS. Migration 0018, which seals with the
    historical models, runs before there is any anchor (or its table)."""
    if "centre_auditchainanchor" not in connection.introspection.table_names():
        return 0, GENESIS
    anchor = latest_anchor()
    return (anchor.chain_position, anchor.chain_hash) if anchor is not None else (0, GENESIS)


def _sealer_lock() -> bool:
    """The sealers' lock, until the end of the transaction. SQLite (trial runs) writes one
    transaction at a time anyway."""
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [SEALER_LOCK_KEY])
        return bool(cursor.fetchone()[0])


def _write_seals(seals: list[tuple[int, int, str, str, str]]) -> None:
    """One UPDATE for the batch on Postgres; the queryset's `update` refuses on purpose (the
    log is append-only), and the trigger lets only these four columns be set, once."""
    if not seals:
        return
    table = AuditEntry._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            values = ", ".join(["(%s::bigint, %s::bigint, %s, %s, %s)"] * len(seals))
            cursor.execute(
                f"UPDATE {table} AS entry SET chain_position = seal.position,"  # noqa: S608
                " content_hash = seal.content, previous_hash = seal.previous,"
                " chain_hash = seal.chained"
                f" FROM (VALUES {values}) AS seal(id, position, content, previous, chained)"
                " WHERE entry.id = seal.id AND entry.chain_position IS NULL",
                [value for seal in seals for value in seal],
            )
        else:
            cursor.executemany(
                f"UPDATE {table} SET chain_position = %s, content_hash = %s,"  # noqa: S608
                " previous_hash = %s, chain_hash = %s WHERE id = %s AND chain_position IS NULL",
                [
                    (position, content, previous, chained, pk)
                    for pk, position, content, previous, chained in seals
                ],
            )


# Verifying --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChainBreak:
    entry_id: int | None  # the first entry that does not verify (None: the chain's start)
    position: int
    reason: str  # one of BREAK_REASONS' keys


# Why an entry does not verify (the command says it in English; the auditors' inbox in theirs).
BREAK_REASONS = {
    "changed": "its content is not what was sealed (changed, or a record added or removed)",
    "relinked": "its previous hash is not the chain hash of the entry before it",
    "chain": "its chain hash is not the hash of its previous hash and content hash",
    "missing": "the entry before it in the chain is missing",
    "anchor": "the purge anchor the chain starts from is not what its purge's entry says",
    "purged_kept": "the purge anchor says it was purged, yet it is still there",
}


@dataclass(frozen=True)
class Verification:
    checked: int
    first_position: int | None
    last_position: int | None
    broken: ChainBreak | None
    unsealed: int
    oldest_unsealed_at: datetime.datetime | None
    anchor: AuditChainAnchor | None = None  # where the chain starts after a purge

    @property
    def seal_overdue(self) -> bool:
        """Entries have waited for the sealer longer than AUDIT_SEAL_MAX_DELAY_MINUTES."""
        if self.oldest_unsealed_at is None:
            return False
        delay = datetime.timedelta(minutes=settings.AUDIT_SEAL_MAX_DELAY_MINUTES)
        return self.oldest_unsealed_at < timezone.now() - delay

    @property
    def ok(self) -> bool:
        return self.broken is None and not self.seal_overdue


def audit_chain_verify(
    *,
    since: datetime.datetime | None = None,
    until: datetime.datetime | None = None,
    first_id: int | None = None,
    last_id: int | None = None,
) -> Verification:
    """Check the chain, all of it or the stretch that holds the entries written in [since,
    until) or with ids in [first_id, last_id]: from the first such entry's place in the chain
    to the last's, linked to the entry just before. Stops at the first entry that does not
    verify. Reads the chain in chunks: memory stays flat however long the log."""
    start, end = chain_span(since=since, until=until, first_id=first_id, last_id=last_id)
    anchor = latest_anchor()
    whole = not (since or until or first_id or last_id)
    broken = None
    checked = 0
    # The anchor is checked whenever the stretch starts from it (the whole chain always).
    if anchor is not None and (whole or (start is not None and start <= anchor.chain_position + 1)):
        broken = anchor_break(anchor)
    if broken is None and start is not None and end is not None:
        checked, broken = _verify_span(start, end, whole=whole, anchor=anchor)
    waiting = AuditEntry.objects.filter(chain_position__isnull=True)
    oldest = waiting.order_by("id").values_list("at", flat=True).first()
    return Verification(
        checked=checked,
        first_position=start,
        last_position=end,
        broken=broken,
        unsealed=waiting.count() if oldest is not None else 0,
        oldest_unsealed_at=oldest,
        anchor=anchor,
    )


def latest_anchor() -> AuditChainAnchor | None:
    """Where the chain starts: the anchor of the latest purge, or None (GENESIS)."""
    return AuditChainAnchor.objects.order_by("-chain_position").first()


def anchor_values(anchor: AuditChainAnchor) -> dict[str, Any]:
    """What the purge's audit entry says of its anchor, and what verifying compares."""
    return {
        "chain_position": anchor.chain_position,
        "chain_hash": anchor.chain_hash,
        "first_position": anchor.first_position,
        "purged": anchor.purged,
        "before": anchor.before.isoformat(),
        "at": moment(anchor.at),
        "by": anchor.by_id,
        "export_sha256": anchor.export_sha256,
    }


def anchor_break(anchor: AuditChainAnchor) -> ChainBreak | None:
    """Whether `anchor` is what its purge wrote: its purge's audit entry (the one it names,
    written in the same transaction) carries the same values and comes after it in the chain,
    and nothing it says was purged is still there. A changed anchor cannot be made to agree with
    an entry already sealed after it without breaking the chain there."""
    entry = AuditEntry.objects.filter(pk=anchor.audit_entry_id, action=PURGED).first()
    if entry is None:
        first = AuditEntry.objects.filter(chain_position__gt=anchor.chain_position)
        named = first.order_by("chain_position").values_list("id", flat=True).first()
        return ChainBreak(named, anchor.chain_position, "anchor")
    agrees = entry.data == {"anchor": anchor_values(anchor)} and entry.actor_id == anchor.by_id
    if not agrees or (entry.chain_position or anchor.chain_position + 1) <= anchor.chain_position:
        return ChainBreak(entry.pk, anchor.chain_position, "anchor")
    kept = (
        AuditEntry.objects.filter(chain_position__lte=anchor.chain_position)
        .order_by("chain_position")
        .values_list("id", "chain_position")
        .first()
    )
    if kept is not None:
        return ChainBreak(kept[0], kept[1] or 0, "purged_kept")
    return None


def chain_span(
    *,
    since: datetime.datetime | None = None,
    until: datetime.datetime | None = None,
    first_id: int | None = None,
    last_id: int | None = None,
) -> tuple[int | None, int | None]:
    """The first and last chain positions of the sealed entries in the window."""
    entries = sealed_entries(since=since, until=until, first_id=first_id, last_id=last_id)
    span = entries.aggregate(start=Min("chain_position"), end=Max("chain_position"))
    return span["start"], span["end"]


def sealed_entries(
    *,
    since: datetime.datetime | None = None,
    until: datetime.datetime | None = None,
    first_id: int | None = None,
    last_id: int | None = None,
) -> QuerySet[AuditEntry]:
    entries = AuditEntry.objects.filter(chain_position__isnull=False)
    if since is not None:
        entries = entries.filter(at__gte=since)
    if until is not None:
        entries = entries.filter(at__lt=until)
    if first_id is not None:
        entries = entries.filter(id__gte=first_id)
    if last_id is not None:
        entries = entries.filter(id__lte=last_id)
    return entries


def _verify_span(
    start: int, end: int, *, whole: bool, anchor: AuditChainAnchor | None
) -> tuple[int, ChainBreak | None]:
    after = anchor.chain_position if anchor is not None else 0  # the chain's start
    expected = after + 1 if whole else start
    previous = GENESIS
    if anchor is not None and expected == after + 1:
        previous = anchor.chain_hash
    elif expected > 1:
        before = (
            AuditEntry.objects.filter(chain_position=expected - 1)
            .values_list("chain_hash", flat=True)
            .first()
        )
        if before is None:
            first = AuditEntry.objects.filter(chain_position=expected).values_list("id", flat=True)
            return 0, ChainBreak(first.first(), expected, "missing")
        previous = before
    return _follow(expected, end, previous)


def verify_stretch(start: int, end: int, previous: str) -> ChainBreak | None:
    """The first entry of positions `start`..`end` that does not verify, following the chain
    hash `previous` (a purge checks what it is about to take)."""
    return _follow(start, end, previous)[1]


def _follow(expected: int, end: int, previous: str) -> tuple[int, ChainBreak | None]:
    checked = 0
    for entry, records in chained_entries(expected, end):
        position = entry.chain_position or 0
        if position != expected:
            return checked, ChainBreak(entry.pk, position, "missing")
        if entry.previous_hash != previous:
            return checked, ChainBreak(entry.pk, position, "relinked")
        if content_hash(entry_content(entry, records)) != entry.content_hash:
            return checked, ChainBreak(entry.pk, position, "changed")
        if chain_hash(previous, entry.content_hash) != entry.chain_hash:
            return checked, ChainBreak(entry.pk, position, "chain")
        previous = entry.chain_hash
        expected += 1
        checked += 1
    return checked, None


def chained_entries(start: int, end: int) -> Iterator[tuple[AuditEntry, list[tuple[str, str]]]]:
    """The sealed entries from `start` to `end`, in chain order, each with its records: read by
    position in chunks (one indexed range query and one records query per chunk)."""
    position = start
    while position <= end:
        chunk = list(
            AuditEntry.objects.filter(
                chain_position__gte=position, chain_position__lte=end
            ).order_by("chain_position")[:READ_CHUNK]
        )
        if not chunk:
            return
        records = records_by_entry([entry.pk for entry in chunk])
        for entry in chunk:
            yield entry, records.get(entry.pk, [])
        position = (chunk[-1].chain_position or 0) + 1


# Exporting --------------------------------------------------------------------------------------


def export_line(
    entry: AuditEntry, records: list[tuple[str, str]], extra: dict[str, Any] | None = None
) -> str:
    """One JSON line for an external log store: the entry's content as hashed, and its hashes
    (and `extra`, outside what is hashed: a purge's break-glass review of the entry)."""
    line = {
        **(extra or {}),
        "position": entry.chain_position,
        "previous_hash": entry.previous_hash,
        "content_hash": entry.content_hash,
        "chain_hash": entry.chain_hash,
        "entry": entry_content(entry, records),
    }
    return json.dumps(line, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def export_lines(
    *, since: datetime.datetime, until: datetime.datetime | None = None
) -> Iterator[str]:
    """The sealed stretch of the chain holding the entries written in [since, until), as JSON
    lines in chain order (an entry sealed late, written before `since`, may be in the
    stretch: the stretch has no gap, so it verifies on its own)."""
    start, end = chain_span(since=since, until=until)
    if start is None or end is None:
        return
    for entry, records in chained_entries(start, end):
        yield export_line(entry, records)


def parse_moment(text: str) -> datetime.datetime:
    """A command's --since/--until: a day (its midnight in the centre's time zone) or an ISO
    time with its offset. ValueError for anything else."""
    if len(text) == 10:
        day = datetime.date.fromisoformat(text)
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))
    moment_given = datetime.datetime.fromisoformat(text)
    if timezone.is_naive(moment_given):
        raise ValueError(f"{text!r}: give the offset (+08:00) or a day")
    return moment_given
