"""Issue 17: the audit log's purge past AUDIT_RETENTION_YEARS (`manage.py audit_purge`,
centre.audit_purge). The chain verifies from the purge's anchor; a removal or a change anywhere
else, or of the anchor itself, is still named; the purge is refused inside the window, over
unsealed or broken entries, and to anyone but the tables' owner; a dry run changes nothing."""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from centre.audit import audit_log
from centre.audit_chain import GENESIS, PURGED, anchor_values, audit_chain_seal, audit_chain_verify
from centre.audit_purge import latest_purgeable_day
from centre.models import AuditChainAnchor, AuditEntry, AuditRecord, BreakGlassReview

OLD = 6  # years ago the old entries were written
TABLES = ["centre_auditentry", "centre_auditrecord", "centre_breakglassreview"]
ALL_TRIGGERS = [*TABLES, "centre_auditchainanchor"]


def superuser_sql(statement: str, params: list[object] | None = None) -> None:
    """Change the log as only a database superuser can: with the triggers off."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for table in ALL_TRIGGERS:
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {table}_append_only")
        cursor.execute(statement, params or [])
        for table in ALL_TRIGGERS:
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {table}_append_only")


@pytest.fixture
def log(db, account):
    """An empty log (the demo network's entries removed: the chain's start must be the old
    entries), then five entries written six years ago and three written now, all sealed."""
    for table in TABLES:
        superuser_sql(f"DELETE FROM {table}")  # noqa: S608
    old_day = timezone.now() - datetime.timedelta(days=365 * OLD)
    with time_machine.travel(old_day, tick=False):
        old = [audit_log(actor=None, action="centre.test.old", data={"n": n}) for n in range(5)]
    audit_chain_seal()
    new = [audit_log(actor=None, action="centre.test.new", data={"n": n}) for n in range(3)]
    audit_chain_seal()
    return {"old": old, "new": new, "auditor": account("auditor")}


def before_day() -> str:
    return (timezone.localdate() - datetime.timedelta(days=365 * OLD - 10)).isoformat()


def purge(export: Path, *extra: str, by: str = "auditor") -> str:
    out = open("/dev/null", "w")  # noqa: SIM115
    call_command(
        "audit_purge",
        "--before",
        before_day(),
        "--by",
        by,
        "--export",
        str(export),
        *extra,
        stdout=out,
    )
    return export.read_text(encoding="utf-8") if export.exists() else ""


def verify_fails() -> str:
    with pytest.raises(CommandError) as failure:
        call_command("audit_verify", stdout=open("/dev/null", "w"))  # noqa: SIM115
    return str(failure.value)


def offline(export: Path, previous: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603
        [sys.executable, "tools/audit_verify_offline.py", str(export), "--previous", previous],
        capture_output=True,
        text=True,
        check=False,
    )


def test_a_purge_takes_the_old_stretch_and_the_chain_verifies_from_its_anchor(log, tmp_path):
    export = tmp_path / "purged.jsonl"
    text = purge(export)

    old_ids = {entry.pk for entry in log["old"]}
    assert not AuditEntry.objects.filter(pk__in=old_ids).exists()
    assert AuditEntry.objects.filter(pk__in=[e.pk for e in log["new"]]).count() == 3
    anchor = AuditChainAnchor.objects.get()
    assert (anchor.first_position, anchor.chain_position, anchor.purged) == (1, 5, 5)
    assert anchor.by == log["auditor"]
    assert anchor.export_sha256 == hashlib.sha256(text.encode()).hexdigest()
    lines = [json.loads(line) for line in text.splitlines()]
    assert [line["entry"]["id"] for line in lines] == sorted(old_ids)
    assert lines[-1]["chain_hash"] == anchor.chain_hash
    assert offline(export, GENESIS).returncode == 0  # the export verifies off the host too

    entry = AuditEntry.objects.get(action=PURGED)
    assert (entry.actor, entry.pk) == (log["auditor"], anchor.audit_entry_id)
    assert entry.data == {"anchor": anchor_values(anchor)}
    audit_chain_seal()
    verification = audit_chain_verify()
    assert verification.ok, verification.broken
    assert verification.checked == 4  # the three new entries and the purge's own
    out = open("/dev/null", "w")  # noqa: SIM115
    call_command("audit_verify", stdout=out)


def test_a_second_purge_follows_the_first_anchor(log, tmp_path):
    purge(tmp_path / "first.jsonl")
    first = AuditChainAnchor.objects.get()
    audit_chain_seal()
    later = timezone.now() + datetime.timedelta(days=365 * 5)
    with time_machine.travel(later, tick=False):  # five years on, today's entries are old
        before = (timezone.localdate() - datetime.timedelta(days=365 * 4)).isoformat()
        second = tmp_path / "second.jsonl"
        call_command(
            "audit_purge",
            "--before",
            before,
            "--by",
            "auditor",
            "--export",
            str(second),
            stdout=open("/dev/null", "w"),  # noqa: SIM115
        )
        anchor = AuditChainAnchor.objects.latest("chain_position")
        assert (anchor.first_position, anchor.chain_position) == (6, 9)  # the purge's entry too
        lines = [json.loads(line) for line in second.read_text().splitlines()]
        assert lines[0]["previous_hash"] == first.chain_hash
        assert offline(second, first.chain_hash).returncode == 0
        assert offline(second, GENESIS).returncode == 1
        audit_log(actor=None, action="centre.test.newer")
        audit_chain_seal()
        verification = audit_chain_verify()
        assert verification.ok, verification.broken
        assert verification.anchor == anchor


def test_an_entry_removed_by_hand_after_a_purge_is_named(log, tmp_path):
    purge(tmp_path / "purged.jsonl")
    audit_chain_seal()
    first, second = log["new"][0], log["new"][1]
    superuser_sql("DELETE FROM centre_auditentry WHERE id = %s", [first.pk])
    message = verify_fails()
    assert f"entry {second.pk} " in message
    assert "missing" in message


def test_a_changed_entry_after_a_purge_is_named(log, tmp_path):
    purge(tmp_path / "purged.jsonl")
    audit_chain_seal()
    changed = log["new"][1]
    superuser_sql("UPDATE centre_auditentry SET reason = 'x' WHERE id = %s", [changed.pk])
    assert f"entry {changed.pk} " in verify_fails()


@pytest.mark.parametrize(
    "change",
    [
        "UPDATE centre_auditchainanchor SET chain_hash = repeat('a', 64)",
        "UPDATE centre_auditchainanchor SET chain_position = chain_position + 1",
        "UPDATE centre_auditchainanchor SET purged = 1",
        "UPDATE centre_auditchainanchor SET export_sha256 = repeat('b', 64)",
    ],
)
def test_a_changed_anchor_fails_the_check(log, tmp_path, change):
    purge(tmp_path / "purged.jsonl")
    audit_chain_seal()
    superuser_sql(change)
    message = verify_fails()
    purge_entry = AuditEntry.objects.get(action=PURGED)
    assert f"entry {purge_entry.pk} " in message
    assert "purge anchor" in message


def test_a_removed_anchor_or_purge_entry_fails_the_check(log, tmp_path):
    purge(tmp_path / "purged.jsonl")
    audit_chain_seal()
    with transaction.atomic():
        superuser_sql("DELETE FROM centre_auditchainanchor")
        message = verify_fails()
        assert f"entry {log['new'][0].pk} " in message
        assert "missing" in message
        transaction.set_rollback(True)
    superuser_sql("DELETE FROM centre_auditentry WHERE action = %s", [PURGED])
    assert "purge anchor" in verify_fails()


def test_a_forged_purge_entry_written_later_does_not_cover_a_changed_anchor(log, tmp_path):
    purge(tmp_path / "purged.jsonl")
    anchor = AuditChainAnchor.objects.get()
    superuser_sql("UPDATE centre_auditchainanchor SET chain_hash = repeat('a', 64)")
    anchor.refresh_from_db()
    audit_log(
        actor=log["auditor"], action=PURGED, target=anchor, data={"anchor": anchor_values(anchor)}
    )
    audit_chain_seal()
    assert "purge anchor" in verify_fails()


def test_a_day_inside_the_retention_window_is_refused(log, tmp_path, settings):
    settings.AUDIT_RETENTION_YEARS = 2  # below the floor: the floor of 3 years holds anyway
    inside = latest_purgeable_day() + datetime.timedelta(days=1)
    assert latest_purgeable_day() <= timezone.localdate().replace(
        year=timezone.localdate().year - 3
    )
    export = tmp_path / "purged.jsonl"
    with pytest.raises(CommandError, match="inside the retention window"):
        call_command(
            "audit_purge",
            "--before",
            inside.isoformat(),
            "--by",
            "auditor",
            "--export",
            str(export),
        )
    settings.AUDIT_RETENTION_YEARS = 7
    with pytest.raises(CommandError, match="inside the retention window"):
        purge(export)
    assert not export.exists()
    assert AuditEntry.objects.filter(pk=log["old"][0].pk).exists()


def test_a_dry_run_changes_nothing(log, tmp_path, capsys):
    export = tmp_path / "purged.jsonl"
    entries = AuditEntry.objects.count()
    purge(export, "--dry-run")
    assert not export.exists()
    assert AuditEntry.objects.count() == entries
    assert not AuditChainAnchor.objects.exists()
    out = io.StringIO()
    call_command(
        "audit_purge", "--before", before_day(), "--by", "auditor", "--dry-run", stdout=out
    )
    assert "5 entries would go (chain positions 1–5)" in out.getvalue()


def test_unsealed_entries_before_the_day_are_refused(log, tmp_path):
    old_day = timezone.now() - datetime.timedelta(days=365 * OLD)
    with time_machine.travel(old_day, tick=False):
        audit_log(actor=None, action="centre.test.old_unsealed")
    with pytest.raises(CommandError, match="not sealed"):
        purge(tmp_path / "purged.jsonl")
    assert not AuditChainAnchor.objects.exists()


def test_a_broken_stretch_is_not_purged(log, tmp_path):
    export = tmp_path / "purged.jsonl"
    superuser_sql("UPDATE centre_auditentry SET reason = 'x' WHERE id = %s", [log["old"][2].pk])
    with pytest.raises(CommandError, match=f"entry {log['old'][2].pk} "):
        purge(export)
    assert not export.exists()
    assert AuditEntry.objects.filter(pk=log["old"][0].pk).exists()


def test_only_an_auditor_signs_a_purge_off(log, tmp_path):
    with pytest.raises(CommandError, match="not an auditor"):
        purge(tmp_path / "purged.jsonl", by="counsellor")
    with pytest.raises(CommandError, match="no active account"):
        purge(tmp_path / "purged.jsonl", by="nobody")
    assert not AuditChainAnchor.objects.exists()


def test_an_existing_export_file_is_never_overwritten(log, tmp_path):
    export = tmp_path / "purged.jsonl"
    export.write_text("kept")
    with pytest.raises(CommandError, match="exists already"):
        purge(export)
    assert export.read_text() == "kept"


def test_records_and_break_glass_reviews_go_with_their_entry(log, tmp_path, account):
    entry = log["old"][1]
    superuser_sql(
        "INSERT INTO centre_auditrecord (entry_id, target_type, target_id)"
        " VALUES (%s, 'counselling.case', '1')",
        [entry.pk],
    )
    BreakGlassReview.objects.create(entry=entry, reviewer=log["auditor"], note="reviewed")
    # The record was added after sealing: seal the log again from scratch for this test.
    superuser_sql(
        "UPDATE centre_auditentry SET chain_position = NULL, content_hash = '',"
        " previous_hash = '', chain_hash = ''"
    )
    audit_chain_seal()
    export = tmp_path / "purged.jsonl"
    lines = [json.loads(line) for line in purge(export).splitlines()]
    assert not AuditRecord.objects.filter(entry_id=entry.pk).exists()
    assert not BreakGlassReview.objects.filter(entry_id=entry.pk).exists()
    (reviewed,) = [line for line in lines if "break_glass_review" in line]
    assert reviewed["entry"]["id"] == entry.pk
    assert reviewed["entry"]["records"] == [["counselling.case", "1"]]
    assert reviewed["break_glass_review"]["note"] == "reviewed"
    assert offline(export, GENESIS).returncode == 0


def with_purge_setting(through: str, statement: str, params: list[object] | None = None) -> None:
    """`statement` in a transaction that set the purge's setting, as the purge does."""
    with transaction.atomic(), connection.cursor() as cursor:
        if through:
            cursor.execute("SELECT set_config('centre.audit_purge_through', %s, true)", [through])
        cursor.execute(statement, params or [])


