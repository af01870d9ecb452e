"""Per-student consent to a campaign (issue 16, DOMAIN.md §5.2): who needs their guardian's
consent (age on the window's day, the campaign's basis), the student's own "I agree", the
liaison's class list of slips and withdrawals, and what a withdrawal stops."""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

import pytest
from django.utils import timezone

from centre.models import AuditEntry
from screening import importing, selectors
from screening.models import (
    ConsentBasis,
    OnlineSession,
    RosterImport,
    ScreeningResult,
    StudentConsent,
    needs_guardian_consent,
)
from screening.services import consent_record_guardians, consent_withdraw, online
from tests.screening.test_online import all_zero, answer_all, begin, guardians_agree, new_student
from tests.screening.test_online_pages import CAMPAIGN_PAGE_PERSONAS
from tests.support.accounts import sign_in
from tests.support.clock import years_ago
from tests.support.queries import count_queries
from tests.support.rosters import csv_bytes

WINDOW_AGE = datetime.timedelta(days=10)


pytestmark = pytest.mark.usefixtures("fresh_rates")


def open_class(campaign, liaison, class_name="3班", *, days_ago: datetime.timedelta | None = None):
    """Open the class online (its window opened `days_ago`, still open); each student's code."""
    window, slips = online.online_open(actor=liaison, campaign=campaign, class_name=class_name)
    if days_ago is not None:
        window.opens_at = timezone.now() - days_ago
        window.save()
    return {student.pk: code for student, code in slips}


def fourteenth_birthday_on(day: datetime.date, *, days_later: int = 0) -> datetime.date:
    return day.replace(year=day.year - 14) + datetime.timedelta(days=days_later)


def roster_row(student) -> list:
    return [student.student_no, student.full_name, "女", "八年级", student.class_name, ""]


def import_roster(campaign, liaison, students) -> RosterImport:
    roster = RosterImport.objects.create(
        campaign=campaign, uploaded_by=liaison, original_name="r.csv"
    )
    importing.run_import(roster, csv_bytes([roster_row(s) + [0] * 16 for s in students]))
    roster.refresh_from_db()
    return roster


# Who needs what ----------------------------------------------------------------------------------


def test_the_rule_counts_age_on_the_day_and_treats_unknown_as_under_14():
    day = datetime.date(2026, 10, 8)
    turns_14 = fourteenth_birthday_on(day)
    assert not needs_guardian_consent(basis=ConsentBasis.BY_AGE, birth_date=turns_14, on=day)
    a_day_short = fourteenth_birthday_on(day, days_later=1)
    assert needs_guardian_consent(basis=ConsentBasis.BY_AGE, birth_date=a_day_short, on=day)
    assert needs_guardian_consent(basis=ConsentBasis.BY_AGE, birth_date=None, on=day)
    assert needs_guardian_consent(basis=ConsentBasis.GUARDIAN, birth_date=turns_14, on=day)


def test_14_on_the_windows_day_agrees_alone_13_needs_the_guardian(by_age, account):
    window_day = timezone.localdate(timezone.now() - WINDOW_AGE)
    fourteen = new_student(by_age.school, birth_date=fourteenth_birthday_on(window_day))
    # 13 on the window's day and 14 today: the window's day decides
    thirteen = new_student(
        by_age.school, birth_date=fourteenth_birthday_on(window_day, days_later=1)
    )
    codes = open_class(by_age, account("liaison"), days_ago=WINDOW_AGE)

    session = begin(codes[fourteen.pk])
    consent = StudentConsent.objects.get(student=fourteen)
    assert (consent.given_by, consent.basis, consent.recorded_by) == ("student", "by_age", None)
    assert consent.version == "2026-12"
    answer_all(session, all_zero(by_age))
    assert online.online_submit(session_id=session.pk).result is not None

    with pytest.raises(online.CodeRefusedError) as refused:
        online.online_start(code=codes[thirteen.pk])
    assert refused.value.code == "no_consent"
    assert not OnlineSession.objects.filter(code__student=thirteen).exists()
    guardians_agree(by_age, thirteen)
    begin(codes[thirteen.pk])  # the child's assent beside the guardian's consent
    given = StudentConsent.objects.filter(student=thirteen).values_list("given_by", flat=True)
    assert sorted(given) == ["guardian", "student"]


def test_unknown_birth_dates_and_a_guardian_basis_need_the_guardian(campaign, account):
    campaign.consent_basis = ConsentBasis.GUARDIAN
    campaign.save()
    fifteen = new_student(campaign.school, birth_date=years_ago(15))
    codes = open_class(campaign, account("liaison"))
    with pytest.raises(online.CodeRefusedError) as refused:
        online.online_start(code=codes[fifteen.pk])
    assert refused.value.code == "no_consent"

    campaign.consent_basis = ConsentBasis.BY_AGE
    campaign.save()
    online.online_start(code=codes[fifteen.pk])  # by age, 15 agrees alone
    unknown = new_student(campaign.school, class_name="4班")
    unknown.birth_date = None
    unknown.save()
    unknown_code = open_class(campaign, account("liaison"), "4班")[unknown.pk]
    with pytest.raises(online.CodeRefusedError):
        online.online_start(code=unknown_code)


