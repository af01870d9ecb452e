"""Shift handover: a note from the outgoing shift of a site to the next one, read first by the
next shift (the calls page shows the unread ones until each reader marks them read). The open
alerts and callbacks are not copied into the note: the handover page lists them as they are
now. Audited by id only — never the note's text."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from centre.audit import audit_log
from centre.models import User
from centre.roles import Role
from centre.text import word_characters
from hotline.models import HandoverRead, ShiftHandover
from hotline.services.callbacks import clean_text

HANDOVER_ROLES = frozenset({Role.HOTLINE_OPERATOR, Role.SUPERVISOR})
MAX_HANDOVER_NOTE = 4000
# A shift's end is given about now: at most a day either side.
SHIFT_END_SLACK = datetime.timedelta(hours=24)


@transaction.atomic
def handover_write(
    *, actor: User, note: str, shift_ends_at: datetime.datetime | None
) -> ShiftHandover:
    """The outgoing shift's note, for the actor's own site."""
    if actor.site is None or not any(actor.has_role(role) for role in HANDOVER_ROLES):
        raise PermissionDenied
    note = clean_text(note)
    if not word_characters(note):
        raise ValidationError({"note": _("Write what the next shift needs to know.")})
    if len(note) > MAX_HANDOVER_NOTE:
        raise ValidationError(
            {"note": _("A note holds at most %(count)s characters.") % {"count": MAX_HANDOVER_NOTE}}
        )
    now = timezone.now()
    if shift_ends_at is None or abs(shift_ends_at - now) > SHIFT_END_SLACK:
        raise ValidationError({"shift_ends_at": _("Give the end of this shift (within a day).")})
    handover = ShiftHandover.objects.create(
        site=actor.site, author=actor, written_at=now, shift_ends_at=shift_ends_at, note=note
    )
    HandoverRead.objects.create(handover=handover, reader=actor, read_at=now)  # its author's
    audit_log(actor=actor, action="hotline.handover.written", target=handover)
    return handover


@transaction.atomic
def handover_mark_read(*, actor: User, handover: ShiftHandover) -> HandoverRead:
    """The reader has read the note (once; marking again changes nothing)."""
    read, created = HandoverRead.objects.get_or_create(handover=handover, reader=actor)
    if created:
        audit_log(actor=actor, action="hotline.handover.read", target=handover)
    return read
