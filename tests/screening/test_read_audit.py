"""Screening reads and downloads are audited: the tracking board (one entry naming the results
shown), the referral form prefilled with a student's name and date of birth, an import's report
and its XLSX, and the roster template."""

from __future__ import annotations

from centre.models import AuditEntry, AuditRecord
from screening.models import ScreeningResult, TrackingTask
from tests.support.accounts import sign_in


def new_entries(client, url: str) -> list[AuditEntry]:
    last = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
    assert client.get(url).status_code == 200
    return list(AuditEntry.objects.filter(id__gt=last).exclude(action__startswith="centre.session"))


def test_the_board_writes_one_entry_naming_the_results_shown(client, imported, account):
    shown = set(
        TrackingTask.objects.filter(status="open").values_list("result_id", flat=True).distinct()
    )
    assert shown
    sign_in(client, "liaison")
    [entry] = new_entries(client, "/screening/board/")
    assert (entry.action, entry.actor) == ("screening.result.listed", account("liaison"))
    assert entry.data["records"] == len(shown)
    recorded = AuditRecord.objects.filter(entry=entry).values_list("target_type", "target_id")
    assert sorted(recorded) == sorted(("screening.screeningresult", str(pk)) for pk in shown)


def test_the_prefilled_referral_form_is_a_read_of_the_result(client, imported):
    task = TrackingTask.objects.get(kind="crisis")
    sign_in(client, "counsellor")
    [entry] = new_entries(client, f"/screening/tasks/{task.pk}/refer/")
    assert (entry.action, entry.target_type, entry.target_id) == (
        "screening.referral_form.viewed",
        "screening.screeningresult",
        str(task.result_id),
    )


def test_an_imports_report_and_every_download_are_audited(client, imported, campaign):
    sign_in(client, "liaison")
    [page] = new_entries(client, f"/screening/imports/{imported.pk}/")
    assert (page.action, page.target_id) == ("screening.roster_import.viewed", str(imported.pk))
    assert new_entries(client, f"/screening/imports/{imported.pk}/?format=json") == []  # counts
    [errors] = new_entries(client, f"/screening/imports/{imported.pk}/errors.xlsx")
    assert (errors.action, errors.target_id) == (
        "screening.roster_errors.exported",
        str(imported.pk),
    )
    assert errors.data == {"file": f"roster-errors-{imported.pk}.xlsx"}
    [template] = new_entries(client, f"/screening/campaigns/{campaign.pk}/template.xlsx")
    assert template.action == "screening.roster_template.exported"
    assert ScreeningResult.objects.exists()