def test_no_answer_is_kept_before_the_student_agrees(by_age, account):
    student = new_student(by_age.school)
    session = online.online_start(code=open_class(by_age, account("liaison"))[student.pk])
    with pytest.raises(online.CodeRefusedError) as refused:
        online.online_answer(session_id=session.pk, key="PHQ-A:1", value=0)
    assert refused.value.code == "not_agreed"
    with pytest.raises(online.CodeRefusedError):
        online.online_submit(session_id=session.pk)
    online.online_agree(session_id=session.pk)
    online.online_agree(session_id=session.pk)  # a second tap: one consent
    assert StudentConsent.objects.filter(student=student).count() == 1
    assert online.online_answer(session_id=session.pk, key="PHQ-A:1", value=0).answers


# The liaison's slips ----------------------------------------------------------------------------


def test_slips_are_recorded_once_and_never_after_a_withdrawal(by_age, account):
    liaison = account("liaison")
    students = [new_student(by_age.school, birth_date=years_ago(12)) for _ in range(3)]
    assert consent_record_guardians(actor=liaison, campaign=by_age, students=students[:2]) == 2
    assert consent_record_guardians(actor=liaison, campaign=by_age, students=students) == 1
    consent_withdraw(actor=liaison, campaign=by_age, student=students[0])
    assert consent_record_guardians(actor=liaison, campaign=by_age, students=students) == 0
    live = StudentConsent.objects.filter(campaign=by_age, withdrawn_at__isnull=True)
    assert sorted(live.values_list("student_id", flat=True)) == [s.pk for s in students[1:]]
    withdrawn = StudentConsent.objects.get(student=students[0])
    assert withdrawn.withdrawn_by == liaison
    entries = AuditEntry.objects.filter(action__startswith="screening.consent.")
    assert sorted(entries.values_list("action", flat=True)) == [
        "screening.consent.given",
        "screening.consent.given",
        "screening.consent.withdrawn",
    ]
    for entry in entries:
        assert students[0].full_name not in str(entry.data)


def test_only_the_campaigns_liaisons_record_or_withdraw(by_age, account):
    from django.core.exceptions import PermissionDenied

    student = new_student(by_age.school)
    for username in ("liaison2", "crisis", "stats"):
        with pytest.raises(PermissionDenied):
            consent_record_guardians(actor=account(username), campaign=by_age, students=[student])
        with pytest.raises(PermissionDenied):
            consent_withdraw(actor=account(username), campaign=by_age, student=student)
    assert not StudentConsent.objects.exists()


# Withdrawal --------------------------------------------------------------------------------------


def test_a_withdrawal_stops_start_answer_and_submit_and_keeps_the_session(by_age, account):
    liaison = account("liaison")
    student = new_student(by_age.school)
    code = open_class(by_age, liaison)[student.pk]
    session = begin(code)
    online.online_answer(session_id=session.pk, key="PHQ-A:1", value=2)
    consent_withdraw(actor=liaison, campaign=by_age, student=student)
    for step in (
        lambda: online.online_start(code=code),
        lambda: online.online_answer(session_id=session.pk, key="PHQ-A:2", value=0),
        lambda: online.online_submit(session_id=session.pk),
        lambda: online.online_agree(session_id=session.pk),
    ):
        with pytest.raises(online.CodeRefusedError) as refused:
            step()
        assert refused.value.code == "withdrawn"
    session.refresh_from_db()
    assert session.answers == {"PHQ-A:1": 2}  # the session stays, unscored
    assert session.result is None
    assert not ScreeningResult.objects.filter(student=student).exists()


def test_a_withdrawal_after_submission_keeps_the_result(by_age, account):
    liaison = account("liaison")
    student = new_student(by_age.school)
    session = begin(open_class(by_age, liaison)[student.pk])
    answer_all(session, all_zero(by_age))
    result_id = online.online_submit(session_id=session.pk).result_id
    consent_withdraw(actor=liaison, campaign=by_age, student=student)
    assert online.online_submit(session_id=session.pk).result_id == result_id  # nothing new
    assert ScreeningResult.objects.filter(pk=result_id).exists()


