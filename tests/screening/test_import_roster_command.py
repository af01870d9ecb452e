"""`manage.py import_roster`: the browser's import from the command line."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from centre.models import AuditEntry
from screening.models import RosterImport, ScreeningResult
from tests.support.rosters import csv_bytes, roster_rows, xlsx_bytes


def command(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_roster", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_list_campaigns_prints_one_per_line_id_first(campaign):
    out, _ = command("--list-campaigns")
    assert out.splitlines() == [f"{campaign.pk}\tSCH-0101\t2026 秋季筛查\tPHQ-A,GAD-7"]


def test_a_roster_is_imported_from_a_file(campaign, tmp_path):
    path = tmp_path / "roster.xlsx"
    path.write_bytes(xlsx_bytes(roster_rows(5)))
    out, err = command("--campaign", str(campaign.pk), str(path))
    assert "5 imported" in out
    assert err == ""
    assert ScreeningResult.objects.count() == 5


def test_all_or_nothing_reports_the_bad_rows_and_imports_none(campaign, tmp_path):
    rows = roster_rows(5)
    rows[2][6] = 7
    path = tmp_path / "roster.csv"
    path.write_bytes(csv_bytes(rows, encoding="gb18030"))
    out, err = command("--campaign", str(campaign.pk), str(path), "--all-or-nothing")
    assert "0 imported" in out
    assert "row 4\tPHQA_1" in err
    assert not ScreeningResult.objects.exists()


def test_a_refused_file_stops_with_its_reason(campaign, tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes(b"")
    with pytest.raises(CommandError, match="empty"):
        command("--campaign", str(campaign.pk), str(path))
    with pytest.raises(CommandError, match="no campaign"):
        command("--campaign", "999999", str(path))


def roster_file(tmp_path, count: int = 3):
    path = tmp_path / "roster.xlsx"
    path.write_bytes(xlsx_bytes(roster_rows(count)))
    return path


def test_as_names_who_ran_the_import_on_the_import_and_its_audit_entry(campaign, account, tmp_path):
    out, _ = command(
        "--campaign", str(campaign.pk), str(roster_file(tmp_path)), "--as", "counsellor"
    )
    roster_import = RosterImport.objects.get()
    assert roster_import.uploaded_by == account("counsellor")
    entry = AuditEntry.objects.get(action="screening.roster.imported")
    assert (entry.actor, entry.target_id) == (account("counsellor"), str(roster_import.pk))
    assert "3 imported" in out
    assert "recorded as uploaded by" not in out


def test_without_as_the_campaigns_liaison_is_recorded_and_the_command_says_so(
    campaign, account, tmp_path
):
    out, err = command("--campaign", str(campaign.pk), str(roster_file(tmp_path)))
    assert RosterImport.objects.get().uploaded_by == account("liaison")
    assert AuditEntry.objects.get(action="screening.roster.imported").actor == account("liaison")
    assert out.splitlines()[0] == (
        "recorded as uploaded by liaison, the campaign's liaison "
        "(give --as USERNAME to name who runs the import)"
    )
    assert err == ""


def test_as_a_user_the_page_would_refuse_imports_nothing(campaign, tmp_path):
    path = str(roster_file(tmp_path))
    # liaison2 is another school's liaison; `stats` has no screening role at all.
    for username in ("liaison2", "stats"):
        with pytest.raises(CommandError, match=f"{username} may not upload rosters"):
            command("--campaign", str(campaign.pk), path, "--as", username)
    with pytest.raises(CommandError, match="no user nobody"):
        command("--campaign", str(campaign.pk), path, "--as", "nobody")
    assert not RosterImport.objects.exists()
    assert not ScreeningResult.objects.exists()
