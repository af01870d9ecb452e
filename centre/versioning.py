"""Optimistic concurrency for records two people may edit at once (a case, a session note).

A form or API request carries the version it read; the save is `UPDATE … WHERE version = read`,
so the second of two concurrent saves changes nothing and is refused, never silently lost."""

from __future__ import annotations

from typing import Any

from django.db.models import F
from django.utils import timezone

from centre.errors import StaleEditError

__all__ = ["StaleEditError", "save_versioned"]


def save_versioned(instance: Any, *, expected_version: int, fields: dict[str, Any]) -> None:
    """Save `fields` on `instance` if its version is still `expected_version`, and bump it."""
    model = type(instance)
    changed = model.objects.filter(pk=instance.pk, version=expected_version).update(
        version=F("version") + 1, updated_at=timezone.now(), **fields
    )
    if changed != 1:
        current = model.objects.filter(pk=instance.pk).values_list("version", flat=True).first()
        raise StaleEditError(current_version=current)
    for name, value in fields.items():
        setattr(instance, name, value)
    instance.version = expected_version + 1
