"""`manage.py import_roster`: the browser's import from the command line."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from screening.models import ScreeningResult
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
