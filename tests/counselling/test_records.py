"""Issue 13, the counsellor's records: printing (case summary, referral letter), editing a
session's date and a guardian's details against the version read, closing after a
confirmation, plausibility (with the reason on the form and what was typed kept), consent
withdrawal keeping a case out of active work, and pages whose labels find their fields."""

from __future__ import annotations

import datetime
from html.parser import HTMLParser

import pytest
from django.utils import timezone

from centre.models import AuditEntry
from counselling import services
from counselling.models import Case, Consent, FollowUp, Referral
from tests.support.accounts import sign_in
from tests.support.counselling import session_edit
from tests.support.queries import queries_per_page

NO_CLINICAL_ACCESS = ["liaison", "operator", "stats", "auditor", "outreach"]


@pytest.fixture
def alice_session(alice, alice_case):
    return services.session_log(
        actor=alice,
        case=alice_case,
        held_at=timezone.now() - datetime.timedelta(days=2),
        modality="face_to_face",
        kind="counselling",
        attendance="attended",
        note_plan="私密的会谈记录",
    )


@pytest.fixture
def hospital_referral(alice, alice_case):
    return services.referral_create(
        actor=alice, case=alice_case, destination="hospital_psychiatry", reason="需要精神科评估"
    )


def withdraw(case, purpose, actor) -> None:
    consent = case.client.consents.get(purpose=purpose, withdrawn_at=None)
    services.consent_withdraw(actor=actor, consent=consent)


# Printing ---------------------------------------------------------------------------------------


def test_the_case_summary_prints_from_a_clean_layout_and_is_audited(
    client, alice_case, alice_session
):
    sign_in(client, "counsellor")
    response = client.get(f"/counselling/cases/{alice_case.pk}/print/")
    assert response.status_code == 200
    text = response.text
    assert alice_case.client.full_name in text
    assert "情绪低落" in text  # the presenting concerns
    assert "<nav" not in text
    assert 'class="topbar"' not in text
    assert "centre/print.css" in text
    assert "portal.css" not in text
    assert "私密的会谈记录" not in text  # session notes stay in the portal
    entry = AuditEntry.objects.get(action="counselling.case.printed")
    assert (entry.target_id, entry.actor_username) == (str(alice_case.pk), "counsellor")
    viewers = client.get(f"/counselling/cases/{alice_case.pk}/viewers/").text
    assert "个案摘要的打印件" in viewers  # "who viewed this file" lists the printout


def test_the_referral_letter_carries_only_what_the_referral_needs(
    client, alice_case, alice_session, hospital_referral
):
    sign_in(client, "counsellor")
    response = client.get(f"/counselling/referrals/{hospital_referral.pk}/letter/")
    assert response.status_code == 200
    text = response.text
    assert alice_case.client.full_name in text
    assert "需要精神科评估" in text  # the reason
    assert "13800000000" in text  # the guardian to call
    assert "<nav" not in text
    for left_out in ["情绪低落", "私密的会谈记录", alice_case.client.school.name, "七年级"]:
        assert left_out not in text.split('class="document"')[1], left_out
    entry = AuditEntry.objects.get(action="counselling.referral.printed")
    assert (entry.target_type, entry.target_id) == (
        "counselling.referral",
        str(hospital_referral.pk),
    )
    viewers = client.get(f"/counselling/cases/{alice_case.pk}/viewers/").text
    assert "转介信的打印件" in viewers


def test_a_referral_letter_is_only_for_the_hospital_and_while_sharing_is_consented(
    client, alice, alice_case, hospital_referral
):
    school = services.referral_create(
        actor=alice, case=alice_case, destination="school", reason="返校安排"
    )
    sign_in(client, "counsellor")
    assert client.get(f"/counselling/referrals/{school.pk}/letter/").status_code == 404
    withdraw(alice_case, Consent.Purpose.SHARE_WITH_HOSPITAL, alice)
    response = client.get(f"/counselling/referrals/{hospital_referral.pk}/letter/")
    assert response.status_code == 409
    assert "不再有效" in response.text
    assert not AuditEntry.objects.filter(action="counselling.referral.printed").exists()
    # At high risk the emergency exception lets the letter go.
    services.case_change_risk(
        actor=alice, case=alice_case, level="high", reason="评估", expected_version=1
    )
    assert client.get(f"/counselling/referrals/{hospital_referral.pk}/letter/").status_code == 200