def test_the_roster_skips_a_withdrawn_students_row_with_a_message(by_age, account):
    liaison = account("liaison")
    withdrawn, other = new_student(by_age.school), new_student(by_age.school)
    guardians_agree(by_age, withdrawn)
    consent_withdraw(actor=liaison, campaign=by_age, student=withdrawn)
    roster = import_roster(by_age, liaison, [withdrawn, other])
    assert roster.imported_rows == 1
    assert [error["row"] for error in roster.errors] == [2]
    assert "withdrawn" in roster.errors[0]["reason"]
    assert not ScreeningResult.objects.filter(student=withdrawn).exists()
    assert ScreeningResult.objects.filter(student=other, campaign=by_age).exists()
    # another campaign of the school is not touched by this one's withdrawal
    from screening.models import Campaign

    spring = Campaign.objects.create(
        school=by_age.school,
        name="spring",
        instruments=by_age.instruments,
        opens_on=by_age.opens_on,
        closes_on=by_age.closes_on,
        liaison=liaison,
    )
    assert import_roster(spring, liaison, [withdrawn]).imported_rows == 1


# Pages ------------------------------------------------------------------------------------------


def slips_url(campaign, class_name="3班", **extra) -> str:
    query = urlencode({"class": class_name, **extra})
    return f"/screening/campaigns/{campaign.pk}/consent/slips/?{query}"


def test_the_liaison_ticks_every_box_unticks_one_and_records(client, by_age):
    students = [new_student(by_age.school, birth_date=years_ago(12)) for _ in range(3)]
    sign_in(client, "liaison", language="en")
    page = client.get(slips_url(by_age, all="1"))
    assert page.status_code == 200
    assert page.text.count(" checked>") == 3
    assert "3 students cannot start yet" in page.text
    ticked = [str(s.pk) for s in students[:2]]
    url = f"/screening/campaigns/{by_age.pk}/consent/slips/"
    recorded = client.post(url, {"class": "3班", "students": ticked, "version": "2026-12"})
    assert recorded.status_code == 302
    after = client.get(recorded["Location"])
    assert "1 student cannot start yet" in after.text
    assert after.text.count('type="checkbox"') == 1
    stranger = client.post(url, {"class": "3班", "students": ["999999"], "version": "v"})
    assert stranger.status_code == 400
    entry = AuditEntry.objects.filter(action="screening.consent.listed").last()
    assert entry.data["records"] == 3


def test_the_class_list_takes_the_same_queries_for_5_or_50_students(client, by_age):
    for _ in range(5):
        new_student(by_age.school, birth_date=years_ago(12))
    sign_in(client, "liaison")
    few = count_queries(client, slips_url(by_age))
    students = [new_student(by_age.school, birth_date=years_ago(12)) for _ in range(45)]
    guardians_agree(by_age, *students[:20])
    assert count_queries(client, slips_url(by_age, all="1")) == few


@pytest.mark.parametrize(
    ("username", "status"),
    CAMPAIGN_PAGE_PERSONAS,
)
def test_the_consent_pages_persona_matrix(client, by_age, username, status):
    student = new_student(by_age.school, birth_date=years_ago(12))
    guardians_agree(by_age, student)
    sign_in(client, username)
    assert client.get(slips_url(by_age)).status_code == status
    withdraw = f"/screening/campaigns/{by_age.pk}/consent/students/{student.pk}/withdraw/"
    assert client.get(withdraw).status_code == status
    posted = client.post(withdraw, {"confirm": "yes"})
    assert posted.status_code == (302 if status == 200 else 404)
    withdrawn = StudentConsent.objects.filter(student=student, withdrawn_at__isnull=False)
    assert withdrawn.exists() == (status == 200)


