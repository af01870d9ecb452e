"""Counselling records made through the services, as the pages and the API make them."""

from __future__ import annotations

import datetime

from django.utils import timezone

from counselling import services
from counselling.models import Case, Consent, FollowUp, Guardian


def session(actor, case, when, *, kind="counselling", attendance="attended", **fields):
    """Log a session of `case` held at `when`, face to face (`fields`: a note, a duration…)."""
    return services.session_log(
        actor=actor, case=case, held_at=when, modality="face_to_face", kind=kind,
        attendance=attendance, **fields,
    )  # fmt: skip


def overdue_follow_up(actor, case, *, days: float = 1) -> FollowUp:
    """A follow-up due `days` ago. Nobody can plan one in the past (the service refuses it), so
    it is planned for later and its due time moved back, as time would."""
    follow_up = services.follow_up_add(
        actor=actor, case=case, due_at=timezone.now() + datetime.timedelta(hours=1)
    )
    due_at = timezone.now() - datetime.timedelta(days=days)
    FollowUp.objects.filter(pk=follow_up.pk).update(due_at=due_at)
    follow_up.due_at = due_at
    return follow_up


def consent_to_reminders(actor, case, *, given_by=Consent.GivenBy.GUARDIAN) -> None:
    """Record consent to reminders for `case`'s child: by its first guardian, or by the child."""
    services.consent_record(
        actor=actor,
        client=case.client,
        purpose=Consent.Purpose.REMINDERS,
        given_by=given_by,
        guardian=case.client.guardians.first() if given_by == Consent.GivenBy.GUARDIAN else None,
        version="2026-01",
    )


def open_case(
    *,
    counsellor,
    site,
    school,
    full_name: str,
    date_of_birth,
    risk_level: str = "none",
    presenting_concerns: str = "情绪低落，学习压力大",
    **case_fields,
) -> Case:
    """Register a child at `school`, add their mother with her consent to counselling and to
    sharing with the hospital, and open a case led by `counsellor`: what intake does."""
    client = services.client_register(
        actor=counsellor,
        site=site,
        full_name=full_name,
        sex="female",
        date_of_birth=date_of_birth,
        school=school,
        grade="七年级",
        class_name="3班",
    )
    guardian = services.guardian_add(
        actor=counsellor,
        client=client,
        relationship=Guardian.Relationship.MOTHER,
        full_name="家长",
        phone="13800000000",
    )
    for purpose in (Consent.Purpose.COUNSELLING, Consent.Purpose.SHARE_WITH_HOSPITAL):
        services.consent_record(
            actor=counsellor,
            client=client,
            purpose=purpose,
            given_by=Consent.GivenBy.GUARDIAN,
            guardian=guardian,
            version="2026-01",
        )
    return services.case_open(
        actor=counsellor,
        client=client,
        site=site,
        source="school",
        presenting_concerns=presenting_concerns,
        counsellor=counsellor,
        risk_level=risk_level,
        **case_fields,
    )


def session_edit(session, **overrides) -> dict:
    """What the session page posts to save `session` as it is, with `overrides`."""
    data = {
        "version": session.version,
        "held_at": timezone.localtime(session.held_at).strftime("%Y-%m-%d %H:%M"),
        "attendance": session.attendance,
        "duration_minutes": session.duration_minutes,
        "note_presenting": session.note_presenting,
        "note_intervention": session.note_intervention,
        "note_plan": session.note_plan,
    }
    return data | overrides
