"""What every app's forms and form pages share: the versioned form, putting a service's errors on
a form, and `ServiceFormMixin`, the one place a page answers a refused service call.

A page's POST validates its form and calls a service through `ServiceFormMixin.submit`: saved, it
redirects; refused, it renders the same bound form — what was typed kept, the reason on it — with
400 (invalid, or a `ServiceError`/`ValidationError`) or 409 (a `ConflictError`: a stale edit, a
duplicate). A `NotFoundError` or `PermissionDenied` is not caught: 404 and 403, as anywhere."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from centre.errors import NotFoundError, ServiceError, StaleEditError

if TYPE_CHECKING:
    from django.http import QueryDict


class VersionedForm(forms.Form):
    """A change to a record read at `version`; the service refuses it if someone saved since."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


def take_current_version(form: forms.BaseForm, version: int | None) -> None:
    """After a stale edit the form keeps what was typed but carries the version saved now: the
    page shows what is saved, and saving again after checking it is a decision made on that.
    The form names its version field in `version_field` ("version" by default)."""
    name = getattr(form, "version_field", "version")
    if version is None or name not in form.fields:
        return
    data = cast("QueryDict | dict[str, Any]", form.data).copy()  # bound to POST or to a dict
    data[form.add_prefix(name)] = str(version)
    form.data = data


def add_form_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Put a service's ValidationError on the form, field by field where it names fields."""
    if hasattr(error, "error_dict"):
        for field, field_errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, field_errors)
    else:
        form.add_error(None, error)


@dataclass(frozen=True)
class Outcome:
    """What `submit` did: `saved` with the service's `value`, or refused with the `status` to
    answer (the reason is on the form)."""

    status: int = 200
    value: Any = None
    error: ServiceError | None = None

    @property
    def saved(self) -> bool:
        return self.status == 200

    @property
    def conflict(self) -> bool:
        return self.status == 409


class ServiceFormMixin:
    """For a page that saves a form through a service (see the module docstring)."""

    def submit(self, form: forms.BaseForm, call: Callable[[], Any]) -> Outcome:
        """Validate `form`, then `call()` the service; put any refusal on the form."""
        if not form.is_valid():
            return Outcome(status=400)
        return self.call_service(form, call)

    @staticmethod
    def call_service(form: forms.BaseForm | None, call: Callable[[], Any]) -> Outcome:
        """`call()` the service; a refusal goes on `form` (if there is one) and its status is
        returned. For a POST with no form of its own (a button), pass None and show
        `refusal_message(outcome)` instead."""
        try:
            value = call()
        except NotFoundError:
            raise
        except ServiceError as error:
            if form is not None:
                form.add_error(None, error.form_message)
                if isinstance(error, StaleEditError):
                    take_current_version(form, error.current_version)
            return Outcome(status=error.status, error=error)
        except ValidationError as error:
            if form is not None:
                add_form_errors(form, error)
            return Outcome(status=400, error=ServiceError(" ".join(error.messages)))
        return Outcome(value=value)


def refusal_message(outcome: Outcome) -> str:
    """The reason of a refused call, for a message on the page it redirects to."""
    return str(outcome.error.form_message) if outcome.error else str(_("This cannot be done."))
