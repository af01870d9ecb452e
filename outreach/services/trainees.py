"""The trainees of a training of service workers: its head count (`Event.trainees_count`, the
trainee-times of the `trainees` figure) and, optionally, the trainees by name and organisation.

The count is what the figure adds up; a list never says more people came than the count: adding
a trainee raises the count to the number listed when it was lower, and a typed count below the
number listed is refused. Callers have read the training through
`outreach.selectors.get_training_for_user` (whoever sees the event: its planners and
facilitators)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from centre.audit import audit_log
from centre.models import User
from centre.versioning import save_versioned
from outreach.models import Event, Trainee

if TYPE_CHECKING:
    from django.db.models import CharField

COUNT_MAX = 100_000
# What a stored text may not hold: control characters (a NUL Postgres refuses among them).
CONTROL = frozenset(chr(code) for code in [*range(32), *range(127, 160)])


def _require_training(event: Event) -> None:
    if event.kind != Event.Kind.TRAINING:
        raise ValidationError(_("Only a training has trainees."), code="not_training")
    if event.status == Event.Status.CANCELLED:
        raise ValidationError(_("This training is cancelled."), code="cancelled")


def trainee_text_problems(name: str, organisation: str) -> dict[str, str]:
    """What is wrong with a trainee's name and organisation ({} when nothing): the bounds of
    the model's fields, no control characters, a name."""
    problems = {}
    for field_name, value in (("name", name), ("organisation", organisation)):
        model_field = cast("CharField[Any, Any]", Trainee._meta.get_field(field_name))
        limit = model_field.max_length or 0
        if len(value) > limit:
            problems[field_name] = _("At most %(limit)s characters.") % {"limit": limit}
        elif CONTROL.intersection(value):
            problems[field_name] = _("Remove the control characters from this text.")
    if not name and "name" not in problems:
        problems["name"] = _("Give the trainee's name.")
    return problems


def _raise_count_to_listed(event: Event) -> None:
    """The count is at least the number of trainees listed (one UPDATE, a new version)."""
    listed = event.trainees.count()
    raised = Event.objects.filter(pk=event.pk, trainees_count__lt=listed).update(
        trainees_count=listed, version=F("version") + 1, updated_at=timezone.now()
    )
    if raised:
        event.refresh_from_db(fields=["trainees_count", "version", "updated_at"])


@transaction.atomic
def trainee_add(*, actor: User, event: Event, name: str, organisation: str = "") -> Trainee:
    """List a trainee of `event` (a training not cancelled)."""
    _require_training(event)
    name, organisation = name.strip(), organisation.strip()
    problems = trainee_text_problems(name, organisation)
    if problems:
        raise ValidationError(problems, code="trainee")
    Event.objects.select_for_update().filter(pk=event.pk).first()  # one writer of the count
    trainee = Trainee.objects.create(event=event, name=name, organisation=organisation)
    _raise_count_to_listed(event)
    audit_log(
        actor=actor,
        action="outreach.trainee.added",
        target=event,
        data={"trainee": trainee.pk, "count": event.trainees_count},
    )
    return trainee


@transaction.atomic
def trainee_remove(*, actor: User, trainee: Trainee) -> None:
    """Take a trainee off the list; the head count stays as it is (set it on its own)."""
    event = trainee.event
    trainee_id = trainee.pk
    trainee.delete()
    audit_log(
        actor=actor,
        action="outreach.trainee.removed",
        target=event,
        data={"trainee": trainee_id},
    )


@transaction.atomic
def trainees_count_set(*, actor: User, event: Event, expected_version: int, count: int) -> Event:
    """The head count of a training's sign-in sheet, typed: never below the trainees listed."""
    _require_training(event)
    if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= COUNT_MAX:
        raise ValidationError(
            {"trainees_count": _("The count is a whole number from 0 to 100,000.")}, code="count"
        )
    listed = event.trainees.count()
    if count < listed:
        raise ValidationError(
            {
                "trainees_count": _(
                    "%(listed)s trainees are listed: the count is at least that many."
                )
                % {"listed": listed}
            },
            code="below_listed",
        )
    save_versioned(event, expected_version=expected_version, fields={"trainees_count": count})
    audit_log(
        actor=actor,
        action="outreach.event.trainees_counted",
        target=event,
        data={"trainees_count": count},
    )
    return event