def print_urls(case: Case, referral: Referral) -> list[str]:
    return [f"/counselling/cases/{case.pk}/print/", f"/counselling/referrals/{referral.pk}/letter/"]


def test_printing_is_404_for_other_people_and_403_for_a_read_only_share_or_break_glass(
    client, alice, bob, alice_case, hospital_referral
):
    urls = print_urls(alice_case, hospital_referral)
    sign_in(client, "counsellor2")
    for url in urls:
        assert client.get(url).status_code == 404, url
    services.case_share(actor=alice, case=alice_case, user=bob, can_change=False)
    for url in urls:
        assert client.get(url).status_code == 403, url
    for username in NO_CLINICAL_ACCESS:
        client.logout()
        sign_in(client, username)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 404, (username, url)
            assert alice_case.client.full_name not in response.text
    client.logout()
    sign_in(client, "crisis")
    client.post(
        f"/counselling/cases/{alice_case.pk}/break-glass/",
        {"reason": "热线来电，学生正处于危险之中。"},
    )
    assert client.get(f"/counselling/cases/{alice_case.pk}/").status_code == 200
    for url in urls:
        assert client.get(url).status_code == 403, url
    client.logout()
    sign_in(client, "supervisor")
    for url in urls:
        assert client.get(url).status_code == 200, url
    assert not AuditEntry.objects.filter(
        action__endswith=".printed", actor_username__in=["counsellor2", "crisis"]
    ).exists()


# Sign-in, permissions, the case with its child, the summary's lists, the audit entry.
PRINT_QUERIES = {"summary": 19, "letter": 15}


def test_print_pages_need_a_fixed_number_of_queries(
    client, alice, alice_case, alice_session, hospital_referral
):
    sign_in(client, "counsellor")
    urls = dict(zip(PRINT_QUERIES, print_urls(alice_case, hospital_referral), strict=True))
    assert queries_per_page(client, urls) == PRINT_QUERIES
    for day in range(5):
        services.session_log(
            actor=alice,
            case=alice_case,
            held_at=timezone.now() - datetime.timedelta(days=day + 3),
            modality="phone",
            kind="follow_up",
            attendance="attended",
        )
        services.referral_create(actor=alice, case=alice_case, destination="school", reason="返校")
        services.follow_up_add(
            actor=alice, case=alice_case, due_at=timezone.now() + datetime.timedelta(days=day + 1)
        )
    assert queries_per_page(client, urls) == PRINT_QUERIES


def test_print_pages_read_in_english_too(client, alice_case, hospital_referral):
    sign_in(client, "counsellor", language="en")
    text = client.get(f"/counselling/cases/{alice_case.pk}/print/").text
    assert "Case summary" in text
    assert "Session notes are not printed" in text
    text = client.get(f"/counselling/referrals/{hospital_referral.pk}/letter/").text
    assert "Referral letter" in text
    assert "Basis for sharing" in text


# Editing a session's date -----------------------------------------------------------------------


def test_a_sessions_date_is_edited_and_audited(client, alice_session):
    sign_in(client, "counsellor")
    url = f"/counselling/sessions/{alice_session.pk}/"
    day = timezone.localdate() - datetime.timedelta(days=5)
    response = client.post(url, session_edit(alice_session, held_at=f"{day} 09:30"))
    assert response.status_code == 302
    alice_session.refresh_from_db()
    assert timezone.localtime(alice_session.held_at).strftime("%Y-%m-%d %H:%M") == f"{day} 09:30"
    entry = AuditEntry.objects.filter(action="counselling.session.changed").latest("id")
    assert entry.data["fields"] == ["held_at"]


def test_a_stale_session_edit_answers_409_with_what_was_typed(client, alice, alice_session):
    services.session_update(
        actor=alice, session=alice_session, expected_version=1, note_plan="别人先保存"
    )
    sign_in(client, "counsellor")
    url = f"/counselling/sessions/{alice_session.pk}/"
    response = client.post(
        url, session_edit(alice_session, version=1, held_at="2026-01-05 08:15", note_plan="我的")
    )
    assert response.status_code == 409
    assert "2026-01-05 08:15" in response.text
    assert "我的" in response.text
    alice_session.refresh_from_db()
    assert alice_session.note_plan == "别人先保存"


