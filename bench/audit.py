"""The audit log at a million entries (issue 17), in a database of its own (bench_audit):
1,000,000 entries over a year by 100 users, one in ten a list page with 10 records.

Figures:
- the cost of one audit write (`audit_log`, and `audit_read` of a 50-row page) with the chain's
  INSERT trigger, against the same write with the trigger off: what the chain adds to every
  read of a minor's record (target: under 0.1 ms);
- writes per second of 8 threads writing at once while the sealer runs (no writer waits on
  another: the sealer takes no lock a writer needs);
- the sealer: entries chained per second (the migration chains the existing log at this rate);
- `audit_verify` of the whole chain: entries per second;
- the bulk-access count over an hour holding 20,000 reads (the beat job, every 5 minutes);
- the auditors' page query (keyset page) at a million entries: first page, a deep page, by
  record, by account, by action and dates.

    .venv/bin/python bench/audit.py [--entries 1000000]
"""

from __future__ import annotations

import argparse
import datetime
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common

DATABASE = "bench_audit"
USERS = 100
REPEAT = 300
BATCH = 100
THREADS, PER_THREAD = 8, 250
HOUR_READS = 20_000


def load(entries: int) -> None:
    from django.db import connection

    from centre.models import AuditEntry

    if AuditEntry.objects.count() >= entries:
        print(f"data already loaded: {AuditEntry.objects.count():,} entries")
        _seal_timed()
        return
    users = [_staff(f"bench-audit{n:03d}", "counsellor") for n in range(USERS)]
    user_ids = ",".join(str(user.pk) for user in users)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO centre_auditentry (at, actor_id, actor_username, action, target_type,
                target_id, result, ip_address, reason, data)
            SELECT now() - g * interval '31 seconds',
                (ARRAY[{user_ids}])[1 + g % {USERS}],
                'bench-audit' || lpad((g % {USERS})::text, 3, '0'),
                CASE WHEN g % 10 = 0 THEN 'counselling.case.listed'
                     ELSE 'counselling.case.viewed' END,
                CASE WHEN g % 10 = 0 THEN '' ELSE 'counselling.case' END,
                CASE WHEN g % 10 = 0 THEN '' ELSE (g % 200000)::text END,
                'success', '10.0.0.1', '',
                CASE WHEN g % 10 = 0 THEN '{{"records": 10}}'::jsonb ELSE '{{}}'::jsonb END
            FROM generate_series(1, {entries}) AS g
            """  # noqa: S608 (numbers and ids of this script only)
        )
        cursor.execute(
            """
            INSERT INTO centre_auditrecord (entry_id, target_type, target_id)
            SELECT e.id, 'counselling.case', ((e.id * 7 + r) % 200000)::text
            FROM centre_auditentry e, generate_series(1, 10) AS r
            WHERE e.action = 'counselling.case.listed'
            """
        )
        cursor.execute("VACUUM ANALYZE centre_auditentry")
        cursor.execute("VACUUM ANALYZE centre_auditrecord")
    print(f"loaded {entries:,} entries in {time.perf_counter() - started:.0f} s")
    _seal_timed()


def _seal_timed() -> None:
    """Chain what waits (the whole log after loading: what migration 0018 does to a log)."""
    from django.db import connection

    from centre.audit_chain import audit_chain_seal

    started = time.perf_counter()
    sealed = audit_chain_seal()
    seconds = time.perf_counter() - started
    if sealed:
        print(f"sealed {sealed:,} entries in {seconds:.0f} s ({sealed / seconds:,.0f} a second)")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE centre_auditentry")


def _staff(username: str, role: str) -> Any:
    from django.contrib.auth.models import Group

    from centre.models import User

    user, _created = User.objects.get_or_create(username=username)
    user.groups.add(Group.objects.get(name=role))
    return user


def _insert_trigger(enabled: bool) -> None:
    from django.db import connection

    state = "ENABLE" if enabled else "DISABLE"
    with connection.cursor() as cursor:
        cursor.execute(
            f"ALTER TABLE centre_auditentry {state} TRIGGER centre_auditentry_append_only"
        )


def write_costs() -> list[tuple[str, list[float], str]]:
    from django.db import transaction
    from django.test import RequestFactory

    from centre.audit import audit_log, audit_read
    from counselling.models import Case

    user = _staff("bench-audit-writer", "counsellor")
    request = RequestFactory().get("/")
    request.user = user
    page = [Case(pk=number) for number in range(1, 51)]

    def one_write() -> None:
        audit_log(actor=user, action="counselling.case.viewed", target=page[0])

    def one_page() -> None:
        audit_read(request, "counselling.case.listed", page)

    def batch_of_writes() -> None:
        # Many writes in one transaction: the insert's own cost, without a commit's fsync.
        with transaction.atomic():
            for _ in range(BATCH):
                one_write()

    rows = []
    for enabled in (False, True):
        _insert_trigger(enabled)
        label = "chain trigger" if enabled else "trigger off (no chain)"
        rows.append((f"audit_log, one record, committed, {label}", timed(one_write), ""))
        rows.append((f"audit_read, a 50-row page, committed, {label}", timed(one_page), ""))
        per_write = [ms / BATCH for ms in common.timed(batch_of_writes, 30)]
        rows.append((f"audit_log inside a transaction, {label}", per_write, "+ < 0.1 ms"))
    return rows


def timed(function: Any) -> list[float]:
    return common.timed(function, REPEAT)


def concurrent_writes() -> float:
    """Writes a second of THREADS writers, each on its own connection, the sealer running."""
    from django.db import connection

    from centre.audit import audit_log
    from centre.audit_chain import audit_chain_seal

    start = threading.Barrier(THREADS + 1)
    stop = threading.Event()

    def writer() -> None:
        start.wait()
        for _ in range(PER_THREAD):
            audit_log(actor=None, action="counselling.case.viewed")
        connection.close()

    def sealer() -> None:
        start.wait()
        while not stop.is_set():
            audit_chain_seal()
            time.sleep(0.05)
        connection.close()

    writers = [threading.Thread(target=writer) for _ in range(THREADS)]
    sealing = threading.Thread(target=sealer)
    for thread in [*writers, sealing]:
        thread.start()
    began = time.perf_counter()
    for thread in writers:
        thread.join()
    elapsed = time.perf_counter() - began
    stop.set()
    sealing.join()
    audit_chain_seal()
    return THREADS * PER_THREAD / elapsed


def hour_of_reads() -> None:
    """HOUR_READS reads in the current hour, one in ten a 10-record list, sealed."""
    from django.db import connection

    from centre.audit_chain import audit_chain_seal
    from centre.models import User

    user_ids = ",".join(
        str(pk)
        for pk in User.objects.filter(username__startswith="bench-audit0").values_list(
            "pk", flat=True
        )
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO centre_auditentry (at, actor_id, actor_username, action, target_type,
                target_id, result, reason, data)
            SELECT date_trunc('hour', now()) + (g % 3000) * interval '1 second',
                (ARRAY[{user_ids}])[1 + g % {USERS}], '', 'counselling.client.viewed',
                'counselling.client', (g % 5000)::text, 'success', '', '{{}}'::jsonb
            FROM generate_series(1, {HOUR_READS}) AS g
            """  # noqa: S608 (numbers and ids of this script only)
        )
    audit_chain_seal()


