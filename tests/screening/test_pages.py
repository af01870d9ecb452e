"""The screening pages, persona by persona (DOMAIN.md §5.3): the school's liaison sees their own
school's students as tiers and tasks, never answers or scores; the site's counsellors see
scores; another school's data answers 404; a result's detail is audited."""

from __future__ import annotations

from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from centre.models import AuditEntry
from screening.models import RosterImport, ScreeningResult, TierChange, TierRequest, TrackingTask
from tests.support.accounts import sign_in, switch_to
from tests.support.queries import queries_per_page
from tests.support.rosters import csv_bytes, roster_rows, student_row
from tests.support.screening import referral_intake


def test_the_liaison_uploads_and_sees_the_report(client, imported):
    assert (imported.status, imported.imported_rows, len(imported.errors)) == ("done", 3, 1)
    sign_in(client, "liaison")
    page = client.get(f"/screening/imports/{imported.pk}/")
    assert 'id="error-count">1<' in page.text
    report = client.get(f"/screening/imports/{imported.pk}/errors.xlsx")
    sheet = load_workbook(BytesIO(report.content)).active
    values = [cell.value for row in sheet.iter_rows() for cell in row]
    assert not any(isinstance(value, str) and value.startswith("=") for value in values)


def test_the_template_has_the_campaigns_columns(client, campaign):
    sign_in(client, "liaison")
    response = client.get(f"/screening/campaigns/{campaign.pk}/template.xlsx")
    header = [cell.value for cell in next(load_workbook(BytesIO(response.content)).active.rows)]
    assert header[:6] == ["学号", "姓名", "性别", "年级", "班级", "出生日期"]
    assert header[-1] == "GAD7_7"


def test_the_liaison_sees_tiers_and_tasks_but_no_scores(client, imported):
    result = ScreeningResult.objects.get(crisis_flag=True)
    sign_in(client, "liaison")
    board = client.get("/screening/board/")
    assert result.student.full_name in board.text
    page = client.get(f"/screening/results/{result.pk}/")
    assert page.status_code == 200
    assert 'id="scores"' not in page.text
    assert "moderately_severe" not in page.text
    assert client.post(f"/screening/results/{result.pk}/", {"action": "tier"}).status_code == 403


def test_another_schools_liaison_gets_404(client, imported, campaign):
    result = ScreeningResult.objects.first()
    sign_in(client, "liaison2")
    for url in [
        f"/screening/campaigns/{campaign.pk}/",
        f"/screening/imports/{imported.pk}/",
        f"/screening/results/{result.pk}/",
        f"/screening/imports/{imported.pk}/errors.xlsx",
    ]:
        assert client.get(url).status_code == 404, url
    assert result.student.full_name not in client.get("/screening/board/").text


@pytest.mark.parametrize("username", ["operator", "stats", "auditor", "outreach"])
def test_roles_without_screening_get_nothing(client, imported, username):
    result = ScreeningResult.objects.first()
    sign_in(client, username)
    assert client.get("/screening/").status_code == 403
    assert client.get(f"/screening/results/{result.pk}/").status_code == 404  # a record


def test_a_counsellor_of_the_site_sees_scores_and_the_read_is_audited(client, imported):
    result = ScreeningResult.objects.get(crisis_flag=True)
    sign_in(client, "counsellor")
    page = client.get(f"/screening/results/{result.pk}/")
    assert 'id="scores"' in page.text
    assert "中重度" in page.text  # the band in words (screening.labels), not its code
    assert "moderately_severe" not in page.text
    assert AuditEntry.objects.filter(
        action="screening.result.viewed", target_id=str(result.pk), actor_username="counsellor"
    ).exists()


def test_the_interview_confirms_the_tier_and_closes_the_crisis_task(client, imported):
    result = ScreeningResult.objects.get(crisis_flag=True)
    sign_in(client, "counsellor")
    response = client.post(
        f"/screening/results/{result.pk}/",
        {"action": "cssrs", "q1": "yes", "q2": "yes", "q3": "no", "q4": "yes", "q5": "no",
         "q6": "no"},
    )  # fmt: skip
    assert response.status_code == 302
    result.refresh_from_db()
    assert (result.tier, result.cssrs_band, result.tier_confirmed) == ("red", "high", True)
    assert not result.tasks.filter(kind="crisis", status="open").exists()
    assert result.tasks.filter(status="open").exists()  # the next action
    skip = client.post(
        f"/screening/results/{result.pk}/",
        {"action": "cssrs", "q1": "no", "q2": "no", "q3": "yes", "q6": "no"},
    )
    assert skip.status_code == 400


def test_lowering_a_tier_needs_a_reason_and_a_second_clinicians_approval(client, imported):
    result = ScreeningResult.objects.get(crisis_flag=True)
    sign_in(client, "counsellor")
    url = f"/screening/results/{result.pk}/"
    assert client.post(url, {"action": "tier", "tier": "yellow", "reason": " "}).status_code == 400
    assert (
        client.post(url, {"action": "tier", "tier": "yellow", "reason": "复评后好转"}).status_code
        == 302
    )
    result.refresh_from_db()
    assert result.tier == "orange"  # until the second clinician approves
    tier_request = TierRequest.objects.get(result=result, status="pending")
    client.logout()
    sign_in(client, "supervisor")
    client.post(url, {"action": "approve", "request": tier_request.pk})
    change = TierChange.objects.get(result=result, tier_to="yellow")
    assert change.signed_off_by.username == "supervisor"
    assert AuditEntry.objects.filter(action="screening.result.tier_changed").exists()