@pytest.fixture
def young_case(make_case, alice):
    """A six-year-old's case: their birth is within the ten years a session may go back."""
    return make_case(counsellor=alice, age=6)


@pytest.mark.parametrize(
    ("held_at", "message"),
    [
        ("birth", "出生"),
        ("2999-01-01 10:00", "才能登记"),
        ("0001-01-01 10:00", "年份"),
        ("2026-13-01 10:00", ""),
        ("名" * 10_000, ""),
    ],
)
def test_an_implausible_session_date_is_refused_on_the_field(
    client, alice, young_case, held_at, message
):
    session = services.session_log(
        actor=alice,
        case=young_case,
        held_at=timezone.now() - datetime.timedelta(days=1),
        modality="phone",
        kind="counselling",
        attendance="attended",
    )
    if held_at == "birth":
        born = young_case.client.date_of_birth - datetime.timedelta(days=1)
        held_at = f"{born} 10:00"
    sign_in(client, "counsellor")
    response = client.post(
        f"/counselling/sessions/{session.pk}/",
        session_edit(session, held_at=held_at, note_plan="保留这段"),
    )
    assert response.status_code == 400
    assert "保留这段" in response.text
    field = response.text.split('class="field-held_at"')[1].split("</div>")[0]
    assert 'class="errorlist' in field
    assert message in field
    session.refresh_from_db()
    assert session.version == 1


@pytest.mark.parametrize("held_at", ["２０２６-01-01 10:00", "2026-01-01 10:00\x00"])
def test_a_session_date_in_odd_characters_is_read_as_typed_or_refused(
    client, alice_session, held_at
):
    sign_in(client, "counsellor")
    response = client.post(
        f"/counselling/sessions/{alice_session.pk}/", session_edit(alice_session, held_at=held_at)
    )
    assert response.status_code in {302, 400}
    alice_session.refresh_from_db()
    if response.status_code == 302:
        assert timezone.localtime(alice_session.held_at).strftime("%Y-%m-%d %H:%M") == (
            "2026-01-01 10:00"
        )


def test_a_session_cannot_be_moved_after_the_consent_was_withdrawn(
    client, alice, alice_case, alice_session
):
    withdraw(alice_case, Consent.Purpose.COUNSELLING, alice)
    sign_in(client, "counsellor")
    now = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    response = client.post(
        f"/counselling/sessions/{alice_session.pk}/", session_edit(alice_session, held_at=now)
    )
    assert response.status_code == 400
    assert "危机例外" in response.text


# Editing a guardian -----------------------------------------------------------------------------


def guardian_url(case, guardian) -> str:
    return f"/counselling/cases/{case.pk}/guardians/{guardian.pk}/edit/"


def test_a_guardians_details_are_edited_and_waiting_texts_follow_the_number(
    client, alice, alice_case
):
    from centre.models import Reminder

    guardian = alice_case.client.guardians.get()
    services.consent_record(
        actor=alice,
        client=alice_case.client,
        purpose=Consent.Purpose.REMINDERS,
        given_by=Consent.GivenBy.GUARDIAN,
        guardian=guardian,
        version="2026-01",
    )
    follow_up = services.follow_up_add(
        actor=alice, case=alice_case, due_at=timezone.now() + datetime.timedelta(days=4)
    )
    sign_in(client, "counsellor")
    assert 'id="guardian-form"' in client.get(guardian_url(alice_case, guardian)).text
    response = client.post(
        guardian_url(alice_case, guardian),
        {
            "version": 1,
            "relationship": "father",
            "full_name": "新名字",
            "phone": "13900000000",
            "language": "en",
        },
    )
    assert response.status_code == 302
    guardian.refresh_from_db()
    assert (guardian.full_name, guardian.phone, guardian.version) == ("新名字", "13900000000", 2)
    sms = Reminder.objects.get(target_id=str(follow_up.pk), channel="sms")
    assert (sms.phone, sms.language) == ("13900000000", "en")
    entry = AuditEntry.objects.filter(action="counselling.guardian.changed").latest("id")
    assert entry.data["fields"] == ["full_name", "language", "phone", "relationship"]
    assert "新名字" not in str(entry.data)