def page_queries() -> list[tuple[str, list[float], str]]:
    from django.http import QueryDict
    from django.utils import timezone

    from centre import selectors
    from centre.models import AuditEntry, User
    from centre.paging import keyset_page

    order = ("at", "id")
    deep = AuditEntry.objects.order_by("-at", "-id")[500_000:500_001].first()
    cursor = QueryDict(mutable=True)
    if deep is not None:
        cursor["older"] = f"{deep.at.isoformat()}~{deep.pk}"
    account = User.objects.filter(username="bench-audit007").values_list("pk", flat=True).first()

    def page(params: QueryDict | None = None, **filters: Any) -> None:
        list(
            keyset_page(
                selectors.audit_entries(**filters), params or QueryDict(), order=order
            ).object_list
        )

    month_ago = timezone.now() - datetime.timedelta(days=30)
    return [
        ("first page, no filter", common.timed(page, 20), "< 50 ms"),
        ("a page half a million entries down", common.timed(lambda: page(cursor), 20), "< 50 ms"),
        (
            "by record (a case: entries and lists that showed it)",
            common.timed(lambda: page(record=("counselling.case", "4242")), 20),
            "< 50 ms",
        ),
        ("by account", common.timed(lambda: page(actor_id=account), 20), "< 50 ms"),
        (
            "by action, last 30 days",
            common.timed(lambda: page(action="counselling.case.listed", since=month_ago), 20),
            "< 50 ms",
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=1_000_000)
    arguments = parser.parse_args()
    common.setup_django(DATABASE)
    load(arguments.entries)

    from centre.audit_alerts import bulk_access_alert
    from centre.audit_chain import audit_chain_seal, audit_chain_verify
    from centre.models import AuditEntry

    common.print_table("One audit write (ms)", write_costs())
    audit_chain_seal()
    print(
        f"\n{THREADS} writers at once, sealer running: {concurrent_writes():,.0f} writes a second"
    )

    started = time.perf_counter()
    verification = audit_chain_verify()
    seconds = time.perf_counter() - started
    print(
        f"audit_verify, whole chain: {verification.checked:,} entries in {seconds:.1f} s"
        f" ({verification.checked / seconds:,.0f} a second), ok={verification.ok}"
    )
    unsealed_before = AuditEntry.objects.filter(chain_position__isnull=True).count()
    hour_of_reads()
    common.print_table(
        f"Bulk-access count, {HOUR_READS:,} reads this hour (ms)",
        [("bulk_access_alert (two clock hours)", common.timed(bulk_access_alert, 10), "< 2 s")],
    )
    common.print_table("Auditors' page query at this size (ms)", page_queries())
    assert unsealed_before == 0


if __name__ == "__main__":
    main()
