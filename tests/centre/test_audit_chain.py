"""The audit log's hash chain (centre.audit_chain): sealed in commit order by one sealer while
writers write concurrently; a changed, removed or added-to entry is named by `audit_verify`."""

from __future__ import annotations

import datetime
import itertools
import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from centre.audit import audit_log
from centre.audit_chain import GENESIS, audit_chain_seal, audit_chain_verify
from centre.models import AuditEntry, AuditRecord

WRITERS = 6
ENTRIES_PER_WRITER = 40


def write_entries(count: int, action: str = "centre.test.written") -> list[AuditEntry]:
    return [audit_log(actor=None, action=action, data={"n": index}) for index in range(count)]


def tamper(statement: str, params: list[object]) -> None:
    """Change the log as only a database superuser can: with the append-only trigger off."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(
            "ALTER TABLE centre_auditentry DISABLE TRIGGER centre_auditentry_append_only"
        )
        cursor.execute(
            "ALTER TABLE centre_auditrecord DISABLE TRIGGER centre_auditrecord_append_only"
        )
        cursor.execute(statement, params)
        cursor.execute("ALTER TABLE centre_auditentry ENABLE TRIGGER centre_auditentry_append_only")
        cursor.execute(
            "ALTER TABLE centre_auditrecord ENABLE TRIGGER centre_auditrecord_append_only"
        )


def verify_fails(*arguments: str) -> str:
    with pytest.raises(CommandError) as failure:
        call_command("audit_verify", *arguments, stdout=open("/dev/null", "w"))  # noqa: SIM115
    return str(failure.value)


def test_sealed_entries_link_each_to_the_one_before(db):
    entries = write_entries(3)
    audit_chain_seal()
    sealed = list(AuditEntry.objects.filter(pk__in=[e.pk for e in entries]).order_by("id"))
    assert [e.chain_position for e in sealed] == sorted(e.chain_position for e in sealed)
    for before, after in itertools.pairwise(sealed):
        assert after.chain_position == before.chain_position + 1
        assert after.previous_hash == before.chain_hash
    first = AuditEntry.objects.get(chain_position=1)
    assert first.previous_hash == GENESIS
    assert audit_chain_verify().ok
    assert audit_chain_verify().checked == AuditEntry.objects.count()


def test_the_command_verifies_the_whole_chain(db, capsys):
    write_entries(5)
    audit_chain_seal()
    call_command("audit_verify")
    assert "audit chain verified" in capsys.readouterr().out


def test_a_changed_entry_is_named(db):
    entries = write_entries(5)
    audit_chain_seal()
    changed = entries[2]
    tamper("UPDATE centre_auditentry SET data = %s WHERE id = %s", ['{"n": 99}', changed.pk])
    message = verify_fails()
    assert f"entry {changed.pk} " in message
    assert "content is not what was sealed" in message


def test_a_changed_record_of_a_list_is_named(rf, db, alice, alice_case):
    from centre.audit import audit_read

    request = rf.get("/")
    request.user = alice
    entry = audit_read(request, "counselling.case.listed", [alice_case, alice_case.client])
    audit_chain_seal()
    tamper("UPDATE centre_auditrecord SET target_id = '999999' WHERE entry_id = %s", [entry.pk])
    assert f"entry {entry.pk} " in verify_fails()


def test_a_removed_entry_names_the_one_after_it(db):
    entries = write_entries(4)
    audit_chain_seal()
    tamper("DELETE FROM centre_auditentry WHERE id = %s", [entries[1].pk])
    message = verify_fails()
    assert f"entry {entries[2].pk} " in message
    assert "missing" in message


def test_a_range_is_checked_from_the_entry_before_it(db):
    entries = write_entries(6)
    audit_chain_seal()
    tamper("UPDATE centre_auditentry SET reason = 'x' WHERE id = %s", [entries[1].pk])
    # A range after the changed entry still verifies: it links to its own neighbour.
    call_command(
        "audit_verify",
        "--first-id",
        str(entries[3].pk),
        stdout=open("/dev/null", "w"),  # noqa: SIM115
    )
    message = verify_fails("--first-id", str(entries[0].pk), "--last-id", str(entries[2].pk))
    assert f"entry {entries[1].pk} " in message
    today = timezone.localdate()
    assert f"entry {entries[1].pk} " in verify_fails("--since", f"{today}")
    tomorrow = today + datetime.timedelta(days=1)
    assert f"entry {entries[1].pk} " in verify_fails("--until", f"{tomorrow}")


def test_the_trigger_lets_the_chain_columns_be_set_once_and_nothing_else(db):
    (entry,) = write_entries(1)
    audit_chain_seal()
    statements = [
        "UPDATE centre_auditentry SET chain_hash = 'x' WHERE id = %s",  # a second seal
        "UPDATE centre_auditentry SET reason = 'x' WHERE id = %s",
    ]
    for statement in statements:
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement, [entry.pk])
    (unsealed,) = write_entries(1)
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):  # a seal that also rewrites the entry
        cursor.execute(
            "UPDATE centre_auditentry SET chain_position = 1000000000, reason = 'x' WHERE id = %s",
            [unsealed.pk],
        )


def test_a_writer_cannot_bring_its_own_place_in_the_chain(db):
    with pytest.raises(DatabaseError, match="chained by the sealer"), transaction.atomic():
        AuditEntry.objects.create(action="centre.test.forged", chain_position=10**9)


def test_entries_waiting_too_long_for_the_sealer_fail_the_check(db, settings):
    write_entries(1)
    settings.AUDIT_SEAL_MAX_DELAY_MINUTES = 1
    later = timezone.now() + datetime.timedelta(minutes=2)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(timezone, "now", lambda: later)
        assert "not sealed" in verify_fails()
        audit_chain_seal()
        assert audit_chain_verify().ok


def test_parallel_writers_keep_the_chain_valid(transactional_db):
    """Writers in threads, each on its own connection, some in long transactions, while two
    sealers run: every entry ends in the chain exactly once, and the chain verifies."""
    start = threading.Barrier(WRITERS + 2)
    errors: list[BaseException] = []

    def writer(number: int) -> None:
        try:
            start.wait()
            for index in range(ENTRIES_PER_WRITER):
                if index % 10 == 0:  # a transaction holding its entries while others commit
                    with transaction.atomic():
                        write_entries(3, action=f"centre.test.writer{number}")
                else:
                    audit_log(actor=None, action=f"centre.test.writer{number}", data={"i": index})
        except BaseException as error:  # reported by the main thread
            errors.append(error)
        finally:
            connection.close()

    def sealer() -> None:
        try:
            start.wait()
            for _ in range(20):
                audit_chain_seal()
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    threads += [threading.Thread(target=sealer) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    audit_chain_seal()
    written = AuditEntry.objects.filter(action__startswith="centre.test.writer")
    assert written.count() == WRITERS * (ENTRIES_PER_WRITER + 2 * (ENTRIES_PER_WRITER // 10))
    assert not AuditEntry.objects.filter(chain_position__isnull=True).exists()
    total = AuditEntry.objects.count()
    assert sorted(AuditEntry.objects.values_list("chain_position", flat=True)) == list(
        range(1, total + 1)
    )
    verification = audit_chain_verify()
    assert verification.ok
    assert verification.checked == total


def test_an_entry_committed_late_is_chained_after_those_sealed_before(transactional_db):
    """A long transaction's entry has the lower id, but commits after a later one is sealed:
    it takes the next place in the chain, and the chain still verifies."""
    written = threading.Event()
    release = threading.Event()
    late: list[int] = []

    def long_transaction() -> None:
        try:
            with transaction.atomic():
                late.append(audit_log(actor=None, action="centre.test.late").pk)
                written.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    thread = threading.Thread(target=long_transaction)
    thread.start()
    assert written.wait(timeout=30)
    (early,) = write_entries(1, action="centre.test.early")
    audit_chain_seal()
    release.set()
    thread.join(timeout=30)
    audit_chain_seal()
    late_entry = AuditEntry.objects.get(pk=late[0])
    early_entry = AuditEntry.objects.get(pk=early.pk)
    assert late_entry.pk < early_entry.pk
    assert late_entry.chain_position == early_entry.chain_position + 1
    assert audit_chain_verify().ok


def test_records_of_a_list_are_part_of_what_is_sealed(rf, db, alice, alice_case):
    from centre.audit import audit_read

    request = rf.get("/")
    request.user = alice
    entry = audit_read(request, "counselling.case.listed", [alice_case])
    audit_chain_seal()
    tamper(
        "INSERT INTO centre_auditrecord (entry_id, target_type, target_id)"
        " VALUES (%s, 'counselling.case', '424242')",
        [entry.pk],
    )
    assert AuditRecord.objects.filter(entry=entry).count() == 2
    assert f"entry {entry.pk} " in verify_fails()


def test_the_trigger_compares_every_column_of_an_entry_but_the_chains():
    """A column added to AuditEntry and not to the trigger could be changed while sealing."""
    import importlib

    migration = importlib.import_module("centre.migrations.0018_audit_chain")
    compared = {column.strip() for column in migration.CONTENT_COLUMNS.split(",")}
    chain = {"chain_position", "content_hash", "previous_hash", "chain_hash"}
    assert compared == {field.column for field in AuditEntry._meta.concrete_fields} - chain