def test_a_stale_guardian_edit_answers_409_and_keeps_what_was_typed(client, alice, alice_case):
    guardian = alice_case.client.guardians.get()
    services.guardian_update(
        actor=alice, guardian=guardian, expected_version=1, phone="13911111111"
    )
    sign_in(client, "counsellor")
    response = client.post(
        guardian_url(alice_case, guardian),
        {
            "version": 1,
            "relationship": "mother",
            "full_name": "我输入的",
            "phone": "13722222222",
            "language": "zh-hans",
        },
    )
    assert response.status_code == 409
    assert "我输入的" in response.text
    assert "13722222222" in response.text
    # Saving again is a decision made on what is saved now.
    assert 'name="version" value="2"' in response.text
    guardian.refresh_from_db()
    assert (guardian.full_name, guardian.phone) == ("家长", "13911111111")


def test_guardian_edits_are_404_for_others_403_read_only_and_refuse_bad_values(
    client, alice, bob, alice_case, bob_case
):
    guardian = alice_case.client.guardians.get()
    sign_in(client, "counsellor2")
    assert client.get(guardian_url(alice_case, guardian)).status_code == 404
    # Bob's own case, Alice's child's guardian: not a guardian of that case.
    assert client.get(guardian_url(bob_case, guardian)).status_code == 404
    services.case_share(actor=alice, case=alice_case, user=bob, can_change=False)
    data = {
        "version": 1,
        "relationship": "mother",
        "full_name": "x",
        "phone": "1",
        "language": "en",
    }
    assert client.post(guardian_url(alice_case, guardian), data).status_code == 403
    client.logout()
    sign_in(client, "counsellor")
    for bad in [{"full_name": "名" * 10_000}, {"phone": "138\x00"}, {"language": "klingon"}]:
        response = client.post(guardian_url(alice_case, guardian), data | bad)
        assert response.status_code == 400, bad
    guardian.refresh_from_db()
    assert (guardian.full_name, guardian.version) == ("家长", 1)


# Closing a case ---------------------------------------------------------------------------------


def test_a_case_closes_after_a_confirmation_page(client, alice_case):
    sign_in(client, "counsellor")
    url = f"/counselling/cases/{alice_case.pk}/close/"
    case_page = client.get(f"/counselling/cases/{alice_case.pk}/").text
    assert url in case_page
    assert '<option value="closed">' not in case_page  # closing is not a select away
    response = client.get(url)
    assert 'id="close-form"' in response.text
    alice_case.refresh_from_db()
    assert alice_case.status == Case.Status.INTAKE
    assert client.post(url, {"version": alice_case.version}).status_code == 302
    alice_case.refresh_from_db()
    assert alice_case.status == Case.Status.CLOSED
    assert alice_case.follow_ups.filter(status=FollowUp.Status.DUE).exists()
    # Closed: the page says so and offers nothing to press; a second close changes nothing.
    response = client.get(url)
    assert 'id="close-form"' not in response.text
    assert client.post(url, {"version": alice_case.version}).status_code == 400


def test_a_stale_close_answers_409_and_others_get_404_or_403(client, sam, bob, alice, alice_case):
    services.case_update(actor=sam, case=alice_case, expected_version=1, presenting_concerns="改")
    url = f"/counselling/cases/{alice_case.pk}/close/"
    sign_in(client, "counsellor")
    assert client.post(url, {"version": 1}).status_code == 409
    alice_case.refresh_from_db()
    assert alice_case.status == Case.Status.INTAKE
    client.logout()
    sign_in(client, "counsellor2")
    assert client.get(url).status_code == 404
    assert client.post(url, {"version": 2}).status_code == 404
    services.case_share(actor=alice, case=alice_case, user=bob, can_change=False)
    assert client.post(url, {"version": 2}).status_code == 403
    alice_case.refresh_from_db()
    assert alice_case.status == Case.Status.INTAKE


# The case source ---------------------------------------------------------------------------------


