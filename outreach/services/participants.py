"""Participants of group counselling and therapy: a client, by their case, added only by a user
who may see the case and only with a consent to counselling in force — the client's own from 14,
a guardian's under 14 (PIPL Art. 31; `counselling.models.Consent.Purpose.COUNSELLING`). The
consent relied on is kept on the row."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from centre.audit import audit_log
from centre.errors import ConflictError, ServiceError
from centre.models import Site, User
from counselling.models import Case, Consent
from counselling.services import ADULT_CONSENT_AGE
from outreach.models import Event, Participant


class NoConsentError(ServiceError):
    code = "no_consent"


def counselling_consent_in_force(*, case: Case) -> Consent | None:
    """The consent to counselling a group may rely on: the client's own from 14, a guardian's
    under 14; never a withdrawn one."""
    client = case.client
    given_by = (
        Consent.GivenBy.CLIENT if client.age >= ADULT_CONSENT_AGE else Consent.GivenBy.GUARDIAN
    )
    return (
        client.consents.filter(
            purpose=Consent.Purpose.COUNSELLING, withdrawn_at__isnull=True, given_by=given_by
        )
        .order_by("-given_at", "-id")
        .first()
    )


def _same_site_line(case_site: Site, event_site: Site) -> bool:
    """A group takes the cases of its site, of the sites below it and of the site above it (a
    county's counsellor leading a station's group)."""
    return case_site.path.startswith(event_site.path) or event_site.path.startswith(case_site.path)


@transaction.atomic
def participant_add(*, actor: User, event: Event, case: Case) -> Participant:
    """Add `case` (read through `get_case_for_participation`: the actor sees it) to a group."""
    if not event.is_group:
        raise ServiceError(
            _("Only group counselling and group therapy have participants."), code="not_group"
        )
    if event.status == Event.Status.CANCELLED:
        raise ServiceError(_("This event is cancelled."), code="cancelled")
    if not _same_site_line(case.site, event.site):
        # A case transferred to another county stays out of this county's groups.
        raise ServiceError(
            _("This case is followed at a site outside this group's site."),
            code="other_site",
            field="case",
        )
    consent = counselling_consent_in_force(case=case)
    if consent is None:
        message = (
            _("This client has no consent of their own to counselling in force.")
            if case.client.age >= ADULT_CONSENT_AGE
            else _("This client is under 14: a guardian's consent to counselling is needed.")
        )
        raise NoConsentError(message, field="case")
    try:
        with transaction.atomic():
            participant = Participant.objects.create(
                event=event, case=case, consent=consent, added_by=actor
            )
    except IntegrityError as error:
        raise ConflictError(_("This case is already in the group."), code="duplicate") from error
    audit_log(
        actor=actor,
        action="outreach.participant.added",
        target=event,
        data={"case": case.pk, "consent": consent.pk, "participant": participant.pk},
    )
    return participant


@transaction.atomic
def participant_remove(*, actor: User, participant: Participant) -> None:
    event_id, case_id = participant.event_id, participant.case_id
    participant.delete()
    audit_log(
        actor=actor,
        action="outreach.participant.removed",
        target=participant.event,
        data={"case": case_id, "event": event_id},
    )
