"""Appointments: planned at a time on the case page, the guardian reminded through the outbox
where consented (never the child's name, never for high risk), cancelled after a confirmation,
turned into a logged session in one step. Every other role answers 404; a read-only share 403."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from centre import reminders
from centre.models import AuditEntry, Reminder
from counselling import services
from counselling.models import Appointment, CounsellingSession
from tests.support.accounts import sign_in
from tests.support.counselling import consent_to_reminders

OTHER_ROLES = ["counsellor2", "liaison", "operator", "stats", "auditor", "outreach", "crisis"]


def typed(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def plan(actor, case, *, in_hours: float = 48, **fields) -> Appointment:
    return services.appointment_plan(
        actor=actor,
        case=case,
        starts_at=timezone.now() + datetime.timedelta(hours=in_hours),
        modality=fields.pop("modality", "face_to_face"),
        kind=fields.pop("kind", "counselling"),
        **fields,
    )


def form(moment: datetime.datetime, **extra) -> dict:
    return {
        "starts_at": typed(moment),
        "duration_minutes": 50,
        "kind": "family",
        "modality": "online",
        **extra,
    }


def test_a_counsellor_plans_an_appointment_shown_on_the_case(client, alice, alice_case):
    consent_to_reminders(alice, alice_case)
    sign_in(client, "counsellor")
    url = f"/counselling/cases/{alice_case.pk}/appointments/new/"
    assert client.get(url).status_code == 200
    when = timezone.now() + datetime.timedelta(days=3)
    response = client.post(url, form(when))
    assert response.status_code == 302
    appointment = Appointment.objects.get(case=alice_case)
    assert (appointment.status, appointment.kind, appointment.modality) == (
        "planned",
        "family",
        "online",
    )
    assert appointment.counsellor == alice
    page = client.get(f"/counselling/cases/{alice_case.pk}/").text
    assert typed(appointment.starts_at) in page
    assert f"/counselling/appointments/{appointment.pk}/session/" in page
    assert AuditEntry.objects.filter(action="counselling.appointment.planned").exists()

    # The guardian's SMS the evening before, through the outbox: masked, no child's name.
    sms = Reminder.objects.get(target_type="counselling.appointment", channel="sms")
    day_before = timezone.localdate(appointment.starts_at) - datetime.timedelta(days=1)
    assert timezone.localtime(sms.due_at).date() == day_before
    assert timezone.localtime(sms.due_at).hour == 18
    text = reminders.render(
        template=sms.template, params=sms.params, language=sms.language, channel="sms"
    ).title
    assert alice_case.client.full_name not in text
    assert alice_case.client.full_name[0] + "同学家长" in text
    assert timezone.localtime(appointment.starts_at).strftime("%m-%d %H:%M") in text
    assert alice_case.client.school.name not in text


def test_no_sms_without_a_consent_at_high_risk_or_too_close(alice, make_case):
    without = make_case(counsellor=alice)
    plan(alice, without)
    high = make_case(counsellor=alice, risk_level="high")
    consent_to_reminders(alice, high)
    plan(alice, high)
    soon = make_case(counsellor=alice)
    consent_to_reminders(alice, soon)
    plan(alice, soon, in_hours=1)
    assert not Reminder.objects.filter(target_type="counselling.appointment").exists()
    # Planned tomorrow morning after tonight's 18:00 has passed: sent now, not never.
    late = make_case(counsellor=alice)
    consent_to_reminders(alice, late)
    appointment = plan(alice, late, in_hours=3)
    sms = Reminder.objects.get(target_id=str(appointment.pk), channel="sms")
    assert sms.due_at <= max(timezone.now(), sms.due_at)
    evening_before = timezone.make_aware(
        datetime.datetime.combine(
            timezone.localdate(appointment.starts_at) - datetime.timedelta(days=1),
            datetime.time(18),
        )
    )
    assert sms.due_at == max(evening_before, sms.due_at)


@pytest.mark.parametrize(
    "starts_at",
    [
        "2000-01-01 10:00",  # the past
        "0001-01-01 00:00",  # year 1
        "9999-12-31 23:59",  # beyond the planning years
        "²⁰²⁷-01-01 10:00",  # superscript digits
        "1" * 10_000,
        "",
    ],
)
def test_an_implausible_time_is_refused_with_a_message(client, alice_case, starts_at):
    sign_in(client, "counsellor")
    url = f"/counselling/cases/{alice_case.pk}/appointments/new/"
    response = client.post(url, form(timezone.now(), starts_at=starts_at))
    assert response.status_code == 400
    assert not Appointment.objects.exists()


def test_full_width_digits_typed_with_a_chinese_keyboard_are_read(client, alice_case):
    sign_in(client, "counsellor")
    url = f"/counselling/cases/{alice_case.pk}/appointments/new/"
    year = timezone.localdate().year + 1
    wide = str(year).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    response = client.post(url, form(timezone.now(), starts_at=f"{wide}-01-05 10:00"))
    assert response.status_code == 302
    starts_at = timezone.localtime(Appointment.objects.get().starts_at)
    assert (starts_at.year, starts_at.month, starts_at.day, starts_at.hour) == (year, 1, 5, 10)


def test_edge_values_of_the_other_fields_are_refused(client, alice_case):
    sign_in(client, "counsellor")
    url = f"/counselling/cases/{alice_case.pk}/appointments/new/"
    when = timezone.now() + datetime.timedelta(days=1)
    for bad in [
        {"duration_minutes": 481},
        {"duration_minutes": -1},
        {"duration_minutes": "⁵⁰"},
        {"kind": "x" * 10_000},
        {"modality": "online\x00"},
    ]:
        assert client.post(url, form(when, **bad)).status_code == 400, bad
    assert not Appointment.objects.exists()


def test_a_past_time_and_a_closed_case_are_refused_by_the_service(alice, alice_case):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        plan(alice, alice_case, in_hours=-1)
    services.case_change_status(actor=alice, case=alice_case, status="closed", expected_version=1)
    with pytest.raises(services.ClosedCaseError):
        plan(alice, alice_case)
    assert not Appointment.objects.exists()


def test_a_closed_case_refuses_the_page_with_a_message(client, alice, alice_case):
    services.case_change_status(actor=alice, case=alice_case, status="closed", expected_version=1)
    sign_in(client, "counsellor")
    url = f"/counselling/cases/{alice_case.pk}/appointments/new/"
    response = client.post(url, form(timezone.now() + datetime.timedelta(days=1)))
    assert response.status_code == 400
    assert "该个案已结案：请先重新开案" in response.text


def test_cancelling_asks_first_and_stops_the_reminder(client, alice, alice_case):
    consent_to_reminders(alice, alice_case)
    appointment = plan(alice, alice_case, in_hours=72)
    sms = Reminder.objects.get(target_id=str(appointment.pk), channel="sms")
    sign_in(client, "counsellor")
    url = f"/counselling/appointments/{appointment.pk}/cancel/"
    page = client.get(url)
    assert page.status_code == 200
    assert 'id="appointment-cancel-form"' in page.text
    appointment.refresh_from_db()
    assert appointment.status == "planned"  # the GET changed nothing
    assert client.post(url, {"version": 1}).status_code == 302
    appointment.refresh_from_db()
    sms.refresh_from_db()
    assert (appointment.status, sms.status) == ("cancelled", "cancelled")
    # Twice (a second tab): refused with a message, not a 500.
    assert client.post(url, {"version": 2}).status_code == 400
    assert client.post(url, {"version": "²"}).status_code == 400


def test_an_appointment_becomes_a_logged_session_in_one_step(client, alice, alice_case):
    appointment = plan(alice, alice_case, in_hours=1, kind="family", modality="phone")
    # The appointment's time has come.
    Appointment.objects.filter(pk=appointment.pk).update(
        starts_at=timezone.now() - datetime.timedelta(minutes=30), duration_minutes=40
    )
    sign_in(client, "counsellor")
    url = f"/counselling/appointments/{appointment.pk}/session/"
    page = client.get(url)
    assert page.status_code == 200
    form_fields = page.context["form"].initial
    assert (form_fields["kind"], form_fields["modality"], form_fields["duration_minutes"]) == (
        "family",
        "phone",
        40,
    )
    data = {
        "held_at": typed(timezone.now() - datetime.timedelta(minutes=30)),
        "duration_minutes": 40,
        "kind": "family",
        "modality": "phone",
        "attendance": "attended",
        "note_plan": "两周后再约",
        "case_version": alice_case.version,
        "appointment_version": 1,
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.content
    appointment.refresh_from_db()
    session = CounsellingSession.objects.get(case=alice_case)
    assert (appointment.status, appointment.session) == ("done", session)
    assert (session.kind, session.note_plan) == ("family", "两周后再约")
    # Logged once: the same form again is refused, no second session.
    assert client.post(url, data).status_code == 400
    assert CounsellingSession.objects.filter(case=alice_case).count() == 1


def test_a_session_in_the_future_is_refused_and_the_appointment_stays(client, alice, alice_case):
    appointment = plan(alice, alice_case, in_hours=5)
    sign_in(client, "counsellor")
    data = {
        "held_at": typed(appointment.starts_at),
        "duration_minutes": 50,
        "kind": "counselling",
        "modality": "face_to_face",
        "attendance": "attended",
        "case_version": 1,
        "appointment_version": 1,
    }
    response = client.post(f"/counselling/appointments/{appointment.pk}/session/", data)
    assert response.status_code == 400
    appointment.refresh_from_db()
    assert appointment.status == "planned"
    assert not CounsellingSession.objects.exists()


@pytest.mark.parametrize("username", OTHER_ROLES)
def test_every_other_role_gets_404(client, alice, alice_case, username):
    appointment = plan(alice, alice_case)
    sign_in(client, username)
    urls = [
        f"/counselling/cases/{alice_case.pk}/appointments/new/",
        f"/counselling/appointments/{appointment.pk}/cancel/",
        f"/counselling/appointments/{appointment.pk}/session/",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 404, url
        assert alice_case.client.full_name not in response.text
        assert client.post(url, {"version": 1}).status_code == 404, url
    appointment.refresh_from_db()
    assert appointment.status == "planned"


def test_a_nul_after_the_time_is_refused_with_the_fields_message(client, alice_case):
    sign_in(client, "counsellor")
    url = f"/counselling/cases/{alice_case.pk}/appointments/new/"
    when = timezone.now() + datetime.timedelta(days=2)
    response = client.post(url, form(when, starts_at=f"{typed(when)}\x00"))
    assert response.status_code == 400
    assert response.context["form"].errors["starts_at"] == ["输入一个有效的日期/时间。"]
    assert not Appointment.objects.exists()


def test_a_nul_after_a_date_is_refused_by_the_api(alice, alice_case):
    from rest_framework import serializers

    for field in (serializers.DateTimeField(), serializers.DateField()):
        with pytest.raises(serializers.ValidationError):
            field.run_validation("2026-11-20\x00")
    with pytest.raises(serializers.ValidationError):
        serializers.DateTimeField().run_validation("2026-11-20T10:00\x00")


@pytest.mark.parametrize("status", ["cancelled", "done"])
def test_the_session_form_of_an_appointment_no_longer_planned_is_404(
    client, alice, alice_case, status
):
    appointment = plan(alice, alice_case, in_hours=1)
    Appointment.objects.filter(pk=appointment.pk).update(status=status)
    sign_in(client, "counsellor")
    url = f"/counselling/appointments/{appointment.pk}/session/"
    response = client.get(url)
    assert response.status_code == 404
    assert alice_case.client.full_name not in response.text


def test_a_missing_appointment_answers_404(client, db):
    sign_in(client, "counsellor")
    assert client.get("/counselling/appointments/999999999/cancel/").status_code == 404
    assert client.get("/counselling/appointments/999999999/session/").status_code == 404


def test_a_read_only_share_cannot_plan_cancel_or_log(client, alice, bob, alice_case):
    appointment = plan(alice, alice_case)
    services.case_share(actor=alice, case=alice_case, user=bob, can_change=False)
    sign_in(client, "counsellor2")
    assert client.get(f"/counselling/cases/{alice_case.pk}/").status_code == 200
    for url in [
        f"/counselling/cases/{alice_case.pk}/appointments/new/",
        f"/counselling/appointments/{appointment.pk}/cancel/",
        f"/counselling/appointments/{appointment.pk}/session/",
    ]:
        assert client.get(url).status_code == 403, url
        assert client.post(url, {"version": 1}).status_code == 403, url
    appointment.refresh_from_db()
    assert appointment.status == "planned"


def test_the_supervisor_may_cancel_an_appointment_of_the_site(client, alice, alice_case):
    appointment = plan(alice, alice_case)
    sign_in(client, "supervisor")
    response = client.post(f"/counselling/appointments/{appointment.pk}/cancel/", {"version": 1})
    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == "cancelled"


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"])
def test_a_moment_beyond_the_calendar_is_a_400_on_every_form(client, alice_case, moment):
    """Found by the attack on issue 13: these moments passed the field and overflowed in the
    centre's time zone (a 500) on the appointment, session and follow-up forms."""
    sign_in(client, "counsellor", language="en")
    case = alice_case.pk
    posts = {
        f"/counselling/cases/{case}/appointments/new/": form(timezone.now(), starts_at=moment),
        f"/counselling/cases/{case}/follow-ups/new/": {"due_at": moment},
        f"/counselling/cases/{case}/sessions/new/": {
            "held_at": moment,
            "kind": "counselling",
            "modality": "face_to_face",
            "attendance": "attended",
            "duration_minutes": 50,
            "case_version": alice_case.version,
        },
    }
    for url, data in posts.items():
        response = client.post(url, data)
        assert response.status_code == 400, url
        assert (
            "out of range" in response.text
            or "Choose a date" in response.text
            or "years" in response.text
        )


def test_an_appointment_of_no_minutes_is_refused(alice, alice_case):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.appointment_plan(
            actor=alice, case=alice_case, starts_at=timezone.now() + datetime.timedelta(days=1),
            modality="online", kind="counselling", duration_minutes=0,
        )  # fmt: skip
    assert not Appointment.objects.exists()