def test_the_case_source_has_no_default_and_is_required(client, school):
    from tests.counselling.test_pages import intake_data

    sign_in(client, "counsellor")
    response = client.post(
        "/counselling/intake/",
        {
            "step": "search",
            "full_name": "新同学",
            "date_of_birth": "2014-03-05",
            "school": school.pk,
        },
    )
    form = response.text.split('id="intake-form"')[1]
    source = form.split('name="source"')[1].split("</select>")[0]
    assert '<option value="" selected>' in source
    response = client.post("/counselling/intake/", intake_data(school, source=""))
    assert response.status_code == 400
    assert "不愿上学" in response.text
    assert "不愿上学" not in Case.objects.values_list("presenting_concerns", flat=True)


# Plausibility -----------------------------------------------------------------------------------


def session_log_data(**overrides) -> dict:
    data = {
        "held_at": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
        "duration_minutes": 50,
        "kind": "counselling",
        "modality": "face_to_face",
        "attendance": "attended",
        "note_presenting": "我写下的记录",
        "note_intervention": "",
        "note_plan": "",
        "risk_assessed": "",
        "case_version": 1,
    }
    return data | overrides


def test_no_session_before_the_childs_birth(client, young_case):
    alice_case = young_case
    born = alice_case.client.date_of_birth - datetime.timedelta(days=3)
    sign_in(client, "counsellor")
    response = client.post(
        f"/counselling/cases/{alice_case.pk}/sessions/new/",
        session_log_data(held_at=f"{born} 10:00"),
    )
    assert response.status_code == 400
    assert "出生" in response.text
    assert "我写下的记录" in response.text
    field = response.text.split('class="field-held_at"')[1].split("</div>")[0]
    assert "出生" in field  # on the field, not only above the form
    assert not alice_case.sessions.exists()


def test_no_session_on_a_closed_case_until_it_is_reopened(client, alice, alice_case):
    services.case_change_status(actor=alice, case=alice_case, status="closed", expected_version=1)
    sign_in(client, "counsellor")
    url = f"/counselling/cases/{alice_case.pk}/sessions/new/"
    response = client.post(url, session_log_data(case_version=alice_case.version))
    assert response.status_code == 400
    assert "重新开启" in response.text
    assert "我写下的记录" in response.text
    assert not alice_case.sessions.exists()
    services.case_change_status(
        actor=alice, case=alice_case, status="active", expected_version=alice_case.version
    )
    assert client.post(url, session_log_data(case_version=alice_case.version)).status_code == 302
    assert alice_case.sessions.count() == 1


def test_the_api_names_the_implausible_field(client, young_case):
    alice_case = young_case
    sign_in(client, "counsellor")
    born = alice_case.client.date_of_birth - datetime.timedelta(days=3)
    response = client.post(
        "/api/v1/counselling/sessions/",
        {
            "case": alice_case.pk,
            "held_at": f"{born}T10:00:00+08:00",
            "modality": "face_to_face",
            "kind": "counselling",
            "attendance": "attended",
        },
        "application/json",
    )
    assert response.status_code == 400
    assert (response.json()["code"], response.json()["field"]) == ("implausible", "held_at")


def test_no_follow_up_due_in_the_past(client, alice, alice_case):
    sign_in(client, "counsellor")
    yesterday = (timezone.localtime() - datetime.timedelta(days=1)).strftime("%Y-%m-%d %H:%M")
    response = client.post(
        f"/counselling/cases/{alice_case.pk}/follow-ups/new/", {"due_at": yesterday}
    )
    assert response.status_code == 400
    assert "过去" in response.text
    assert yesterday in response.text
    assert not alice_case.follow_ups.exists()
    follow_up = services.follow_up_add(
        actor=alice, case=alice_case, due_at=timezone.now() + datetime.timedelta(days=2)
    )
    response = client.post(
        f"/counselling/follow-ups/{follow_up.pk}/",
        {"action": "move", "version": 1, "due_at": yesterday},
    )
    assert response.status_code == 400
    assert "过去" in response.text
    follow_up.refresh_from_db()
    assert follow_up.version == 1