def test_the_purge_setting_opens_no_delete_to_a_role_that_is_not_the_owner(log):
    """The setting the triggers read can be set by any role: a role granted DELETE on the log
    by mistake still cannot delete with it."""
    role = f"portal_attacker_{uuid.uuid4().hex[:10]}"
    entry = log["old"][0]
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"CREATE ROLE {role}")
        cursor.execute(f"GRANT SELECT, DELETE ON {', '.join(TABLES)} TO {role}")
        cursor.execute(f"SET ROLE {role}")
        try:
            with pytest.raises(DatabaseError, match="append-only"):
                with_purge_setting(
                    "999999", "DELETE FROM centre_auditentry WHERE id = %s", [entry.pk]
                )
        finally:
            cursor.execute("RESET ROLE")
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_the_owner_deletes_with_the_setting_only_what_it_covers(log):
    """Even the owner, setting it by hand, deletes only entries sealed at or before it."""
    delete = "DELETE FROM centre_auditentry WHERE id = %s"
    with pytest.raises(DatabaseError, match="append-only"):
        with_purge_setting("5", delete, [log["new"][0].pk])
    with pytest.raises(DatabaseError, match="append-only"):  # without it, nothing at all
        with_purge_setting("", delete, [log["old"][0].pk])


@pytest.mark.parametrize(
    "statement",
    ["UPDATE centre_auditchainanchor SET purged = 1", "DELETE FROM centre_auditchainanchor"],
)
def test_an_anchor_cannot_be_changed_or_removed(log, tmp_path, statement):
    purge(tmp_path / "purged.jsonl")
    with pytest.raises(DatabaseError, match="append-only"):
        with_purge_setting("999", statement)


def test_purge_entries_written_beforehand_by_anyone_do_not_disturb_a_purge(log, tmp_path):
    """The application's role may write any entry, a `purged` one too: the anchor names the
    entry of its own purge, so one written before it (naming a future anchor) changes nothing."""
    audit_log(actor=None, action=PURGED, data={"anchor": {"chain_position": 5}})
    purge(tmp_path / "purged.jsonl")
    audit_chain_seal()
    assert audit_chain_verify().ok


def test_an_anchor_left_alone_and_unmatched_is_told_to_the_auditors_as_such(log, tmp_path):
    """Nothing after the anchor to name: the auditors' message says the anchor, not the sealer."""
    from django.utils import translation

    from centre.audit_alerts import audit_chain_check, chain_failed_message

    purge(tmp_path / "purged.jsonl")
    superuser_sql("DELETE FROM centre_auditentry")
    assert audit_chain_check() is False
    data = AuditEntry.objects.get(action="centre.audit_chain.verified").data
    assert (data["entry"], data["reason"]) == (None, "anchor")
    with translation.override("en"):
        assert "purge anchor" in chain_failed_message({**data}).body
