"""Clinical work is never removed or signed off by the wrong person: undoing a roster keeps every
result a clinician has worked on (and says so), only the uploader or a clinician of the site may
undo; lowering a tier waits for a second clinician who can see the result."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile

from centre.models import AuditEntry, Reminder, School, Site, User
from centre.roles import Role
from screening import scoring, services
from screening.models import (
    RosterImport,
    ScreeningResult,
    Student,
    TierChange,
    TierRequest,
    TrackingTask,
)
from tests.support.accounts import DEMO_PASSWORD, switch_to
from tests.support.rosters import csv_bytes, roster_rows, student_row

CSSRS_LOW = {"action": "cssrs", "q1": "yes", "q2": "no", "q6": "no"}
CSSRS_NONE = {"action": "cssrs", "q1": "no", "q2": "no", "q6": "no"}


def person(username: str, role: Role, site_code: str, school_code: str | None = None) -> User:
    user = User.objects.create_user(
        username=username,
        password=DEMO_PASSWORD,
        site=Site.objects.get(code=site_code),
        school=School.objects.get(code=school_code) if school_code else None,
    )
    user.groups.add(Group.objects.get(name=role.value))
    return user


@pytest.fixture
def imported(client, campaign):
    """Four students uploaded by the liaison: student 1 is flagged (orange, crisis task)."""
    rows = roster_rows(4)
    rows[0] = student_row(1, phq=[3, 3, 3, 3, 3, 1, 1, 0, 2])
    switch_to(client, "liaison")
    upload = SimpleUploadedFile("名单.csv", csv_bytes(rows))
    assert client.post(f"/screening/campaigns/{campaign.pk}/", {"file": upload}).status_code == 302
    client.logout()
    return RosterImport.objects.get()


def flagged() -> ScreeningResult:
    return ScreeningResult.objects.get(crisis_flag=True)


# Undo ------------------------------------------------------------------------------------------


def test_undo_keeps_the_result_whose_interview_is_recorded(client, imported):
    result = flagged()
    switch_to(client, "counsellor")
    assert client.post(f"/screening/results/{result.pk}/", CSSRS_LOW).status_code == 302
    changes = TierChange.objects.filter(result=result).count()
    switch_to(client, "liaison")
    confirmation = client.get(f"/screening/imports/{imported.pk}/undo/")
    assert "导入的 3 条结果" in confirmation.text  # removed
    assert 'id="undo-kept"' in confirmation.text
    assert "已记录复核访谈（C-SSRS）: 1" in confirmation.text  # kept, and why
    response = client.post(f"/screening/imports/{imported.pk}/undo/", follow=True)
    assert "保留 1 条" in response.text
    assert "已删除 3 条结果" in response.text
    result.refresh_from_db()  # still there, with the interview's answers and its tier history
    assert result.cssrs_band == "low"
    assert scoring.CSSRS in result.answers
    assert TierChange.objects.filter(result=result).count() == changes
    assert result.tasks.exists()
    assert ScreeningResult.objects.count() == 1
    assert Student.objects.count() == 1  # the others only this file brought
    imported.refresh_from_db()
    assert imported.status == "undone"
    entry = AuditEntry.objects.get(action="screening.roster.undone")
    assert entry.data["removed"] == 3
    assert entry.data["kept"]["interview"] == 1


def test_undo_keeps_a_referred_student_and_the_open_suicide_risk_task(imported, account):
    result = flagged()
    task = result.tasks.get(kind="crisis")
    TrackingTask.objects.filter(pk=task.pk).update(status="referred")  # the green channel
    plan = services.roster_import_undo(actor=account("liaison"), roster_import=imported)
    assert (plan.removable, plan.kept["referral"]) == (3, 1)
    assert TrackingTask.objects.filter(pk=task.pk).exists()


def test_undo_keeps_a_result_whose_tier_was_changed_or_asked_to_change(imported, account):
    results = list(ScreeningResult.objects.filter(crisis_flag=False).order_by("pk"))
    services.result_change_tier(
        actor=account("counsellor"), result=results[0], tier="red", reason="访谈后上调"
    )
    services.result_change_tier(
        actor=account("counsellor"), result=flagged(), tier="blue", reason="复评后好转"
    )
    plan = services.roster_import_undo(actor=account("counsellor"), roster_import=imported)
    assert (plan.removable, plan.kept["tier"]) == (2, 2)
    assert TierRequest.objects.filter(status="pending").count() == 1
    assert TierChange.objects.filter(result=results[0], tier_to="red").exists()


def test_an_untouched_import_is_undone_as_a_whole(imported, account):
    plan = services.roster_import_undo(actor=account("liaison"), roster_import=imported)
    assert (plan.removable, plan.kept_total) == (4, 0)
    assert not ScreeningResult.objects.exists()
    assert not TrackingTask.objects.exists()
    assert not Student.objects.exists()


def test_only_the_uploader_or_a_clinician_of_the_site_may_undo(client, imported):
    person("liaison_b", Role.SCHOOL_LIAISON, "K01-S001", "SCH-0101")  # same school, not uploader
    person("counsellor_k02", Role.COUNSELLOR, "K02")
    url = f"/screening/imports/{imported.pk}/undo/"
    switch_to(client, "liaison_b")
    assert client.get(f"/screening/imports/{imported.pk}/").status_code == 200
    assert "Undo this import" not in client.get(f"/screening/imports/{imported.pk}/").text
    assert client.get(url).status_code == 403
    assert client.post(url).status_code == 403
    switch_to(client, "counsellor_k02")  # another site: cannot even see the import
    assert client.post(url).status_code == 404
    assert ScreeningResult.objects.count() == 4
    switch_to(client, "supervisor")
    assert client.post(url).status_code == 302
    assert not ScreeningResult.objects.exists()


def test_the_service_refuses_an_undo_by_someone_else(imported):
    other = person("liaison_c", Role.SCHOOL_LIAISON, "K01-S001", "SCH-0101")
    with pytest.raises(PermissionDenied):
        services.roster_import_undo(actor=other, roster_import=imported)
    assert ScreeningResult.objects.count() == 4


# Lowering a tier -------------------------------------------------------------------------------


def test_lowering_a_tier_waits_for_a_second_clinician(client, imported, account):
    result = flagged()
    url = f"/screening/results/{result.pk}/"
    switch_to(client, "counsellor")
    # A sign-off chosen on the form (the old way) is not a sign-off: nothing is lowered.
    response = client.post(
        url,
        {"action": "tier", "tier": "yellow", "reason": "复评后好转",
         "signed_off_by": account("supervisor").pk},
        follow=True,
    )  # fmt: skip
    assert "在第二位临床人员批准之前，等级保持不变" in response.text
    result.refresh_from_db()
    assert result.tier == "orange"
    assert not TierChange.objects.filter(tier_to="yellow").exists()
    tier_request = TierRequest.objects.get(result=result, status="pending")
    assert 'id="tier-request-form"' not in client.get(url).text  # not for the one who asked
    decide = {"action": "approve", "request": tier_request.pk}
    assert client.post(url, decide).status_code == 403
    again = client.post(url, {"action": "tier", "tier": "blue", "reason": "再次"})
    assert again.status_code == 400
    assert "已有一项下调此等级的申请" in again.text
    # The supervisor sees the request on the board and on the result page, and approves it.
    switch_to(client, "supervisor")
    assert 'id="tier-requests"' in client.get("/screening/board/").text
    assert 'id="tier-request-form"' in client.get(url).text
    assert client.post(url, decide).status_code == 302
    result.refresh_from_db()
    assert result.tier == "yellow"
    change = TierChange.objects.get(result=result, tier_to="yellow")
    assert (change.changed_by, change.signed_off_by) == (
        account("counsellor"),
        account("supervisor"),
    )
    assert AuditEntry.objects.filter(
        action="screening.result.downgrade_approved", actor_username="supervisor"
    ).exists()
    assert AuditEntry.objects.filter(action="screening.result.downgrade_requested").exists()
    assert client.post(url, decide).status_code == 302  # decided already: refused, no change
    assert TierChange.objects.filter(result=result, tier_to="yellow").count() == 1


def test_a_clinician_who_cannot_see_the_result_cannot_approve(client, imported, account):
    result = flagged()
    outsider = person("counsellor_k03", Role.COUNSELLOR, "K03")
    tier_request = services.result_change_tier(
        actor=account("counsellor"), result=result, tier="blue", reason="复评后好转"
    )
    told = set(
        Reminder.objects.filter(template="screening_tier_request").values_list(
            "recipient__username", flat=True
        )
    )
    assert told == {"counsellor2", "supervisor"}  # not the one who asked, nor another site
    switch_to(client, "counsellor_k03")
    decide = {"action": "approve", "request": tier_request.pk}
    assert client.post(f"/screening/results/{result.pk}/", decide).status_code == 404
    assert "tier-requests" not in client.get("/screening/board/").text
    with pytest.raises(PermissionDenied):
        services.tier_request_decide(actor=outsider, tier_request=tier_request, approve=True)
    with pytest.raises(PermissionDenied):
        services.tier_request_decide(
            actor=account("liaison"), tier_request=tier_request, approve=True
        )
    result.refresh_from_db()
    assert result.tier == "orange"


def test_a_declined_request_leaves_the_tier(client, imported, account):
    result = flagged()
    tier_request = services.result_change_tier(
        actor=account("counsellor"), result=result, tier="blue", reason="复评后好转"
    )
    switch_to(client, "counsellor2")
    decline = {"action": "decline", "request": tier_request.pk}
    assert client.post(f"/screening/results/{result.pk}/", decline).status_code == 302
    tier_request.refresh_from_db()
    result.refresh_from_db()
    assert (tier_request.status, tier_request.decided_by, result.tier) == (
        "declined",
        account("counsellor2"),
        "orange",
    )


def test_a_request_lapses_when_the_tier_changed_meanwhile(imported, account):
    result = flagged()
    tier_request = services.result_change_tier(
        actor=account("counsellor"), result=result, tier="blue", reason="复评后好转"
    )
    services.result_change_tier(
        actor=account("counsellor2"), result=result, tier="red", reason="访谈后上调"
    )
    decided = services.tier_request_decide(
        actor=account("supervisor"), tier_request=tier_request, approve=True
    )
    result.refresh_from_db()
    assert (decided.status, result.tier) == ("superseded", "red")


def test_the_interview_never_lowers_a_tier_a_clinician_raised(client, imported, account):
    result = flagged()
    services.result_change_tier(
        actor=account("counsellor"), result=result, tier="red", reason="有具体计划"
    )
    switch_to(client, "counsellor")
    assert client.post(f"/screening/results/{result.pk}/", CSSRS_NONE).status_code == 302
    result.refresh_from_db()
    assert result.tier == "red"
