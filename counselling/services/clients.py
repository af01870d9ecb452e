"""Clients, guardians and consent: registering a child once, who consents (PIPL Art. 31), when
a consent is in force, and the crisis exception to working without one."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import CharField, Max
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from centre import field_rules
from centre.ages import OWN_CONSENT_AGE
from centre.audit import audit_log
from centre.encryption import blind_index
from centre.errors import ConflictError
from centre.models import Reminder, Site, User
from centre.text import without_invisible, word_characters
from centre.versioning import save_versioned
from counselling.models import Case, Client, Consent, FollowUp, Guardian
from counselling.selectors import client_search, user_may_change_client

ADULT_CONSENT_AGE = OWN_CONSENT_AGE  # PIPL Art. 31: under 14, a guardian consents
REASON_MINIMUM = 10  # letters or digits in a break-glass or crisis-exception reason


class DuplicateClientError(ConflictError):
    code = "duplicate_client"
    default_message = gettext_lazy("This child is already registered.")

    def __init__(self, existing: Client) -> None:
        super().__init__()
        self.existing = existing


def _require_change_of_client(*, actor: User, client: Client) -> None:
    """Writes about the child (guardians, consents, another case) need the right to change one
    of their cases, whatever page or endpoint they come from (`user_may_change_client`)."""
    if not user_may_change_client(user=actor, client=client):
        raise PermissionDenied


@transaction.atomic
def client_register(*, actor: User, site: Site | None, **fields: Any) -> Client:
    """Register a minor after searching for the same child (name + date of birth + school).
    `site` is the actor's; an actor of no site is refused by the model's validation."""
    existing = client_search(
        full_name=fields["full_name"],
        date_of_birth=fields["date_of_birth"],
        school_id=fields["school"].pk if fields.get("school") else None,
    ).first()
    if existing is not None:
        raise DuplicateClientError(existing)
    client = Client(site=site, **fields)
    client.full_name = client.full_name.strip()
    client.full_clean()
    client.save()
    audit_log(actor=actor, action="counselling.client.created", target=client)
    return client


@transaction.atomic
def guardian_add(
    *, actor: User, client: Client, relationship: str, full_name: str, phone: str
) -> Guardian:
    _require_change_of_client(actor=actor, client=client)
    return _guardian_create(
        actor=actor, client=client, relationship=relationship, full_name=full_name, phone=phone
    )


def _guardian_create(
    *, actor: User, client: Client, relationship: str, full_name: str, phone: str
) -> Guardian:
    """The write of `guardian_add`, once the actor may write about the child."""
    guardian = Guardian(client=client, relationship=relationship, full_name=full_name, phone=phone)
    guardian.full_clean()
    field_rules.validate_phone(phone)
    guardian.save()
    audit_log(actor=actor, action="counselling.guardian.added", target=client)
    return guardian


GUARDIAN_FIELDS = ("relationship", "full_name", "phone", "language")


@transaction.atomic
def guardian_update(
    *, actor: User, guardian: Guardian, expected_version: int, **fields: Any
) -> Guardian:
    """Change a guardian's relationship, name, phone or language of messages. Refused as a stale
    edit if someone saved the guardian since `expected_version` was read. Reminders already
    planned for the old number (text messages still waiting) move to the new one."""
    unknown = set(fields) - set(GUARDIAN_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    _require_change_of_client(actor=actor, client=guardian.client)
    candidate = Guardian(
        client=guardian.client,
        **{name: fields.get(name, getattr(guardian, name)) for name in GUARDIAN_FIELDS},
    )
    candidate.full_clean(exclude=["client", "version"])
    field_rules.validate_phone(candidate.phone)
    changed = {
        name: getattr(candidate, name)
        for name in fields
        if getattr(candidate, name) != getattr(guardian, name)
    }
    previous = (guardian.phone, guardian.language)
    save_versioned(guardian, expected_version=expected_version, fields=changed)
    if {"phone", "language"} & set(changed):
        _readdress_waiting_sms(guardian, previous_phone=previous[0])
    audit_log(
        actor=actor,
        action="counselling.guardian.changed",
        target=guardian.client,
        data={"guardian": guardian.pk, "fields": sorted(changed)},
    )
    return guardian


def _readdress_waiting_sms(guardian: Guardian, *, previous_phone: str) -> None:
    """Text messages still waiting for the guardian's old number, about the child's follow-ups,
    go to the number (and in the language) saved now."""
    follow_up_ids = FollowUp.objects.filter(case__client=guardian.client_id).values_list(
        Cast("pk", CharField()), flat=True
    )
    # The number is encrypted in the outbox: found by its blind index, which moves with it.
    Reminder.objects.filter(
        channel=Reminder.Channel.SMS,
        status=Reminder.Status.PENDING,
        phone_index=blind_index(previous_phone),
        target_type=FollowUp._meta.label_lower,
        target_id__in=follow_up_ids,
    ).update(
        phone=guardian.phone, phone_index=blind_index(guardian.phone), language=guardian.language
    )


@transaction.atomic
def consent_record(
    *,
    actor: User,
    client: Client,
    purpose: str,
    given_by: str,
    guardian: Guardian | None,
    version: str,
    given_at: datetime.datetime | None = None,
) -> Consent:
    _require_change_of_client(actor=actor, client=client)
    return _consent_create(
        actor=actor,
        client=client,
        purpose=purpose,
        given_by=given_by,
        guardian=guardian,
        version=version,
        given_at=given_at,
    )


def _consent_create(
    *,
    actor: User,
    client: Client,
    purpose: str,
    given_by: str,
    guardian: Guardian | None,
    version: str,
    given_at: datetime.datetime | None = None,
) -> Consent:
    """The write of `consent_record`, once the actor may write about the child."""
    if guardian is not None and guardian.client_id != client.pk:
        raise ValidationError({"guardian": _("This guardian belongs to another child.")})
    if given_by == Consent.GivenBy.CLIENT and client.age < ADULT_CONSENT_AGE:
        raise ValidationError(
            {"given_by": _("Under 14, consent is given by a guardian (PIPL Art. 31).")}
        )
    consent = Consent(
        client=client,
        purpose=purpose,
        given_by=given_by,
        guardian=guardian,
        version=version,
        given_at=given_at or timezone.now(),
        recorded_by=actor,
    )
    consent.full_clean()
    consent.save()
    audit_log(
        actor=actor,
        action="counselling.consent.given",
        target=client,
        data={"purpose": purpose, "given_by": given_by, "version": version},
    )
    return consent


@transaction.atomic
def consent_withdraw(*, actor: User, consent: Consent) -> Consent:
    _require_change_of_client(actor=actor, client=consent.client)
    if consent.withdrawn_at is None:
        consent.withdrawn_at = timezone.now()
        consent.save(update_fields=["withdrawn_at", "updated_at"])
        audit_log(
            actor=actor,
            action="counselling.consent.withdrawn",
            target=consent.client,
            data={"purpose": consent.purpose},
        )
    return consent


def has_active_consent(*, client: Client, purpose: str) -> bool:
    """An unwithdrawn consent for `purpose`; under 14 it must come from a guardian."""
    consents = client.consents.filter(purpose=purpose, withdrawn_at__isnull=True)
    if client.age < ADULT_CONSENT_AGE:
        consents = consents.filter(given_by=Consent.GivenBy.GUARDIAN)
    return consents.exists()


def consent_lapsed_at(*, client: Client, purpose: str) -> datetime.datetime | None:
    """When the consent to `purpose` stopped being in force (its last withdrawal; the child's
    registration if none was ever given), or None while one is in force."""
    if has_active_consent(client=client, purpose=purpose):
        return None
    withdrawn = client.consents.filter(purpose=purpose).aggregate(at=Max("withdrawn_at"))["at"]
    return withdrawn or client.created_at


def _crisis_exception(
    *, actor: User, case: Case, reason: str, lapsed_at: datetime.datetime, work: str
) -> None:
    """Work on a case without a consent to counselling in force: only in a crisis (DOMAIN.md
    §5.2, PIPL Art. 13(4)/18), for a reason in words, which the audit log keeps."""
    if word_characters(reason) < REASON_MINIMUM:
        raise ValidationError(
            {
                "crisis_reason": _(
                    "The consent to counselling was withdrawn on %(day)s. Go on only in a "
                    "crisis, and give the reason in a sentence (10 characters or more)."
                )
                % {"day": timezone.localdate(lapsed_at).isoformat()}
            },
            code="consent_withdrawn",
        )
    audit_log(
        actor=actor,
        action="counselling.consent.crisis_exception",
        target=case,
        reason=without_invisible(reason),
        data={"purpose": Consent.Purpose.COUNSELLING, "for": work},
    )
