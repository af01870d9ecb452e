"""Nobody changes what their role does not own (issue 11, counselling): a read-only colleague
cannot write about the child; failed reminders stay with their site; break-glass needs a reason
in words, is granted once at a time and announced, and reaches no other site's conference; the
intake search keeps names out of URLs and other sites' details out of sight; a withdrawn consent
to counselling stops sessions and referrals except the audited crisis exception."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from centre import reminders
from centre.models import AuditEntry, Notification, Reminder, Site
from counselling import services
from counselling.models import (
    BreakGlassAccess,
    Case,
    CaseConference,
    Client,
    Consent,
    CounsellingSession,
    Guardian,
    Referral,
)
from tests.support.accounts import sign_in
from tests.support.counselling import consent_to_reminders

API = "/api/v1/counselling"
ZERO_WIDTH = "\u200b" * 12 + "\u200c\u200d\ufeff  \u2060"


@pytest.fixture
def west_case(make_case, staff_at):
    """A case of another county (K02), led by its own counsellor."""
    staff_at("west_supervisor", "supervisor", "K02")
    return make_case(
        counsellor=staff_at("west", "counsellor", "K02"), site=Site.objects.get(code="K02")
    )


def withdraw_counselling_consent(actor, case) -> Consent:
    consent = case.client.consents.get(purpose=Consent.Purpose.COUNSELLING)
    return services.consent_withdraw(actor=actor, consent=consent)


# A read-only colleague writes nothing about the child --------------------------------------------


def test_a_read_only_colleague_cannot_open_a_case_on_the_shared_child_through_the_api(
    client, alice, bob, alice_case
):
    services.case_share(actor=alice, case=alice_case, user=bob, can_change=False)
    sign_in(client, "counsellor2")
    response = client.post(
        f"{API}/cases/",
        {"client": alice_case.client_id, "source": "walk_in", "presenting_concerns": "复诊"},
        "application/json",
    )
    assert response.status_code == 403
    assert Case.objects.filter(client=alice_case.client).count() == 1


def test_a_read_only_colleague_cannot_change_guardians_or_consents_by_any_path(
    client, alice, bob, alice_case
):
    services.case_share(actor=alice, case=alice_case, user=bob, can_change=False)
    child = alice_case.client
    consent = child.consents.get(purpose=Consent.Purpose.COUNSELLING)
    guardian = child.guardians.get()
    with pytest.raises(PermissionDenied):
        services.guardian_add(
            actor=bob, client=child, relationship="father", full_name="冒充者", phone="139"
        )
    with pytest.raises(PermissionDenied):
        services.consent_withdraw(actor=bob, consent=consent)
    with pytest.raises(PermissionDenied):
        services.consent_record(
            actor=bob,
            client=child,
            purpose=Consent.Purpose.RESEARCH,
            given_by=Consent.GivenBy.GUARDIAN,
            guardian=guardian,
            version="2026-01",
        )
    with pytest.raises(PermissionDenied):
        services.case_open(
            actor=bob,
            client=child,
            site=bob.site,
            source="walk_in",
            presenting_concerns="复诊",
            counsellor=bob,
        )
    sign_in(client, "counsellor2")
    base = f"/counselling/cases/{alice_case.pk}/"
    assert client.post(f"{base}consents/{consent.pk}/withdraw/").status_code == 403
    response = client.post(
        f"{base}guardians/new/", {"relationship": "father", "full_name": "冒充者", "phone": "1"}
    )
    assert response.status_code == 403
    consent.refresh_from_db()
    assert consent.withdrawn_at is None
    assert list(child.guardians.all()) == [guardian]


def test_those_who_may_change_a_case_of_the_child_still_write_about_them(
    alice, bob, sam, alice_case
):
    services.case_share(actor=alice, case=alice_case, user=bob, can_change=True)
    child = alice_case.client
    services.guardian_add(
        actor=bob, client=child, relationship="father", full_name="父亲", phone="13900000000"
    )
    second = services.case_open(
        actor=bob,
        client=child,
        site=bob.site,
        source="family",
        presenting_concerns="家庭会谈",
        counsellor=bob,
    )
    assert second.client_id == child.pk
    consent = child.consents.get(purpose=Consent.Purpose.SHARE_WITH_HOSPITAL)
    services.consent_withdraw(actor=sam, consent=consent)  # the site's supervisor
    assert Guardian.objects.filter(client=child).count() == 2


# Failed reminders stay with their site ----------------------------------------------------------


def failed_follow_up_reminder(actor, case) -> Reminder:
    follow_up = services.follow_up_add(actor=actor, case=case, due_at=timezone.now())
    reminder = Reminder.objects.get(target_id=str(follow_up.pk), channel="inbox")
    Reminder.objects.filter(pk=reminder.pk).update(status=Reminder.Status.FAILED, failure="Boom")
    return reminder


def test_a_supervisor_sees_and_decides_the_failed_reminders_of_their_site_only(
    client, alice, alice_case, west_case
):
    ours = failed_follow_up_reminder(alice, alice_case)
    theirs = failed_follow_up_reminder(west_case.counsellor, west_case)
    assert theirs.site.code == "K02"
    sign_in(client, "supervisor")
    page = client.get("/reminders/").text
    assert f'id="reminder-{ours.pk}"' in page
    assert f'id="reminder-{theirs.pk}"' not in page
    response = client.post(f"/reminders/{theirs.pk}/", {"decision": "give_up"})
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == Reminder.Status.FAILED
    client.post(f"/reminders/{ours.pk}/", {"decision": "give_up"})
    ours.refresh_from_db()
    assert ours.status == Reminder.Status.CANCELLED

    sign_in(client, "west_supervisor")
    assert f'id="reminder-{theirs.pk}"' in client.get("/reminders/").text
    sign_in(client, "admin")
    assert f'id="reminder-{theirs.pk}"' in client.get("/reminders/").text


def test_a_guardians_sms_belongs_to_the_cases_site(alice, alice_case):
    consent_to_reminders(alice, alice_case)
    follow_up = services.follow_up_add(
        actor=alice, case=alice_case, due_at=timezone.now() + datetime.timedelta(days=3)
    )
    sms = Reminder.objects.get(target_id=str(follow_up.pk), channel="sms")
    assert sms.recipient is None
    assert sms.site == alice_case.site


# Break-glass -------------------------------------------------------------------------------------


@pytest.mark.parametrize("reason", [ZERO_WIDTH, "  。。。。。。。。。。！！  ", "\u200b紧急\u200b"])
def test_break_glass_refuses_a_reason_without_words(client, account, alice_case, reason):
    with pytest.raises(ValidationError):
        services.break_glass_open(actor=account("crisis"), case=alice_case, reason=reason)
    sign_in(client, "crisis")
    response = client.post(f"/counselling/cases/{alice_case.pk}/break-glass/", {"reason": reason})
    assert response.status_code == 400
    assert "10" in response.text
    assert not BreakGlassAccess.objects.exists()


def test_break_glass_refuses_a_reason_of_ten_thousand_characters(client, account, alice_case):
    """Found by the attack on issue 13: the reason had no upper bound (the review note does)."""
    reason = "学生情况紧急需要查阅" * 1000
    sign_in(client, "crisis")
    response = client.post(f"/counselling/cases/{alice_case.pk}/break-glass/", {"reason": reason})
    assert response.status_code == 400
    assert not BreakGlassAccess.objects.exists()


def test_break_glass_keeps_the_reason_without_invisible_characters(account, alice_case):
    access = services.break_glass_open(
        actor=account("crisis"), case=alice_case, reason="\u200b热线来电：学生现在需要帮助\u200b "
    )
    assert access.reason == "热线来电：学生现在需要帮助"


def test_break_glass_is_one_grant_at_a_time_and_renewed_only_after_expiry(
    client, account, alice_case
):
    crisis = account("crisis")
    reason = "热线来电：学生现在有危险，需要查看安全计划。"
    first = services.break_glass_open(actor=crisis, case=alice_case, reason=reason)
    with pytest.raises(ValidationError):
        services.break_glass_open(actor=crisis, case=alice_case, reason=reason)
    sign_in(client, "crisis")
    response = client.post(f"/counselling/cases/{alice_case.pk}/break-glass/", {"reason": reason})
    assert response.status_code == 400
    assert BreakGlassAccess.objects.count() == 1

    BreakGlassAccess.objects.filter(pk=first.pk).update(expires_at=timezone.now())
    response = client.post(f"/counselling/cases/{alice_case.pk}/break-glass/", {"reason": reason})
    assert response.status_code == 302
    assert BreakGlassAccess.objects.count() == 2
    audited = AuditEntry.objects.filter(action="counselling.case.break_glass", actor=crisis)
    assert audited.count() == 2


def test_break_glass_tells_the_lead_counsellor_and_the_supervisor_in_their_inbox(
    account, alice, sam, alice_case
):
    services.break_glass_open(
        actor=account("crisis"), case=alice_case, reason="热线来电：学生现在需要帮助，查看档案。"
    )
    planned = Reminder.objects.filter(template="break_glass_opened")
    assert {reminder.recipient for reminder in planned} == {alice, sam}
    for reminder_id in reminders.reminders_dispatch():
        reminders.reminder_send(reminder_id)
    for person in (alice, sam):
        notification = Notification.objects.get(user=person)
        assert str(alice_case.pk) in notification.title
        assert notification.link == f"/counselling/cases/{alice_case.pk}/viewers/"
        assert alice_case.client.full_name not in notification.title + notification.body


def test_a_case_reached_by_break_glass_joins_no_conference_of_another_site(
    client, sam, alice, alice_case, west_case
):
    services.break_glass_open(actor=sam, case=west_case, reason="热线转来：需要了解该生的情况。")
    sign_in(client, "supervisor")
    page = client.get("/counselling/conferences/").text
    assert f'name="cases" value="{west_case.pk}"' not in page
    assert f'name="cases" value="{alice_case.pk}"' in page
    response = client.post(
        "/counselling/conferences/",
        {
            "held_on": "2026-11-20",
            "participants": [sam.pk, alice.pk],
            "cases": [alice_case.pk, west_case.pk],
            "decisions": "讨论",
        },
    )
    assert response.status_code == 400
    with pytest.raises(ValidationError):
        services.case_conference_record(
            actor=sam,
            site=sam.site,
            held_on=datetime.date(2026, 11, 20),
            participants=[sam],
            cases=[west_case],
            decisions="讨论",
        )
    assert not CaseConference.objects.exists()


# The intake search -------------------------------------------------------------------------------


def matches_block(html: str) -> str:
    start = html.index('id="matches"')
    return html[start : html.index("</div>", start)]


def test_the_intake_search_is_a_post_audited_without_the_name(client, school, alice_case):
    child = alice_case.client
    sign_in(client, "counsellor")
    query = {"full_name": child.full_name, "date_of_birth": child.date_of_birth.isoformat()}
    assert 'id="matches"' not in client.get("/counselling/intake/", query).text  # GET: no search
    response = client.post("/counselling/intake/", {"step": "search", **query})
    assert response.status_code == 200
    assert f"/counselling/cases/{alice_case.pk}/" in matches_block(response.text)
    entry = AuditEntry.objects.get(action="counselling.client.searched")
    assert entry.actor.username == "counsellor"
    assert entry.data == {"matches": 1, "visible": 1, "records": 1}
    # The match shown with the child's details is named, so "who viewed this file" lists it.
    assert list(entry.records.values_list("target_type", "target_id")) == [
        ("counselling.client", str(child.pk))
    ]
    assert child.full_name not in str(entry.data) + entry.reason + entry.target_id


def test_a_match_outside_ones_files_says_only_where_and_whom_to_ask(
    client, school, alice_case, staff_at
):
    child = alice_case.client
    staff_at("west", "counsellor", "K02")
    sign_in(client, "west")
    response = client.post(
        "/counselling/intake/",
        {
            "step": "search",
            "full_name": child.full_name,
            "date_of_birth": child.date_of_birth.isoformat(),
        },
    )
    block = matches_block(response.text)
    assert school.name not in block
    assert child.full_name not in block
    assert "东湖区心理健康服务中心" in block  # where the child is registered
    assert "陈建国" in block  # K01's supervisor, whom to ask
    assert "/counselling/cases/" not in block
    assert 'id="intake-form"' not in response.text


def test_intake_with_no_match_goes_on_to_step_two_prefilled_and_opens_the_case(client, school):
    sign_in(client, "counsellor")
    born = (timezone.localdate() - datetime.timedelta(days=12 * 366)).isoformat()
    response = client.post(
        "/counselling/intake/",
        {"step": "search", "full_name": "周新", "date_of_birth": born, "school": school.pk},
    )
    assert 'id="intake-form"' in response.text
    assert 'value="周新"' in response.text
    data = {
        "step": "register",
        "full_name": "周新",
        "date_of_birth": born,
        "school": school.pk,
        "sex": "male",
        "guardian_relationship": "mother",
        "guardian_name": "周母",
        "guardian_phone": "13700000001",
        "consent_given_by": "guardian",
        "consent_version": "2026-01",
        "source": "family",
        "presenting_concerns": "不愿上学",
        "risk_level": "low",
    }
    response = client.post("/counselling/intake/", data)
    case = Case.objects.get(client__full_name="周新")
    assert response.headers["Location"] == f"/counselling/cases/{case.pk}/"
    assert Client.objects.filter(full_name="周新").count() == 1


# A withdrawn consent to counselling --------------------------------------------------------------


SESSION = {
    "held_at": "",
    "duration_minutes": 50,
    "kind": "counselling",
    "modality": "face_to_face",
    "attendance": "attended",
    "note_presenting": "情绪好转",
}


def test_after_a_withdrawal_the_case_says_so_and_refuses_sessions_and_referrals(
    client, alice, alice_case
):
    withdraw_counselling_consent(alice, alice_case)
    sign_in(client, "counsellor")
    base = f"/counselling/cases/{alice_case.pk}/"
    assert 'id="consent-withdrawn"' in client.get(base).text
    now = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    response = client.post(f"{base}sessions/new/", {**SESSION, "held_at": now})
    assert response.status_code == 400
    assert "情绪好转" in response.text  # what was typed is kept
    response = client.post(f"{base}referrals/new/", {"destination": "school", "reason": "返校"})
    assert response.status_code == 400
    response = client.post(
        f"{API}/sessions/",
        {**SESSION, "case": alice_case.pk, "held_at": timezone.now().isoformat()},
        "application/json",
    )
    assert response.status_code == 400
    assert "crisis_reason" in response.json()
    response = client.post(
        f"{API}/referrals/",
        {"case": alice_case.pk, "destination": "social_work", "reason": "社工支持"},
        "application/json",
    )
    assert response.status_code == 400
    assert not CounsellingSession.objects.exists()
    assert not Referral.objects.exists()
    with pytest.raises(ValidationError):
        services.session_log(
            actor=alice,
            case=alice_case,
            held_at=timezone.now(),
            modality="phone",
            kind="counselling",
            attendance="attended",
            crisis_reason=ZERO_WIDTH,
        )


def test_the_crisis_exception_goes_on_with_a_reason_and_is_audited(client, alice, alice_case):
    withdraw_counselling_consent(alice, alice_case)
    sign_in(client, "counsellor")
    base = f"/counselling/cases/{alice_case.pk}/"
    now = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    reason = "学生来电表示现在有伤害自己的打算，需要立即干预。"
    response = client.post(
        f"{base}sessions/new/", {**SESSION, "held_at": now, "crisis_reason": reason}
    )
    assert response.status_code == 302
    response = client.post(
        f"{API}/referrals/",
        {
            "case": alice_case.pk,
            "destination": "hospital_psychiatry",
            "reason": "紧急送医",
            "crisis_reason": reason,
        },
        "application/json",
    )
    assert response.status_code == 201
    entries = AuditEntry.objects.filter(action="counselling.consent.crisis_exception")
    assert sorted(entry.data["for"] for entry in entries) == ["referral", "session"]
    assert {entry.reason for entry in entries} == {reason}


def test_a_session_held_before_the_withdrawal_is_still_recorded(alice, alice_case):
    held_at = timezone.now() - datetime.timedelta(hours=2)
    withdraw_counselling_consent(alice, alice_case)
    session = services.session_log(
        actor=alice,
        case=alice_case,
        held_at=held_at,
        modality="face_to_face",
        kind="counselling",
        attendance="attended",
    )
    assert session.pk is not None


def test_a_risk_change_needs_a_reason_in_words(alice, alice_case):
    with pytest.raises(ValidationError):
        services.case_change_risk(
            actor=alice, case=alice_case, level="high", reason=ZERO_WIDTH, expected_version=1
        )
    alice_case.refresh_from_db()
    assert alice_case.risk_level == "none"


def test_reminders_planned_before_they_had_a_site_get_their_cases_or_recipients(alice, alice_case):
    """The data migrations (centre 0010, counselling 0008) on rows written without a site."""
    import importlib

    from django.apps import apps

    consent_to_reminders(alice, alice_case)
    follow_up = services.follow_up_add(
        actor=alice, case=alice_case, due_at=timezone.now() + datetime.timedelta(days=3)
    )
    digest = reminders.reminder_plan(
        key="digest:test",
        channel=Reminder.Channel.EMAIL,
        due_at=timezone.now(),
        template="follow_up_digest",
        params={"due_today": 1, "overdue": 0},
        recipient=alice,
    )
    Reminder.objects.update(site=None)
    for name in (
        "centre.migrations.0012_reminder_site",
        "counselling.migrations.0008_reminder_site_of_follow_ups",
    ):
        module = importlib.import_module(name)
        backfill = getattr(module, "site_from_recipient", None) or module.site_from_case
        backfill(apps, None)
    digest.refresh_from_db()
    assert digest.site == alice.site
    sms = Reminder.objects.get(target_id=str(follow_up.pk), channel="sms")
    assert sms.site == alice_case.site


def test_feedback_to_a_school_of_invisible_characters_is_refused(alice, alice_case):
    referral = services.referral_create(
        actor=alice, case=alice_case, destination="school", reason="返校安排"
    )
    services.referral_advance(actor=alice, referral=referral, status="accepted")
    services.referral_advance(
        actor=alice,
        referral=referral,
        status="scheduled",
        scheduled_for=timezone.now() - datetime.timedelta(hours=1),
    )
    services.referral_advance(actor=alice, referral=referral, status="attended")
    with pytest.raises(ValidationError):
        services.referral_advance(
            actor=alice, referral=referral, status="feedback", feedback_to_school=ZERO_WIDTH
        )
    referral.refresh_from_db()
    assert referral.status == Referral.Status.ATTENDED
