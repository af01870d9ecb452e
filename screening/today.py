"""Screening's part of a clinician's "today" page (`centre.today`): open crisis assessments
(C-SSRS) of the schools the user sees, the most pressing first."""

from __future__ import annotations

from typing import Any, cast

from django.http import HttpRequest

from centre.audit import audit_read
from centre.models import User
from screening import selectors
from screening.models import TrackingTask

TODAY_LIMIT = 20


def crisis_tasks(*, request: HttpRequest) -> list[Any]:
    user = cast(User, request.user)  # the page admitted a signed-in clinician
    if not selectors.may_see_scores(user=user):
        return []
    tasks = list(
        selectors.tracking_board(user=user, board=selectors.BoardFilter())
        .filter(kind=TrackingTask.Kind.CRISIS_ASSESSMENT)
        .order_by("due_at", "id")[:TODAY_LIMIT]
    )
    if tasks:
        audit_read(request, "screening.result.listed", [task.result for task in tasks])
    return tasks
