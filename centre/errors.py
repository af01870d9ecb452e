"""The errors a service raises when it refuses a request, answered in one place each: the API's
exception handler (`centre.api.exception_handler`) and the pages' `centre.forms.ServiceFormMixin`.

- `ServiceError`: the request cannot be done as asked (400), with a stable `code` for clients
  and, when one value is the reason, the `field` it is about (a page shows it on that field).
- `ConflictError`: it clashes with what is stored (409): a stale edit, a duplicate.
- `NotFoundError`: a record the user may not see, answered exactly like a missing one (404).

Services may still raise Django's `ValidationError` for a field's value (both places map it to
400, field by field) and `PermissionDenied` for a record the user sees but may not change (403).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from django.db.models import Model, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:  # a name of django-stubs only: a text, translated now or lazily
    from django.utils.functional import _StrOrPromise

RecordT = TypeVar("RecordT", bound=Model)


class ServiceError(Exception):
    """A service refused: `message` for people, `code` for programs, `status` for HTTP."""

    status = 400
    code = "invalid"
    default_message = _("This cannot be done.")

    def __init__(
        self,
        message: _StrOrPromise | None = None,
        *,
        code: str | None = None,
        field: str | None = None,
    ) -> None:
        self.message = message if message is not None else self.default_message
        if code is not None:
            self.code = code
        self.field = field  # the value refused, when one is the reason
        self.extra: dict[
            str, Any
        ] = {}  # more for the API's answer, e.g. the id of an existing record
        if field is not None:
            self.extra["field"] = field
        super().__init__(self.code)  # never the message: it may quote what was typed

    @property
    def form_message(self) -> _StrOrPromise:
        """What a page puts above the form it kept."""
        return self.message


class ImplausibleError(ServiceError):
    """A value that cannot be true of the record it is about (a session before the child was
    born, a follow-up due in the past): nothing was changed, and the page shows the reason on
    the field it names, what was typed kept."""

    code = "implausible"
    default_message = _("This value cannot be right: check it.")


class ConflictError(ServiceError):
    """What was sent clashes with what is stored now: nothing was changed."""

    status = 409
    code = "conflict"
    default_message = _("This clashes with what is saved now; nothing was changed.")


class StaleEditError(ConflictError):
    """Someone else saved this record since it was read: nothing was overwritten."""

    code = "stale_version"
    default_message = _(
        "Someone else saved this record after you read it; nothing was "
        "overwritten. Read it again, then repeat your change."
    )

    def __init__(
        self, message: _StrOrPromise | None = None, *, current_version: int | None = None
    ) -> None:
        super().__init__(message)
        self.current_version = current_version  # the version saved now, when known

    @property
    def form_message(self) -> _StrOrPromise:
        return _(
            "Someone else saved this record after you opened it, so your change was not saved. "
            "The form below shows what you typed; the page shows what is saved now. "
            "Check, then save again."
        )


class NotFoundError(ServiceError, Http404):
    """A record the user may not see, or one that does not exist: the same answer for both."""

    status = 404
    code = "not_found"
    default_message = _("Not found.")


def first_or_not_found(queryset: QuerySet[RecordT]) -> RecordT:
    """The first record of `queryset` (already scoped to the user by a selector), or
    `NotFoundError`: how every `get_<record>_for_user` ends."""
    record = queryset.first()
    if record is None:
        raise NotFoundError
    return record
