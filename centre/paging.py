"""One keyset pager for pages: "Newer" and "Older" links that carry the position of the first
or last row shown, so a page costs one indexed query however long the table — no COUNT(*) and no
OFFSET (the audit log grows for ever). The API's lists page the same way (`centre.api`).

    page = keyset_page(entries, request.GET, order=("at", "id"))  # newest first
    {% include "centre/_pager.html" with page=page query=query %}
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from centre.parameters import BadParameter, text_parameter

OLDER, NEWER = "older", "newer"
SEPARATOR = "~"


@dataclass(frozen=True)
class KeysetPage:
    object_list: list[Any]
    older: str | None  # the cursor of the next page down, None on the last
    newer: str | None  # the cursor of the page above, None on the first

    @property
    def has_other_pages(self) -> bool:
        return bool(self.older or self.newer)


def keyset_page(
    queryset: QuerySet[Any],
    params: QueryDict,
    *,
    order: tuple[str, ...],
    per_page: int = 50,
    ascending: bool = False,
    prefix: str = "",
) -> KeysetPage:
    """One page of `queryset` in descending `order` (the last field unique, e.g. the id), from
    the cursor in `params` (`older=` or `newer=`, as the links write them). `ascending` pages
    the other way (the earliest due first): `older` is then further down the list all the same.
    `prefix` names the parameters of a second list on the same page (`waiting-older=`; the
    pager is included `with pager_prefix="waiting-"`)."""
    older_name, newer_name = f"{prefix}{OLDER}", f"{prefix}{NEWER}"
    older, newer = text_parameter(params, older_name), text_parameter(params, newer_name)
    down, up = ("gt", "lt") if ascending else ("lt", "gt")
    forward, backward = ("", "-") if ascending else ("-", "")
    descending = queryset.order_by(*(f"{forward}{name}" for name in order))
    if newer:
        values = _decode(queryset, order, newer, newer_name)
        above = queryset.filter(_beyond(order, values, up)).order_by(
            *(f"{backward}{name}" for name in order)
        )
        rows = list(above[: per_page + 1])
        more_above = len(rows) > per_page
        rows = rows[:per_page][::-1]
        return KeysetPage(
            rows,
            older=_encode(rows[-1], order) if rows else None,
            newer=_encode(rows[0], order) if rows and more_above else None,
        )
    if older:
        position = _decode(queryset, order, older, older_name)
        descending = descending.filter(_beyond(order, position, down))
    rows = list(descending[: per_page + 1])
    more_below = len(rows) > per_page
    rows = rows[:per_page]
    return KeysetPage(
        rows,
        older=_encode(rows[-1], order) if more_below else None,
        newer=_encode(rows[0], order) if rows and older else None,
    )


def _beyond(order: tuple[str, ...], values: list[Any], lookup: str) -> Q:
    """Rows past `values` in `order`: the first field beyond, or equal and the next beyond…
    The first field's bound is also given on its own (`at <= …`): Postgres starts the index
    scan there, instead of walking the index from the top and filtering the OR until the
    position (450 ms half a million audit entries down, bench/audit.py)."""
    condition = Q()
    for index, name in enumerate(order):
        equal = dict(zip(order[:index], values[:index], strict=True))
        condition |= Q(**equal, **{f"{name}__{lookup}": values[index]})
    return Q(**{f"{order[0]}__{lookup}e": values[0]}) & condition


def _encode(row: Any, order: tuple[str, ...]) -> str:
    values = (getattr(row, name) for name in order)
    return SEPARATOR.join(
        value.isoformat() if hasattr(value, "isoformat") else str(value) for value in values
    )


def _field(queryset: QuerySet[Any], name: str) -> Any:
    """The field `name` reads as: a model field, or an annotation's output field (a rank the
    queryset computes, such as "mine first")."""
    annotation = queryset.query.annotations.get(name)
    if annotation is not None:
        return annotation.output_field
    return queryset.model._meta.get_field(name)


def _decode(queryset: QuerySet[Any], order: tuple[str, ...], cursor: str, name: str) -> list[Any]:
    """The cursor's values, each read as its model field reads it; anything else is a 400."""
    parts = cursor.split(SEPARATOR)
    try:
        if len(parts) != len(order):
            raise ValueError(cursor)
        fields = [_field(queryset, field) for field in order]
        values = [field.to_python(part) for field, part in zip(fields, parts, strict=True)]
        for field, value in zip(fields, values, strict=True):
            if value is None or (isinstance(value, datetime.datetime) and timezone.is_naive(value)):
                raise ValueError(cursor)
            field.run_validators(value)  # an id beyond bigint
        # In UTC, as the pager wrote it: Postgres refuses an offset such as +23:59 (a 500).
        values = [
            value.astimezone(datetime.UTC) if isinstance(value, datetime.datetime) else value
            for value in values
        ]
    except (ValidationError, ValueError, TypeError, OverflowError) as error:
        raise BadParameter(
            name, _("“%(name)s” is not a position in this list.") % {"name": name}
        ) from error
    return values
