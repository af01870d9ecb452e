"""A roster cell that is a digit to `str.isdigit` but no number to `int` (`²`) is reported on
its row like any invalid cell; the import does not fail as a whole."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from screening import services
from screening.models import RosterImport
from tests.support.rosters import csv_bytes, roster_rows


def test_a_superscript_digit_in_an_item_is_a_row_error(campaign, account):
    rows = roster_rows(3)
    rows[0][6] = "²"  # PHQA_1 of row 2 (the header is row 1)
    roster_import = services.roster_upload(
        actor=account("liaison"),
        campaign=campaign,
        upload=SimpleUploadedFile("roster.csv", csv_bytes(rows)),
        all_or_nothing=False,
    )
    assert roster_import.status == RosterImport.Status.DONE, roster_import.message
    assert roster_import.imported_rows == 2
    assert [(error["row"], error["column"]) for error in roster_import.errors] == [(2, "PHQA_1")]
