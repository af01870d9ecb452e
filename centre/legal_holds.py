"""Legal holds: a record retention keeps past its window (DOMAIN.md §5.5; README "Retention and
backups"), placed and released by an auditor (`manage.py legal_hold`), each audited.

A hold names one record by type and id. Retention (centre.retention) never erases or changes a
held record, nor a record whose erasure would cascade to one (a case file holding a held
session stays whole); an app keeps more where a hold means more (counselling: a held child's
case files). The hold itself names no one: the reason is for the auditors, like a break-glass
reason."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from centre.audit import audit_log
from centre.errors import ConflictError, NotFoundError, ServiceError
from centre.models import LegalHold, User
from centre.roles import Role


def held_ids(model: type[models.Model]) -> list[Any]:
    """The ids of the model's rows under a hold in force, as the model's own key type."""
    values = LegalHold.objects.filter(
        target_type=model._meta.label_lower, released_at__isnull=True
    ).values_list("target_id", flat=True)
    return [model._meta.pk.to_python(value) for value in values]


def held_among(model: type[models.Model], ids: list[Any]) -> set[str]:
    """Which of these ids of the model are held (as text, as holds name them)."""
    return set(
        LegalHold.objects.filter(
            target_type=model._meta.label_lower,
            target_id__in=[str(pk) for pk in ids],
            released_at__isnull=True,
        ).values_list("target_id", flat=True)
    )


@transaction.atomic
def legal_hold_place(*, actor: User, target_type: str, target_id: str, reason: str) -> LegalHold:
    """Hold one existing record; refused for anyone but an auditor, for a record that does not
    exist, and for one already held."""
    _require_auditor(actor)
    if not reason.strip():
        raise ServiceError(_("Say why the record is held."), code="reason_required")
    record = _record(target_type, target_id)
    if LegalHold.objects.filter(
        target_type=target_type, target_id=str(record.pk), released_at__isnull=True
    ).exists():
        raise ConflictError(_("This record is already held."), code="already_held")
    hold = LegalHold.objects.create(
        target_type=target_type,
        target_id=str(record.pk),
        reason=reason.strip()[:200],
        placed_by=actor,
    )
    audit_log(
        actor=actor,
        action="centre.legal_hold.placed",
        target=hold,
        reason=hold.reason,
        data={"target_type": target_type, "target_id": hold.target_id},
    )
    return hold


@transaction.atomic
def legal_hold_release(*, actor: User, hold: LegalHold) -> LegalHold:
    _require_auditor(actor)
    if hold.released_at is not None:
        raise ConflictError(_("This hold is already released."), code="already_released")
    hold.released_at = timezone.now()
    hold.released_by = actor
    hold.save(update_fields=["released_at", "released_by"])
    audit_log(
        actor=actor,
        action="centre.legal_hold.released",
        target=hold,
        data={"target_type": hold.target_type, "target_id": hold.target_id},
    )
    return hold


def _require_auditor(actor: User) -> None:
    if not actor.is_active or not actor.has_role(Role.AUDITOR):
        raise PermissionDenied


def _record(target_type: str, target_id: str) -> models.Model:
    try:
        model = apps.get_model(target_type)
    except (LookupError, ValueError) as error:
        raise NotFoundError from error
    try:
        pk = model._meta.pk.to_python(target_id)
    except Exception as error:  # a key of the wrong shape is a record that does not exist
        raise NotFoundError from error
    record: models.Model | None = model._default_manager.filter(pk=pk).first()
    if record is None:
        raise NotFoundError
    return record
