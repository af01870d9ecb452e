"""Counselling records made through the services, as the pages and the API make them."""

from __future__ import annotations

import datetime

from django.utils import timezone

from counselling import services
from counselling.models import FollowUp


def session(actor, case, when, *, kind="counselling", attendance="attended"):
    """Log a session of `case` held at `when`, face to face."""
    return services.session_log(
        actor=actor, case=case, held_at=when, modality="face_to_face", kind=kind,
        attendance=attendance,
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
