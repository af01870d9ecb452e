"""Counselling records made through the services, as the pages and the API make them."""

from __future__ import annotations

from counselling import services


def session(actor, case, when, *, kind="counselling", attendance="attended"):
    """Log a session of `case` held at `when`, face to face."""
    return services.session_log(
        actor=actor, case=case, held_at=when, modality="face_to_face", kind=kind,
        attendance=attendance,
    )  # fmt: skip


def consent_to_reminders(actor, case) -> None:
    """The child's first guardian consents to reminders (an SMS may then be planned)."""
    from counselling.models import Consent

    services.consent_record(
        actor=actor,
        client=case.client,
        purpose=Consent.Purpose.REMINDERS,
        given_by=Consent.GivenBy.GUARDIAN,
        guardian=case.client.guardians.first(),
        version="2026-01",
    )