def scheduled(alice, referral, when):
    services.referral_advance(actor=alice, referral=referral, status="accepted")
    services.referral_advance(
        actor=alice, referral=referral, status="scheduled", scheduled_for=when
    )
    return referral


def test_a_referral_is_not_attended_before_its_appointment(client, alice, hospital_referral):
    scheduled(alice, hospital_referral, timezone.now() + datetime.timedelta(hours=3))
    sign_in(client, "counsellor")
    url = f"/counselling/referrals/{hospital_referral.pk}/advance/"
    for status in ("attended", "no_show"):
        response = client.post(url, {"status": status}, follow=True)
        assert "预约时间" in response.text
        hospital_referral.refresh_from_db()
        assert hospital_referral.status == Referral.Status.SCHEDULED
    Referral.objects.filter(pk=hospital_referral.pk).update(
        scheduled_for=timezone.now() - datetime.timedelta(minutes=1)
    )
    client.post(url, {"status": "attended"})
    hospital_referral.refresh_from_db()
    assert hospital_referral.status == Referral.Status.ATTENDED


def test_an_appointment_after_the_sla_deadline_warns_but_is_saved(client, alice, hospital_referral):
    services.referral_advance(actor=alice, referral=hospital_referral, status="accepted")
    late = timezone.localtime(hospital_referral.due_at + datetime.timedelta(days=3))
    sign_in(client, "counsellor")
    response = client.post(
        f"/counselling/referrals/{hospital_referral.pk}/advance/",
        {"status": "scheduled", "scheduled_for": late.strftime("%Y-%m-%dT%H:%M")},
        follow=True,
    )
    hospital_referral.refresh_from_db()
    assert hospital_referral.status == Referral.Status.SCHEDULED
    assert "message-warning" in response.text
    assert "期限" in response.text
    assert "晚于期限" in response.text  # the flag in the referrals table


# Consent withdrawn: no way back to active work ---------------------------------------------------


@pytest.fixture
def recovering_case(alice, alice_case):
    services.case_change_status(actor=alice, case=alice_case, status="active", expected_version=1)
    services.case_change_status(
        actor=alice, case=alice_case, status="recovery", expected_version=alice_case.version
    )
    withdraw(alice_case, Consent.Purpose.COUNSELLING, alice)
    return alice_case


