"""Case conferences: recording a site's monthly conference and reminding its supervisors."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from centre.audit import audit_log
from centre.models import Reminder, Site, User
from centre.reminders import Message, reminder_plan
from centre.roles import Role
from centre.text import without_invisible, word_characters
from counselling.models import Case, CaseConference


@transaction.atomic
def case_conference_record(
    *,
    actor: User,
    site: Site,
    held_on: datetime.date,
    participants: Iterable[User],
    cases: Sequence[Case],
    decisions: str,
) -> CaseConference:
    """A site's conference discusses that site's cases (and those of the sites below) only:
    never a case of another site the actor happens to read (a share, break-glass)."""
    outside = Case.objects.filter(pk__in=[case.pk for case in cases]).exclude(
        site__path__startswith=site.path
    )
    if outside.exists():
        raise ValidationError(
            {"cases": _("A case conference discusses the cases of its own site only.")}
        )
    if not word_characters(decisions):
        raise ValidationError({"decisions": _("Write down what the conference decided.")})
    conference = CaseConference.objects.create(
        site=site, held_on=held_on, decisions=without_invisible(decisions), recorded_by=actor
    )
    conference.participants.set(participants)
    conference.cases.set(cases)
    audit_log(
        actor=actor,
        action="counselling.case_conference.recorded",
        target=conference,
        data={"cases": [case.pk for case in cases]},
    )
    return conference


def remind_case_conferences() -> int:
    """On the 1st: each site's supervisors are reminded of the monthly case conference."""
    month = timezone.localdate().strftime("%Y-%m")
    supervisors = User.objects.filter(
        groups__name=Role.SUPERVISOR.value, is_active=True, site__isnull=False
    ).distinct()
    for supervisor in supervisors:
        reminder_plan(
            key=f"case_conference:{supervisor.site_id}:{month}:{supervisor.pk}",
            channel=Reminder.Channel.INBOX,
            due_at=timezone.now(),
            template="case_conference_due",
            params={"month": month},
            recipient=supervisor,
        )
    return len(supervisors)


def _case_conference_due(params: dict[str, Any]) -> Message:
    return Message(
        title=_("Case conference for %(month)s") % {"month": params["month"]},
        body=_("Hold and record this month's case conference of your site."),
        link=reverse("counselling:conferences"),
    )
