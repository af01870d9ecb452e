"""Holes found by attacking the fixes of issue 11 (a review as an outsider and an insider): each
test failed before its fix."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from centre.models import AuditEntry, AuditRecord
from counselling.models import Case
from screening import services
from screening.importing import FORBIDDEN_CHARACTERS as FORBIDDEN
from screening.models import RosterImport, ScreeningResult, TierChange, TrackingTask
from tests.screening.test_clinical_work import CSSRS_NONE, flagged, imported  # noqa: F401
from tests.support.accounts import switch_to
from tests.support.rosters import csv_bytes, roster_rows
from tests.support.screening import referral_intake


def test_a_tier_request_number_that_is_no_id_answers_400(client, imported, account):  # noqa: F811
    """`²` is a digit to str.isdigit, not to int(): the decision form read it raw (a 500)."""
    result = flagged()
    services.result_change_tier(
        actor=account("counsellor"), result=result, tier="blue", reason="复评后好转"
    )
    switch_to(client, "supervisor")
    response = client.post(
        f"/screening/results/{result.pk}/", {"action": "approve", "request": "²"}
    )
    assert response.status_code == 400
    result.refresh_from_db()
    assert result.tier == "orange"


CSSRS_HIGH = {
    "action": "cssrs",
    "q1": "yes",
    "q2": "yes",
    "q3": "no",
    "q4": "yes",
    "q5": "no",
    "q6": "no",
}


def test_a_second_interview_never_lowers_the_tier_the_first_confirmed(client, imported):  # noqa: F811
    """Recording the C-SSRS again with "no" answers lowered a red (high suicide risk) result at
    once, by one clinician alone: the downgrade that must wait for a second clinician."""
    result = flagged()
    url = f"/screening/results/{result.pk}/"
    switch_to(client, "counsellor")
    assert client.post(url, CSSRS_HIGH).status_code == 302
    result.refresh_from_db()
    assert result.tier == "red"
    assert client.post(url, CSSRS_NONE).status_code == 302
    result.refresh_from_db()
    assert result.tier == "red"
    assert not TierChange.objects.filter(result=result, tier_from="red").exists()


@pytest.mark.parametrize("value", ["\x01", "\x1b[31m", "=\x08"])
def test_a_bad_cell_with_control_characters_reads_in_the_report(client, campaign, value):
    """A bad cell's value is echoed to the uploader: a control character in it broke the XLSX
    report (openpyxl refuses it: a 500)."""
    rows = roster_rows(2)
    rows[1][2] = value  # the sex column: not 男 or 女, echoed in the report
    rows[1][6] = value + "7"  # an answer out of range, echoed too
    switch_to(client, "liaison")
    upload = SimpleUploadedFile("名单.csv", csv_bytes(rows))
    assert client.post(f"/screening/campaigns/{campaign.pk}/", {"file": upload}).status_code == 302
    roster_import = RosterImport.objects.get()
    assert roster_import.status == "done"
    assert {error["row"] for error in roster_import.errors} == {3}
    page = client.get(f"/screening/imports/{roster_import.pk}/")
    assert page.status_code == 200
    report = client.get(f"/screening/imports/{roster_import.pk}/errors.xlsx")
    assert report.status_code == 200
    values = [
        row[3]
        for row in load_workbook(io.BytesIO(report.content)).active.iter_rows(
            min_row=2, values_only=True
        )
    ]
    assert len(values) == 2
    assert all(value and not FORBIDDEN.search(value) for value in values)


def test_a_task_is_referred_once(client, imported):  # noqa: F811
    """Referring a task again (its page stays open in another tab, or a name typed differently
    so no duplicate is found) opened a second case and replaced the task's link to the first."""
    task = TrackingTask.objects.get(kind="crisis")
    url = f"/screening/tasks/{task.pk}/refer/"
    switch_to(client, "counsellor")
    intake = referral_intake(task)
    assert client.post(url, intake).status_code == 302
    task.refresh_from_db()
    first = task.case_id
    again = client.post(url, {**intake, "full_name": intake["full_name"] + "乙"})
    assert again.status_code == 400
    assert "已转介" in again.text
    task.refresh_from_db()
    assert (task.case_id, Case.objects.count()) == (first, 1)


def test_the_boards_tier_requests_are_in_its_read_entry(client, imported, account):  # noqa: F811
    """The board lists the requests to lower a tier with each student's name: a result shown
    only there (no open task) was missing from the board's audit entry."""
    quiet = ScreeningResult.objects.filter(tasks__isnull=True).first()
    counsellor = account("counsellor")
    services.result_change_tier(actor=counsellor, result=quiet, tier="yellow", reason="访谈后上调")
    services.result_change_tier(actor=counsellor, result=quiet, tier="none", reason="复评后好转")
    switch_to(client, "supervisor")
    before = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first()
    page = client.get("/screening/board/")
    assert quiet.student.full_name in page.text
    entry = AuditEntry.objects.get(id__gt=before, action="screening.result.listed")
    recorded = AuditRecord.objects.filter(entry=entry).values_list("target_id", flat=True)
    assert str(quiet.pk) in set(recorded)