def test_anonymous_visitors_go_to_the_login_page(client, by_age):
    student = new_student(by_age.school)
    for url in (
        slips_url(by_age),
        f"/screening/campaigns/{by_age.pk}/consent/students/{student.pk}/withdraw/",
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert "/login/" in response["Location"]


def test_an_unknown_class_or_another_schools_student_is_404(client, by_age, account):
    from centre.models import School

    sign_in(client, "liaison")
    assert client.get(slips_url(by_age, "9班")).status_code == 404
    elsewhere = new_student(School.objects.exclude(pk=by_age.school_id).first())
    url = f"/screening/campaigns/{by_age.pk}/consent/students/{elsewhere.pk}/withdraw/"
    assert client.get(url).status_code == 404


def test_a_withdrawal_asks_for_confirmation_first(client, by_age):
    student = new_student(by_age.school)
    guardians_agree(by_age, student)
    sign_in(client, "liaison")
    url = f"/screening/campaigns/{by_age.pk}/consent/students/{student.pk}/withdraw/"
    page = client.get(url)
    assert 'id="consent-withdraw-form"' in page.text
    assert client.post(url).status_code == 400
    assert not StudentConsent.objects.filter(withdrawn_at__isnull=False).exists()
    assert client.post(url, {"confirm": "yes"}).status_code == 302
    assert StudentConsent.objects.filter(withdrawn_at__isnull=False).count() == 1
    assert AuditEntry.objects.filter(action="screening.consent.viewed").exists()


def test_a_student_without_the_guardians_consent_is_asked_kindly_to_see_the_teacher(
    client, by_age, account
):
    student = new_student(by_age.school, birth_date=years_ago(12))
    code = open_class(by_age, account("liaison"))[student.pk]
    page = client.post("/screening/online/", {"code": code})
    assert page.status_code == 403
    assert 'id="online-ask-teacher"' in page.text
    assert "请问问你的老师" in page.text  # the portal's default language: the student's
    assert "不能使用" not in page.text
    assert not OnlineSession.objects.exists()


def test_a_15_year_old_agrees_on_the_first_screen_then_answers(client, by_age, account):
    student = new_student(by_age.school, birth_date=years_ago(15))
    code = open_class(by_age, account("liaison"))[student.pk]
    assert client.post("/screening/online/", {"code": code}).status_code == 302
    first = client.get("/screening/online/question/")
    assert first["Location"] == "/screening/online/agree/"
    agree = client.get("/screening/online/agree/")
    assert 'id="online-agree-form"' in agree.text
    assert "已满 14 周岁" in agree.text
    refused = client.post("/screening/online/question/", {"key": "PHQ-A:1", "answer": "0"})
    assert refused["Location"] == "/screening/online/agree/"
    assert client.post("/screening/online/agree/").status_code == 302
    assert client.get("/screening/online/question/").status_code == 200
    assert client.get("/screening/online/agree/")["Location"] == "/screening/online/question/"


def test_a_withdrawn_student_sees_the_kind_page_at_every_step(client, by_age, account):
    student = new_student(by_age.school)
    code = open_class(by_age, account("liaison"))[student.pk]
    client.post("/screening/online/", {"code": code})
    client.post("/screening/online/agree/")
    consent_withdraw(actor=account("liaison"), campaign=by_age, student=student)
    for response in (
        client.get("/screening/online/question/"),
        client.post("/screening/online/question/", {"key": "PHQ-A:1", "answer": "0"}),
        client.post("/screening/online/submit/"),
        client.post("/screening/online/", {"code": code}),
    ):
        assert response.status_code == 403
        assert 'id="online-ask-teacher"' in response.text


def test_the_progress_counts_consent_missing_per_class(client, by_age, account):
    new_student(by_age.school, birth_date=years_ago(12))
    new_student(by_age.school, birth_date=years_ago(12))
    fifteen = new_student(by_age.school, birth_date=years_ago(15))
    open_class(by_age, account("liaison"))
    progress = selectors.online_progress(campaign=by_age)
    assert [row["consent_missing"] for row in progress] == [2]
    guardians_agree(by_age, fifteen)  # a 15-year-old's guardian's slip, then withdrawn
    consent_withdraw(actor=account("liaison"), campaign=by_age, student=fifteen)
    assert [row["consent_missing"] for row in selectors.online_progress(campaign=by_age)] == [3]
    sign_in(client, "liaison", language="en")
    page = client.get(f"/screening/campaigns/{by_age.pk}/")
    assert "Consent missing" in page.text


def test_pasted_student_numbers_mark_slips_of_any_class(client, by_age):
    mine = new_student(by_age.school, birth_date=years_ago(12))
    other_class = new_student(by_age.school, class_name="4班", birth_date=years_ago(12))
    sign_in(client, "liaison", language="en")
    url = f"/screening/campaigns/{by_age.pk}/consent/slips/"
    pasted = f"{mine.student_no}\r\n{other_class.student_no}\t00000000, {mine.student_no}"
    response = client.post(url, {"class": "3班", "numbers": pasted, "version": "2026-12"})
    assert response.status_code == 302
    recorded = StudentConsent.objects.filter(campaign=by_age, given_by="guardian")
    assert sorted(recorded.values_list("student_id", flat=True)) == [mine.pk, other_class.pk]
    page = client.get(response["Location"])
    assert "00000000" in page.text  # the unknown number is named, nothing recorded for it
    assert "2 guardians&#x27; consents are recorded." in page.text


def test_withdrawing_when_nothing_is_recorded_records_the_guardians_refusal(client, by_age):
    student = new_student(by_age.school, class_name="")
    sign_in(client, "liaison", language="en")
    url = f"/screening/campaigns/{by_age.pk}/consent/students/{student.pk}/withdraw/"
    response = client.post(url, {"confirm": "yes"})
    assert response["Location"] == f"/screening/campaigns/{by_age.pk}/"
    assert "The withdrawal is recorded" in client.get(response["Location"]).text
    refusal = StudentConsent.objects.get()
    assert (refusal.student, refusal.given_by, refusal.refused) == (student, "guardian", True)