def test_after_withdrawal_the_case_is_not_reactivated_by_page_or_api(client, recovering_case):
    case = recovering_case
    sign_in(client, "counsellor")
    response = client.post(
        f"/counselling/cases/{case.pk}/change/status/",
        {"status": "active", "version": case.version},
    )
    assert response.status_code == 400
    assert "撤回" in response.text
    response = client.patch(
        f"/api/v1/counselling/cases/{case.pk}/",
        {"status": "active", "version": case.version},
        "application/json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "consent_withdrawn"
    case.refresh_from_db()
    assert case.status == Case.Status.RECOVERY


def test_after_withdrawal_a_follow_up_outcome_does_not_reopen_the_case(
    client, alice, recovering_case
):
    case = recovering_case
    follow_up = case.follow_ups.filter(status=FollowUp.Status.DUE).first()
    url = f"/counselling/follow-ups/{follow_up.pk}/"
    sign_in(client, "counsellor")
    outcome = {"action": "outcome", "version": 1, "attended": "1", "outcome": "家长来电"}
    response = client.post(url, outcome | {"reopen": "on"})
    assert response.status_code == 400
    assert "撤回" in response.text
    assert "家长来电" in response.text
    follow_up.refresh_from_db()
    assert follow_up.status == FollowUp.Status.DUE
    # A serious risk is recorded and raises the case's, but the case stays in recovery.
    response = client.post(url, outcome | {"risk_assessed": "high"}, follow=True)
    assert "仍为" in response.text  # the warning says why
    case.refresh_from_db()
    follow_up.refresh_from_db()
    assert (follow_up.status, case.risk_level, case.status) == ("done", "high", "recovery")


def test_with_consent_a_serious_follow_up_still_reopens_the_case(alice, alice_case):
    services.case_change_status(actor=alice, case=alice_case, status="closed", expected_version=1)
    follow_up = alice_case.follow_ups.filter(status=FollowUp.Status.DUE).first()
    services.follow_up_record_outcome(
        actor=alice,
        follow_up=follow_up,
        expected_version=1,
        attended=True,
        outcome="情况反复",
        risk_assessed="moderate",
    )
    alice_case.refresh_from_db()
    assert alice_case.status == Case.Status.ACTIVE


# Pages whose labels find their fields ------------------------------------------------------------


class IdsAndLabels(HTMLParser):
    FIELDS = {"input", "select", "textarea"}

    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.field_ids: set[str] = set()
        self.label_targets: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if "id" in attributes:
            self.ids.append(attributes["id"])
            if tag in self.FIELDS and attributes.get("type") != "hidden":
                self.field_ids.add(attributes["id"])
        if tag == "label" and attributes.get("for"):
            self.label_targets.append(attributes["for"])


def assert_ids_unique_and_labels_point_to_fields(html: str) -> IdsAndLabels:
    parsed = IdsAndLabels()
    parsed.feed(html)
    duplicates = sorted({each for each in parsed.ids if parsed.ids.count(each) > 1})
    assert duplicates == []
    assert parsed.label_targets, "no label on the page"
    assert sorted(set(parsed.label_targets) - parsed.field_ids) == []
    return parsed


def test_the_intake_page_has_unique_ids_and_labels_that_find_their_fields(client, school):
    sign_in(client, "counsellor")
    assert_ids_unique_and_labels_point_to_fields(client.get("/counselling/intake/").text)
    response = client.post(
        "/counselling/intake/",
        {
            "step": "search",
            "full_name": "新同学",
            "date_of_birth": "2014-03-05",
            "school": school.pk,
        },
    )
    assert 'id="intake-form"' in response.text  # both forms, the same field names
    parsed = assert_ids_unique_and_labels_point_to_fields(response.text)
    assert {"search-full_name", "id_full_name"} <= parsed.field_ids


def test_the_case_page_has_unique_ids_and_labels_that_find_their_fields(
    client, alice, alice_case, alice_session, hospital_referral
):
    services.referral_create(actor=alice, case=alice_case, destination="school", reason="返校")
    services.referral_advance(actor=alice, referral=hospital_referral, status="accepted")
    sign_in(client, "counsellor")
    text = client.get(f"/counselling/cases/{alice_case.pk}/").text
    parsed = assert_ids_unique_and_labels_point_to_fields(text)
    assert {"status-status", "risk-risk_level", "concerns-presenting_concerns"} <= parsed.field_ids
    assert f"referral-{hospital_referral.pk}-scheduled_for" in parsed.field_ids
    follow_up = services.follow_up_add(
        actor=alice, case=alice_case, due_at=timezone.now() + datetime.timedelta(days=1)
    )
    text = client.get(f"/counselling/follow-ups/{follow_up.pk}/").text
    assert_ids_unique_and_labels_point_to_fields(text)


def test_the_case_page_shows_the_log_a_session_shortcut(client, alice_case):
    sign_in(client, "counsellor")
    text = client.get(f"/counselling/cases/{alice_case.pk}/").text
    assert 'aria-keyshortcuts="Alt+Shift+N"' in text
    assert "<kbd>N</kbd>" in text
    assert "快捷键" in text
    sign_in(client, "counsellor", language="en")
    assert "Shortcut:" in client.get(f"/counselling/cases/{alice_case.pk}/").text


@pytest.mark.parametrize("phone", ["¹³⁹³⁰⁴⁰³³⁷⁴", "１３９３０４０３３７４", "call me", "12"])
def test_a_guardians_phone_is_written_in_ascii_digits(alice, alice_case, phone):
    """Found by the attack on issue 13: a superscript or full-width number was stored and shown,
    and no SMS gateway reaches it."""
    from django.core.exceptions import ValidationError

    guardian = alice_case.client.guardians.first()
    with pytest.raises(ValidationError):
        services.guardian_update(
            actor=alice, guardian=guardian, expected_version=guardian.version, phone=phone
        )
    with pytest.raises(ValidationError):
        services.guardian_add(
            actor=alice, client=alice_case.client, relationship="father", full_name="父亲",
            phone=phone,
        )  # fmt: skip
    guardian.refresh_from_db()
    assert guardian.phone != phone
