"""Reading ids and text filters from a request's query string or form. A value that cannot mean
anything — `²` (a digit to `str.isdigit`, not to `int`), a number beyond any id, a NUL, ten
thousand characters — is refused with a 400 that names the parameter, never a 500.

Pages get the 400 page with the message (`centre.views.bad_request`); the API a 400 body
`{name: [message]}` (`centre.api.exception_handler`)."""

from __future__ import annotations

from django.core.exceptions import BadRequest
from django.http import QueryDict
from django.utils.translation import gettext as _

# Ids are bigint at most: 19 digits. Anything longer names no record.
ID_MAX_DIGITS = 18
TEXT_MAX_LENGTH = 150


class BadParameter(BadRequest):
    """A parameter that cannot mean anything; `message` says what it should be."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name
        self.message = message


def id_parameter(values: QueryDict, name: str) -> int | None:
    """The record number in `values[name]`, or None when it is absent or empty."""
    text = values.get(name, "").strip()
    if not text:
        return None
    if not (text.isascii() and text.isdigit() and len(text) <= ID_MAX_DIGITS):
        raise BadParameter(name, _("“%(name)s” must be a record number.") % {"name": name})
    return int(text)


def text_parameter(values: QueryDict, name: str, *, max_length: int = TEXT_MAX_LENGTH) -> str:
    """A text filter, stripped; "" when absent. No NUL (Postgres refuses it), no essay."""
    text = values.get(name, "").strip()
    if "\x00" in text or len(text) > max_length:
        raise BadParameter(
            name,
            _("“%(name)s” holds at most %(length)s characters, and no control characters.")
            % {"name": name, "length": max_length},
        )
    return text
