"""`manage.py audit_export`: JSON lines an external log store ingests, each entry with its
hashes, that `tools/audit_verify_offline.py` checks without the portal."""

from __future__ import annotations

import datetime
import itertools
import json
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from centre.audit import audit_log
from centre.audit_chain import GENESIS, audit_chain_seal
from centre.models import AuditEntry

OFFLINE = Path(__file__).resolve().parents[2] / "tools" / "audit_verify_offline.py"


def offline(path: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603
        [sys.executable, str(OFFLINE), str(path), *arguments],
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture
def exported(db, tmp_path):
    for index in range(4):
        audit_log(actor=None, action="centre.test.written", reason="原因 ✓", data={"n": index})
    audit_chain_seal()
    path = tmp_path / "audit.jsonl"
    today = timezone.localdate()
    call_command("audit_export", "--since", f"{today}", "--output", str(path), stderr=StringIO())
    return path


def test_each_line_is_one_entry_with_its_hashes(exported):
    lines = [json.loads(line) for line in exported.read_text(encoding="utf-8").splitlines()]
    today = AuditEntry.objects.filter(at__date__gte=timezone.localdate() - datetime.timedelta(1))
    assert len(lines) >= 4
    assert {line["entry"]["id"] for line in lines} >= set(
        today.filter(action="centre.test.written").values_list("id", flat=True)
    )
    first = lines[0]
    assert set(first) == {"position", "previous_hash", "content_hash", "chain_hash", "entry"}
    for before, after in itertools.pairwise(lines):
        assert after["previous_hash"] == before["chain_hash"]
        assert after["position"] == before["position"] + 1
    assert "原因 ✓" in exported.read_text(encoding="utf-8")  # UTF-8, as hashed


def test_an_export_verifies_offline_and_a_changed_line_is_named(exported):
    lines = exported.read_text(encoding="utf-8").splitlines()
    first = json.loads(lines[0])
    before = AuditEntry.objects.filter(chain_position=first["position"] - 1).first()
    previous = before.chain_hash if before else GENESIS
    checked = offline(exported, "--previous", previous)
    assert checked.returncode == 0, checked.stderr
    assert f"{len(lines)} entries verify" in checked.stdout
    assert offline(exported, "--previous", "f" * 64).returncode == 1
    changed = json.loads(lines[2])
    changed["entry"]["reason"] = "rewritten"
    lines[2] = json.dumps(changed, ensure_ascii=False)
    exported.write_text("\n".join(lines) + "\n", encoding="utf-8")
    refused = offline(exported)
    assert refused.returncode == 1
    assert f"line 3 (entry {changed['entry']['id']}) does not verify" in refused.stderr


def test_a_missing_line_is_named_offline(exported):
    lines = exported.read_text(encoding="utf-8").splitlines()
    del lines[1]
    exported.write_text("\n".join(lines) + "\n", encoding="utf-8")
    refused = offline(exported)
    assert refused.returncode == 1
    assert "line 2" in refused.stderr


def test_the_export_writes_to_standard_output_and_needs_since(db, capsys):
    audit_log(actor=None, action="centre.test.written")
    audit_chain_seal()
    call_command("audit_export", "--since", f"{timezone.localdate()}")
    output = capsys.readouterr().out.splitlines()
    assert output
    assert all(json.loads(line)["chain_hash"] for line in output)
    with pytest.raises(CommandError):
        call_command("audit_export")
    with pytest.raises(CommandError, match="offset"):
        call_command("audit_export", "--since", "2026-12-01T10:00")


def test_entries_not_sealed_yet_wait_for_the_next_export(db, capsys):
    audit_chain_seal()
    unsealed = audit_log(actor=None, action="centre.test.unsealed")
    call_command("audit_export", "--since", f"{timezone.localdate()}")
    ids = [json.loads(line)["entry"]["id"] for line in capsys.readouterr().out.splitlines()]
    assert unsealed.pk not in ids
