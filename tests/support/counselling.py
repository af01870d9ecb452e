"""Counselling records made through the services, as the pages and the API make them."""

from __future__ import annotations

from counselling import services


def session(actor, case, when, *, kind="counselling", attendance="attended"):
    """Log a session of `case` held at `when`, face to face."""
    return services.session_log(
        actor=actor, case=case, held_at=when, modality="face_to_face", kind=kind,
        attendance=attendance,
    )  # fmt: skip
