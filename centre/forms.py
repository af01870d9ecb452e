"""What every app's forms and form pages share: the versioned form, putting a service's errors on
a form, and `ServiceFormMixin`, the one place a page answers a refused service call.

A page's POST validates its form and calls a service through `ServiceFormMixin.submit`: saved, it
redirects; refused, it renders the same bound form — what was typed kept, the reason on it — with
400 (invalid, or a `ServiceError`/`ValidationError`) or 409 (a `ConflictError`: a stale edit, a
duplicate). A `NotFoundError` or `PermissionDenied` is not caught: 404 and 403, as anywhere."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from centre.errors import NotFoundError, ServiceError, StaleEditError

if TYPE_CHECKING:
    from django.http import QueryDict

    from centre.models import User


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
                field = error.field if error.field in form.fields else None
                form.add_error(field, error.form_message)
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


# Staff pickers ------------------------------------------------------------------------------------


def staff_label(user: User) -> str:
    """How a picker or a list names a member of staff: name, roles and site (王敏 · 督导 ·
    东湖区心理辅导中心), never the username alone. Their groups and site are best read with the
    picker's queryset (`centre.selectors.staff_of_site_tree` prefetches them)."""
    name = user.get_full_name() or user.username
    separator = "、" if (get_language() or "").startswith("zh") else ", "
    roles = separator.join(str(role.label) for role in user.roles())
    site = user.site.name if user.site_id and user.site is not None else ""
    return " · ".join(part for part in (name, roles, site) if part)


class StaffChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """One member of staff (assign, share), labelled by `staff_label`."""

    def label_from_instance(self, obj: Any) -> str:
        return staff_label(obj)


class StaffMultipleChoiceField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    """Several members of staff (conference participants), labelled by `staff_label`."""

    def label_from_instance(self, obj: Any) -> str:
        return staff_label(obj)


# The audit log's filters (centre.views.AuditLogView) ---------------------------------------------

# Dates the filter takes: the centre's log starts long after 2000 (and year 1 is no date to
# compute with: its midnight in Shanghai is 1 BC in UTC).
AUDIT_EARLIEST_DATE = datetime.date(2000, 1, 1)
AUDIT_LATEST_DATE = datetime.date(2099, 12, 31)


ACTION_PREFIX = re.compile(r"^[a-z_]+(\.[a-z_]*){0,2}$", re.ASCII)  # "centre.session", …


class AuditFilterForm(forms.Form):
    """The auditors' question: which record, who, what and when (each optional)."""

    record_type = forms.ChoiceField(
        label=_("Kind of record"),
        required=False,
        choices=(),  # every app's kinds (centre.audit_actions), set in __init__
    )
    record_id = forms.IntegerField(
        label=_("Record number"),
        required=False,
        min_value=1,
        max_value=10**18 - 1,
        help_text=_("With the kind of record: its number (a case file's is the case number)."),
    )
    user = forms.CharField(label=_("User"), required=False, max_length=150)
    account = forms.IntegerField(
        label=_("Account number"),
        required=False,
        min_value=1,
        max_value=10**18 - 1,
        help_text=_("The user's account number, as a bulk-access alert gives it."),
    )
    action = forms.ChoiceField(label=_("Action"), required=False)
    since = forms.DateField(
        label=_("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[MinValueValidator(AUDIT_EARLIEST_DATE), MaxValueValidator(AUDIT_LATEST_DATE)],
    )
    until = forms.DateField(
        label=_("To (inclusive)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[MinValueValidator(AUDIT_EARLIEST_DATE), MaxValueValidator(AUDIT_LATEST_DATE)],
    )
    reads = forms.BooleanField(
        label=_("Reads only (viewed, listed, searched, exported, printed)"), required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from centre.audit_actions import action_label, audit_record_types, known_actions

        super().__init__(*args, **kwargs)
        record_type = cast(forms.ChoiceField, self.fields["record_type"])
        record_type.choices = [("", _("Any record")), *audit_record_types()]
        known = known_actions()
        actions = [(name, action_label(name)) for name in known]
        asked = self.data.get("action", "") if self.is_bound else ""
        if asked not in known and len(asked) <= 100 and ACTION_PREFIX.match(asked):
            # A prefix or an action the list does not name (a link, an older entry): kept as
            # asked, shown as written.
            actions.append((asked, action_label(asked)))
        action = cast(forms.ChoiceField, self.fields["action"])
        action.choices = [("", _("Any action")), *actions]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("record_id") and not cleaned.get("record_type"):
            self.add_error("record_type", _("Choose the kind of record this number is."))
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and until < since:
            self.add_error("until", _("The last day comes before the first."))
        return cleaned

    def filters(self) -> dict[str, Any]:
        """The arguments of `selectors.audit_entries` (the form must be valid)."""
        from django.utils import timezone

        data = self.cleaned_data
        record = None
        if data.get("record_type") and data.get("record_id"):
            record = (data["record_type"], str(data["record_id"]))

        def midnight(day: datetime.date) -> datetime.datetime:
            return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))

        until = data.get("until")
        return {
            "action": data.get("action") or "",
            "username": data.get("user") or "",
            "actor_id": data.get("account"),
            "record": record,
            "since": midnight(data["since"]) if data.get("since") else None,
            "until": midnight(until + datetime.timedelta(days=1)) if until else None,
            "reads": bool(data.get("reads")),
        }


class BreakGlassReviewForm(forms.Form):
    note = forms.CharField(
        label=_("Review note"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What you checked: the reason against the case and what the access read."),
    )


# Signing in and one's sessions --------------------------------------------------------------------


class SecondFactorForm(forms.Form):
    """The code of the second sign-in step: from the app (6 digits) or a recovery code."""

    code = forms.CharField(
        label=pgettext_lazy("sign-in", "Code"),
        max_length=32,
        strip=True,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}
        ),
        help_text=_("The 6 digits your authenticator app shows now, or one recovery code."),
    )

    def clean_code(self) -> str:
        code: str = self.cleaned_data["code"]
        if "\x00" in code:
            raise ValidationError(_("A code holds letters and digits only."), code="invalid")
        return code


class RecoveryCodesForm(forms.Form):
    """Proof that it is still the account's owner before new recovery codes: the password, or
    the code the app shows now. Its name holds "password": no draft ever keeps it."""

    password_or_code = forms.CharField(
        label=_("Your password, or the code your app shows now"),
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )

    def clean_password_or_code(self) -> str:
        proof: str = self.cleaned_data["password_or_code"]
        if "\x00" in proof:
            raise ValidationError(_("That is not your password, nor the code your app shows now."))
        return proof


class SessionEndForm(forms.Form):
    """End one of one's other sessions (`session`), or all of them (`everywhere`)."""

    session = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    everywhere = forms.BooleanField(required=False)

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean()
        if cleaned is not None and not cleaned.get("session") and not cleaned.get("everywhere"):
            raise ValidationError(_("Choose a session to end."), code="required")
        return cleaned
