"""The date and time widgets every form uses. Their values are always written in ISO (2014-03-05,
2014-03-05T15:30): a browser's date field accepts nothing else, and the portal reads ISO in every
language. Django would otherwise write a date in the page's language (2014/03/05 in Chinese),
which the date field rejects, so a form sent back would lose it."""

from __future__ import annotations

from typing import Any

from django import forms

ISO_DATE = "%Y-%m-%d"
ISO_DATETIME_LOCAL = "%Y-%m-%dT%H:%M"
TYPED_DATETIME = "%Y-%m-%d %H:%M"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format=ISO_DATE)


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format=ISO_DATETIME_LOCAL)


class TypedDateTimeInput(forms.DateTimeInput):
    """One text box for a date and time, typed: `2026-01-31 15:30`. Keyboard first — the five
    segments of a datetime-local field would each take a Tab."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        attrs = {"placeholder": "2026-01-31 15:30", "size": 16, **(attrs or {})}
        super().__init__(attrs, format=TYPED_DATETIME)


def refuse_nul_in_moments() -> None:
    """Django's DateTimeField reads a typed moment with `datetime.fromisoformat`, which takes
    `2026-11-20 10:00\\x00` as 10:00 that day (so does DRF's), and a NUL kept in what is shown
    again breaks the page. A date, time or moment with a NUL anywhere is refused with the
    field's own "invalid" message, on every form and serializer. Called once, from
    CentreConfig.ready()."""
    from rest_framework import ISO_8601, serializers
    from rest_framework.settings import api_settings
    from rest_framework.utils import humanize_datetime

    def guard_form(field_class: type[forms.Field]) -> None:
        to_python = field_class.to_python

        def guarded(self: forms.Field, value: Any) -> Any:
            if isinstance(value, str) and "\x00" in value:
                raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
            return to_python(self, value)

        field_class.to_python = guarded  # type: ignore[method-assign]

    for form_field in (forms.DateField, forms.DateTimeField, forms.TimeField):
        guard_form(form_field)

    def guard_serializer(field_class: Any, setting: str, humanize: Any) -> None:
        to_internal_value = field_class.to_internal_value

        def guarded(self: Any, value: Any) -> Any:
            if isinstance(value, str) and "\x00" in value:
                formats = getattr(self, "input_formats", None) or getattr(api_settings, setting)
                self.fail("invalid", format=humanize(formats or [ISO_8601]))
            return to_internal_value(self, value)

        field_class.to_internal_value = guarded

    guard_serializer(serializers.DateField, "DATE_INPUT_FORMATS", humanize_datetime.date_formats)
    guard_serializer(
        serializers.DateTimeField, "DATETIME_INPUT_FORMATS", humanize_datetime.datetime_formats
    )
    guard_serializer(serializers.TimeField, "TIME_INPUT_FORMATS", humanize_datetime.time_formats)