def test_refer_opens_a_counselling_case_linked_to_the_task(client, imported):
    task = TrackingTask.objects.get(kind="crisis")
    sign_in(client, "counsellor")
    form = client.get(f"/screening/tasks/{task.pk}/refer/")
    assert task.result.student.full_name in form.text
    response = client.post(f"/screening/tasks/{task.pk}/refer/", referral_intake(task))
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.status == "referred"
    assert task.case.source == "screening"
    assert response.headers["Location"] == f"/counselling/cases/{task.case_id}/"


def test_an_import_is_undone_after_a_confirmation(client, imported):
    sign_in(client, "liaison")
    assert 'id="undo-form"' in client.get(f"/screening/imports/{imported.pk}/undo/").text
    assert ScreeningResult.objects.count() == 3
    client.post(f"/screening/imports/{imported.pk}/undo/")
    assert ScreeningResult.objects.count() == 0


def test_a_tier_change_needs_a_reason_in_words(client, imported, account):
    result = ScreeningResult.objects.get(crisis_flag=True)
    sign_in(client, "counsellor")
    response = client.post(
        f"/screening/results/{result.pk}/",
        {
            "action": "tier",
            "tier": "yellow",
            "reason": "\u200b\u200b\u200b。",  # zero-width spaces and a full stop
            "signed_off_by": account("supervisor").pk,
        },
    )
    assert response.status_code == 400
    result.refresh_from_db()
    assert result.tier != "yellow"
    assert not TierChange.objects.filter(result=result, tier_to="yellow").exists()


def test_a_bad_rows_values_are_shown_only_to_the_uploader_and_clinicians(client, campaign):
    rows = roster_rows(2)
    rows[1][6] = "7"  # row 3: PHQA_1 out of range
    rows[1][5] = "1890-01-01"  # and an impossible date of birth
    sign_in(client, "counsellor")
    upload = SimpleUploadedFile("名单.csv", csv_bytes(rows))
    client.post(f"/screening/campaigns/{campaign.pk}/", {"file": upload})
    client.logout()
    roster_import = RosterImport.objects.get()
    assert {error["value"] for error in roster_import.errors} == {"7", "1890-01-01"}
    for username, sees in [("counsellor", True), ("supervisor", True), ("liaison", False)]:
        sign_in(client, username)
        page = client.get(f"/screening/imports/{roster_import.pk}/").text
        report = client.get(f"/screening/imports/{roster_import.pk}/errors.xlsx")
        cells = [
            str(cell.value)
            for row in load_workbook(BytesIO(report.content)).active.iter_rows()
            for cell in row
        ]
        assert "PHQA_1" in page, username  # row, column and reason for everyone
        assert ("1890-01-01" in page) is sees, username
        assert ("1890-01-01" in cells) is sees, username
        assert ("7" in cells) is sees, username
        client.logout()


# The queries of each screening page, pinned (sign-in, permissions, the page and its prefetches,
# the audit), the same for a roster of 4 as for one of 34.
LIAISON_PAGE_QUERIES = {"workspace": 10, "campaign": 13, "import": 9, "board": 13}
COUNSELLOR_PAGE_QUERIES = {"workspace": 11, "board": 15, "result": 14, "refer": 11}


def screening_pages(imported) -> tuple[dict[str, str], dict[str, str]]:
    result = ScreeningResult.objects.get(crisis_flag=True)
    task = TrackingTask.objects.get(kind="crisis", result=result)
    liaison = {
        "workspace": "/screening/",
        "campaign": f"/screening/campaigns/{imported.campaign_id}/",
        "import": f"/screening/imports/{imported.pk}/",
        "board": "/screening/board/",
    }
    counsellor = {
        "workspace": "/screening/",
        "board": "/screening/board/",
        "result": f"/screening/results/{result.pk}/",
        "refer": f"/screening/tasks/{task.pk}/refer/",
    }
    return liaison, counsellor


def page_queries(client, liaison: dict, counsellor: dict) -> tuple[dict, dict]:
    sign_in(client, "liaison")
    liaison_counts = queries_per_page(client, liaison)
    switch_to(client, "counsellor")
    counsellor_counts = queries_per_page(client, counsellor)
    client.logout()
    return liaison_counts, counsellor_counts


def test_every_screening_page_needs_a_fixed_number_of_queries(client, imported):
    liaison, counsellor = screening_pages(imported)
    expected = (LIAISON_PAGE_QUERIES, COUNSELLOR_PAGE_QUERIES)
    assert page_queries(client, liaison, counsellor) == expected
    more = [student_row(100 + n, phq=[2] * 9) for n in range(30)]  # 30 more, each with a task
    sign_in(client, "liaison")
    upload = SimpleUploadedFile("名单2.csv", csv_bytes(more))
    response = client.post(f"/screening/campaigns/{imported.campaign_id}/", {"file": upload})
    assert response.status_code == 302
    client.logout()
    assert ScreeningResult.objects.count() == 33
    assert TrackingTask.objects.count() > 30
    assert page_queries(client, liaison, counsellor) == expected
