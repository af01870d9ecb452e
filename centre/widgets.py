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
