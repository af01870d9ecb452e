"""The outreach workspace's month at a glance (out1): the reader's own site's progress against
its monthly targets, how many sites below it are behind, and the month's events (at most
`EVENTS_SHOWN`, the earliest first; the list page has them all). A read of what the page shows
is audited as one list."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import get_language

from centre.audit import audit_read
from outreach import selectors, targets

EVENTS_SHOWN = 20


def month_at_a_glance(request: HttpRequest) -> dict[str, Any]:
    user: Any = request.user
    month = targets.this_month()
    sites = selectors.outreach_sites_visible_to(user=user)
    own = targets.with_progress(sites.filter(pk=user.site_id), month).first()
    behind = (
        targets.with_progress(sites.exclude(pk=user.site_id), month)
        .filter(targets.behind_condition())
        .count()
    )
    events = list(
        selectors.events_of_month(user=user, month=month).select_related("site", "topic")[
            :EVENTS_SHOWN
        ]
    )
    audit_read(request, "outreach.event.listed", events)
    return {
        "month": month,
        "progress": targets.Progress.of(own) if own is not None else None,
        "sites_behind": behind,
        "month_events": events,
        "language": get_language() or "zh-hans",
    }
