"""Logging a session that changes the case's risk while someone else saved the case: refused with
409, what was typed kept in the form, nothing logged and nothing overwritten (it answered 500)."""

from __future__ import annotations

from django.utils import timezone

from counselling import services
from counselling.models import CounsellingSession


def session_data(**overrides) -> dict:
    held_at = timezone.localtime().replace(second=0, microsecond=0) - timezone.timedelta(hours=1)
    return {
        "held_at": held_at.strftime("%Y-%m-%d %H:%M"),
        "duration_minutes": 50,
        "kind": "counselling",
        "modality": "face_to_face",
        "attendance": "attended",
        "note_plan": "两周后复谈，联系班主任",
        "risk_assessed": "high",
        **overrides,
    }


def test_the_form_carries_the_version_of_the_case_it_was_opened_on(client, alice, alice_case):
    client.force_login(alice)
    page = client.get(f"/counselling/cases/{alice_case.pk}/sessions/new/").text
    assert f'name="case_version" value="{alice_case.version}"' in page


def test_a_session_changing_the_risk_of_a_case_saved_meanwhile_is_refused_with_409(
    client, alice, sam, alice_case
):
    opened_at = alice_case.version
    services.case_update(
        actor=sam, case=alice_case, expected_version=opened_at, presenting_concerns="督导的修改"
    )
    client.force_login(alice)
    response = client.post(
        f"/counselling/cases/{alice_case.pk}/sessions/new/",
        session_data(case_version=opened_at),
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert "两周后复谈，联系班主任" in page  # what she typed is still in the form
    assert "Someone else saved this record after you opened it" in page or "其他人已保存" in page
    assert not CounsellingSession.objects.exists()  # all or nothing: no session without its risk
    alice_case.refresh_from_db()
    assert alice_case.risk_level == "none"
    assert alice_case.presenting_concerns == "督导的修改"


def test_a_session_changing_the_risk_of_an_unchanged_case_is_logged(client, alice, alice_case):
    client.force_login(alice)
    response = client.post(
        f"/counselling/cases/{alice_case.pk}/sessions/new/",
        session_data(case_version=alice_case.version),
    )
    assert response.status_code == 302
    alice_case.refresh_from_db()
    assert alice_case.risk_level == "high"
    assert CounsellingSession.objects.filter(case=alice_case).count() == 1


def test_after_the_409_saving_again_is_made_on_what_is_saved_now(client, alice, sam, alice_case):
    opened_at = alice_case.version
    services.case_update(
        actor=sam, case=alice_case, expected_version=opened_at, presenting_concerns="督导的修改"
    )
    client.force_login(alice)
    page = f"/counselling/cases/{alice_case.pk}/sessions/new/"
    refused = client.post(page, session_data(case_version=opened_at))
    assert refused.status_code == 409
    kept = refused.context["form"]
    assert kept["case_version"].value() == str(opened_at + 1)  # the version saved now
    assert kept["note_plan"].value() == "两周后复谈，联系班主任"
    assert client.post(page, {**kept.data.dict()}).status_code == 302
    alice_case.refresh_from_db()
    assert alice_case.risk_level == "high"


def test_a_stale_change_of_the_concerns_can_be_saved_again_from_the_refused_form(
    client, alice, sam, alice_case
):
    services.case_update(
        actor=sam, case=alice_case, expected_version=1, presenting_concerns="督导的修改"
    )
    client.force_login(alice)
    url = f"/counselling/cases/{alice_case.pk}/change/concerns/"
    refused = client.post(url, {"presenting_concerns": "我的修改", "version": 1})
    assert refused.status_code == 409
    assert 'name="version" value="2"' in refused.content.decode()
    assert client.post(url, {"presenting_concerns": "我的修改", "version": 2}).status_code == 302
    alice_case.refresh_from_db()
    assert alice_case.presenting_concerns == "我的修改"
