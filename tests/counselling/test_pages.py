"""The counselling pages, persona by persona: the owner works; anonymous visitors go to the login
page; another counsellor's case answers 404; reading without change permission refuses writes
(403); roles without clinical access get nothing. Reads are audited; queries are bounded."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from centre.models import AuditEntry
from counselling import services
from counselling.models import Case, Client, Consent, CounsellingSession, Referral
from tests.support.accounts import sign_in
from tests.support.clock import years_ago
from tests.support.counselling import overdue_follow_up
from tests.support.queries import queries_per_page

NO_CLINICAL_ACCESS = ["liaison", "operator", "stats", "auditor", "outreach"]


def case_pages(case: Case, session: CounsellingSession) -> list[str]:
    """Every page about one case (GET)."""
    base = f"/counselling/cases/{case.pk}/"
    return [
        base,
        f"{base}sessions/new/",
        f"{base}safety-plan/",
        f"{base}referrals/new/",
        f"{base}guardians/new/",
        f"{base}consents/new/",
        f"{base}share/",
        f"{base}viewers/",
        f"/counselling/sessions/{session.pk}/",
    ]


def test_the_owner_opens_every_page_of_her_case(client, alice, alice_case, alice_session):
    sign_in(client, "counsellor")
    assert client.get("/counselling/").status_code == 200
    assert client.get("/counselling/intake/").status_code == 200
    for url in case_pages(alice_case, alice_session):
        assert client.get(url).status_code == 200, url


def test_anonymous_visitors_are_sent_to_sign_in(client, alice_case, alice_session):
    for url in ["/counselling/", "/counselling/intake/", *case_pages(alice_case, alice_session)]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.headers["Location"].startswith("/login/"), url


def test_another_counsellors_case_answers_404_and_is_not_listed(
    client, alice_case, alice_session, bob_case
):
    sign_in(client, "counsellor2")
    for url in case_pages(alice_case, alice_session):
        assert client.get(url).status_code == 404, url
    response = client.get("/counselling/")
    assert f"/counselling/cases/{alice_case.pk}/" not in response.text
    assert f"/counselling/cases/{bob_case.pk}/" in response.text
    missing = Case.objects.order_by("-pk").first().pk + 1000
    assert client.get(f"/counselling/cases/{missing}/").status_code == 404


@pytest.mark.parametrize("username", NO_CLINICAL_ACCESS)
def test_roles_without_clinical_access_get_nothing(
    client, account, alice_case, alice_session, username
):
    sign_in(client, username)
    assert client.get("/counselling/").status_code == 403
    for url in case_pages(alice_case, alice_session):
        response = client.get(url)
        assert response.status_code == 404, url
        assert alice_case.client.full_name not in response.text


def test_reading_without_change_permission_refuses_every_write(
    client, alice, bob, alice_case, alice_session
):
    services.case_share(actor=alice, case=alice_case, user=bob, can_change=False)
    sign_in(client, "counsellor2")
    base = f"/counselling/cases/{alice_case.pk}/"
    assert client.get(base).status_code == 200
    assert client.get(f"/counselling/sessions/{alice_session.pk}/").status_code == 200
    for url in [f"{base}sessions/new/", f"{base}safety-plan/", f"{base}referrals/new/"]:
        assert client.get(url).status_code == 403, url
    response = client.post(
        f"{base}change/risk/", {"risk_level": "high", "reason": "x", "version": alice_case.version}
    )
    assert response.status_code == 403
    response = client.post(
        f"/counselling/sessions/{alice_session.pk}/",
        {"version": 1, "attendance": "attended", "duration_minutes": 50, "note_plan": "改"},
    )
    assert response.status_code == 403
    alice_case.refresh_from_db()
    assert alice_case.risk_level == "none"


def test_the_supervisor_works_on_the_sites_cases(client, alice_case, alice_session):
    sign_in(client, "supervisor")
    for url in case_pages(alice_case, alice_session):
        assert client.get(url).status_code == 200, url
    assert client.get("/counselling/conferences/").status_code == 200


def test_a_crisis_team_member_needs_break_glass_and_a_counsellor_cannot_break_it(
    client, alice_case
):
    sign_in(client, "crisis")
    response = client.get(f"/counselling/cases/{alice_case.pk}/")
    assert response.status_code == 404
    assert f"/counselling/cases/{alice_case.pk}/break-glass/" in response.text
    response = client.post(f"/counselling/cases/{alice_case.pk}/break-glass/", {"reason": "太短"})
    assert response.status_code == 400
    response = client.post(
        f"/counselling/cases/{alice_case.pk}/break-glass/",
        {"reason": "热线来电，学生正处于危险之中。"},
    )
    assert response.status_code == 302
    assert client.get(f"/counselling/cases/{alice_case.pk}/").status_code == 200
    assert client.get(f"/counselling/cases/{alice_case.pk}/sessions/new/").status_code == 403

    client.logout()
    sign_in(client, "counsellor2")
    assert client.get(f"/counselling/cases/{alice_case.pk}/break-glass/").status_code == 403


def test_reading_a_case_and_a_session_note_is_audited(client, alice_case, alice_session):
    sign_in(client, "counsellor")
    client.get(f"/counselling/cases/{alice_case.pk}/")
    client.get(f"/counselling/sessions/{alice_session.pk}/")
    targets = list(
        AuditEntry.objects.filter(actor_username="counsellor", action__endswith=".viewed")
        .order_by("id")
        .values_list("action", "target_type", "target_id")
    )
    assert targets == [
        ("counselling.case.viewed", "counselling.case", str(alice_case.pk)),
        ("counselling.session.viewed", "counselling.counsellingsession", str(alice_session.pk)),
    ]
    entry = AuditEntry.objects.filter(action="counselling.case.viewed").first()
    assert entry.ip_address == "127.0.0.1"


# The queries of each page, pinned (sign-in, permissions, the page and its prefetches, the audit:
# a savepoint, the entry, its records): a changed count is a review conversation, not a number
# to bump. They stay the same with more cases, sessions and open referrals (each with its form
# on the case file).
PAGE_QUERIES = {
    "caseload": 12,  # keyset-paged (centre.paging): no COUNT
    "intake": 8,
    "case": 27,  # whom it is shared with, and its planned appointments
    "session-log": 15,
    "safety-plan": 15,
    "referral-new": 15,
    "guardian-new": 14,
    "consent-new": 15,
    "share": 17,  # the staff picker reads the actor's site tree, and its people's roles
    "viewers": 10,  # and the case's sessions, to say which note an entry read
    "session": 14,
}


def page_urls(case: Case, session: CounsellingSession) -> dict[str, str]:
    base = f"/counselling/cases/{case.pk}/"
    return {
        "caseload": "/counselling/",
        "intake": "/counselling/intake/",
        "case": base,
        "session-log": f"{base}sessions/new/",
        "safety-plan": f"{base}safety-plan/",
        "referral-new": f"{base}referrals/new/",
        "guardian-new": f"{base}guardians/new/",
        "consent-new": f"{base}consents/new/",
        "share": f"{base}share/",
        "viewers": f"{base}viewers/",
        "session": f"/counselling/sessions/{session.pk}/",
    }


def test_every_page_needs_a_fixed_number_of_queries(
    client, alice, make_case, alice_case, alice_session
):
    sign_in(client, "counsellor")
    urls = page_urls(alice_case, alice_session)
    assert queries_per_page(client, urls) == PAGE_QUERIES
    for _ in range(20):
        case = make_case(counsellor=alice, risk_level="moderate")
        services.referral_create(actor=alice, case=case, destination="school", reason="返校")
    for _ in range(5):
        services.session_log(
            actor=alice,
            case=alice_case,
            held_at=alice_session.held_at,
            modality="phone",
            kind="follow_up",
            attendance="attended",
        )
        services.referral_create(actor=alice, case=alice_case, destination="school", reason="返校")
    assert queries_per_page(client, urls) == PAGE_QUERIES


def test_the_caseload_filters_and_puts_the_highest_risk_first(client, alice, make_case):
    low = make_case(counsellor=alice, risk_level="low")
    imminent = make_case(counsellor=alice, risk_level="imminent")
    sign_in(client, "counsellor")
    text = client.get("/counselling/").text
    assert text.index(f"/cases/{imminent.pk}/") < text.index(f"/cases/{low.pk}/")
    text = client.get("/counselling/", {"risk_level": "low"}).text
    assert f"/cases/{low.pk}/" in text
    assert f"/cases/{imminent.pk}/" not in text
    assert client.get("/counselling/", {"status": "nonsense"}).status_code == 200


def test_a_stale_edit_is_refused_with_409_and_nothing_is_overwritten(client, sam, alice_case):
    services.case_update(
        actor=sam, case=alice_case, expected_version=1, presenting_concerns="督导的修改"
    )
    sign_in(client, "counsellor")
    response = client.post(
        f"/counselling/cases/{alice_case.pk}/change/concerns/",
        {"presenting_concerns": "我的修改", "version": 1},
    )
    assert response.status_code == 409
    assert "我的修改" in response.text  # what she typed is still in the form
    alice_case.refresh_from_db()
    assert alice_case.presenting_concerns == "督导的修改"


def intake_data(school, **overrides) -> dict:
    data = {
        "step": "register",
        "full_name": "赵晓雨",
        "date_of_birth": years_ago(11).isoformat(),
        "school": school.pk,
        "sex": "female",
        "grade": "五年级",
        "class_name": "1班",
        "phone": "",
        "guardian_relationship": "father",
        "guardian_name": "赵强",
        "guardian_phone": "13700000000",
        "consent_given_by": "guardian",
        "consent_version": "2026-01",
        "source": "family",
        "presenting_concerns": "不愿上学",
        "risk_level": "low",
    }
    return data | overrides


def test_intake_under_14_without_a_guardian_is_refused_and_nothing_saved(client, school):
    sign_in(client, "counsellor")
    response = client.post(
        "/counselling/intake/",
        intake_data(
            school,
            guardian_relationship="",
            guardian_name="",
            guardian_phone="",
            consent_given_by="client",
        ),
    )
    assert response.status_code == 400
    assert "赵晓雨" in response.text  # the form keeps what was typed
    assert not Client.objects.filter(full_name="赵晓雨").exists()


def test_intake_finds_a_child_registered_by_another_counsellor_without_showing_the_case(
    client, school, bob_case
):
    child = bob_case.client
    sign_in(client, "counsellor")
    response = client.post(
        "/counselling/intake/",
        {
            "step": "search",
            "full_name": child.full_name,
            "date_of_birth": child.date_of_birth.isoformat(),
            "school": school.pk,
        },
    )
    assert "督导" in response.text  # whom to ask
    assert f"/cases/{bob_case.pk}/" not in response.text
    assert 'id="intake-form"' not in response.text
    response = client.post(
        "/counselling/intake/",
        intake_data(
            school, full_name=child.full_name, date_of_birth=child.date_of_birth.isoformat()
        ),
    )
    assert response.status_code == 409
    assert "不愿上学" in response.text  # what was typed is kept
    assert 'id="matches"' in response.text
    assert f"/cases/{bob_case.pk}/" not in response.text
    assert Client.objects.filter(full_name=child.full_name).count() == 1


def test_a_consent_is_withdrawn_after_a_confirmation(client, alice_case):
    consent = alice_case.client.consents.get(purpose=Consent.Purpose.SHARE_WITH_HOSPITAL)
    url = f"/counselling/cases/{alice_case.pk}/consents/{consent.pk}/withdraw/"
    sign_in(client, "counsellor")
    assert 'id="withdraw-form"' in client.get(url).text
    consent.refresh_from_db()
    assert consent.withdrawn_at is None
    assert client.post(url).status_code == 302
    consent.refresh_from_db()
    assert consent.withdrawn_at is not None


def test_feedback_to_a_school_with_a_diagnosis_is_refused(client, alice, alice_case):
    referral = services.referral_create(
        actor=alice, case=alice_case, destination="school", reason="返校安排"
    )
    for status in ("accepted",):
        services.referral_advance(actor=alice, referral=referral, status=status)
    services.referral_advance(
        actor=alice,
        referral=referral,
        status="scheduled",
        scheduled_for=timezone.now() - datetime.timedelta(hours=1),
    )
    services.referral_advance(actor=alice, referral=referral, status="attended")
    sign_in(client, "counsellor")
    url = f"/counselling/referrals/{referral.pk}/advance/"
    response = client.post(
        url, {"status": "feedback", "feedback_to_school": "诊断为抑郁症，需要减轻课业"}, follow=True
    )
    referral.refresh_from_db()
    assert referral.status == Referral.Status.ATTENDED
    assert "抑郁" in response.text  # the message names the word to remove
    client.post(url, {"status": "feedback", "feedback_to_school": "可正常返校，考试时间适当延长"})
    referral.refresh_from_db()
    assert referral.status == Referral.Status.FEEDBACK


def test_the_supervisor_records_a_case_conference(client, sam, alice, alice_case):
    sign_in(client, "supervisor")
    response = client.post(
        "/counselling/conferences/",
        {
            "held_on": "2026-11-20",
            "participants": [sam.pk, alice.pk],
            "cases": [alice_case.pk],
            "decisions": "继续每周咨询",
        },
    )
    assert response.status_code == 302
    assert "继续每周咨询" in client.get("/counselling/conferences/").text


def test_the_safety_plan_keeps_its_versions(client, alice_case):
    sign_in(client, "counsellor")
    url = f"/counselling/cases/{alice_case.pk}/safety-plan/"
    plan = {
        "warning_signs": "失眠",
        "coping_strategies": "散步",
        "people_and_places": "",
        "professional_contacts": "心理援助热线",
        "means_safety": "",
    }
    assert client.post(url, plan).status_code == 302
    assert client.post(url, plan | {"coping_strategies": "听音乐"}).status_code == 302
    assert list(alice_case.safety_plans.values_list("number", "coping_strategies")) == [
        (2, "听音乐"),
        (1, "散步"),
    ]


def test_the_caseload_puts_imminent_risk_first_and_flags_an_overdue_follow_up(
    client, alice, make_case
):

    quiet = make_case(counsellor=alice, risk_level="none")
    imminent = make_case(counsellor=alice, risk_level="imminent")
    overdue_follow_up(alice, quiet)
    sign_in(client, "counsellor")
    text = client.get("/counselling/").text
    assert text.index(f"/cases/{imminent.pk}/") < text.index(f"/cases/{quiet.pk}/")
    row = text[text.index(f"/cases/{quiet.pk}/") :].split("</tr>")[0]
    assert "overdue" in row or "逾期" in row


def test_a_follow_up_outcome_is_recorded_from_its_page(client, alice, make_case):
    from counselling import services

    case = make_case(counsellor=alice)
    follow_up = services.follow_up_add(actor=alice, case=case, due_at=timezone.now())
    sign_in(client, "counsellor")
    url = f"/counselling/follow-ups/{follow_up.pk}/"
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {"action": "outcome", "version": 1, "attended": "1", "outcome": "状态稳定"},
    )
    assert response.status_code == 302
    follow_up.refresh_from_db()
    assert (follow_up.status, follow_up.outcome) == ("done", "状态稳定")
    # A second, stale save of the same follow-up is refused.
    response = client.post(url, {"action": "move", "version": 1, "due_at": "2027-01-01 10:00"})
    assert response.status_code in {400, 409}


def test_another_counsellors_follow_up_answers_404(client, bob, bob_case):
    from counselling import services

    follow_up = services.follow_up_add(actor=bob, case=bob_case, due_at=timezone.now())
    sign_in(client, "counsellor")
    assert client.get(f"/counselling/follow-ups/{follow_up.pk}/").status_code == 404


def test_no_feedback_to_a_school_once_sharing_with_it_is_withdrawn(client, alice, alice_case):
    from counselling.models import Consent

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
    consent = services.consent_record(
        actor=alice,
        client=alice_case.client,
        purpose=Consent.Purpose.SHARE_WITH_SCHOOL,
        given_by=Consent.GivenBy.GUARDIAN,
        guardian=alice_case.client.guardians.first(),
        version="2026-01",
    )
    services.consent_withdraw(actor=alice, consent=consent)
    sign_in(client, "counsellor")
    url = f"/counselling/referrals/{referral.pk}/advance/"
    typed = "可正常返校，考试时间适当延长"
    response = client.post(url, {"status": "feedback", "feedback_to_school": typed}, follow=True)
    assert response.status_code == 200  # back on the case page, told why
    assert "与学校共享的同意已于" in response.text
    referral.refresh_from_db()
    assert (referral.status, referral.feedback_to_school) == (Referral.Status.ATTENDED, "")
    # Closing it is still possible.
    assert client.post(url, {"status": "closed"}).status_code == 302
