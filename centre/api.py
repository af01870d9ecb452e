"""What every app's API shares: cursor pagination (`paginated`, audited), query parameters
(`choice_param`), `some_change`, the action-to-permission mapping, and one exception
handler that turns the services' errors (`centre.errors`) into answers (400, 403, 404, 409)."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from rest_framework import exceptions, pagination, permissions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from centre.audit import audit_read
from centre.errors import ServiceError
from centre.parameters import BadParameter

ACTION_BY_METHOD: dict[str | None, str] = {
    "GET": "view",
    "HEAD": "view",
    "OPTIONS": "view",
    "POST": "add",
    "PUT": "change",
    "PATCH": "change",
    "DELETE": "delete",
}


class CursorPagination(pagination.CursorPagination):
    """Stable pages however many records are added meanwhile, with no COUNT(*)."""

    def decode_cursor(self, request: Request) -> pagination.Cursor | None:
        """A moment in a cursor is read in UTC, as the pager wrote it: Postgres refuses an offset
        such as -23:59 (a 500), and year 1 at +14:00 is no moment at all (404, like any bad
        cursor)."""
        cursor = super().decode_cursor(request)
        if cursor is None or cursor.position is None:
            return cursor
        position = str(cursor.position)  # the stubs say int; DRF keeps the text of the query
        moment = parse_datetime(position) if "T" in position else None
        if moment is None or timezone.is_naive(moment):
            return cursor
        try:
            in_utc = moment.astimezone(datetime.UTC).isoformat()
            return cursor._replace(position=in_utc)  # type: ignore[arg-type]
        except OverflowError as error:
            raise exceptions.NotFound(self.invalid_cursor_message) from error

    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"
    ordering: str | list[str] | tuple[str, ...] = ("-id",)

    def paginate_queryset(
        self,
        queryset: QuerySet[Any, Any] | Sequence[Any],
        request: Request,
        view: APIView | None = None,
    ) -> list[Any] | None:
        """A cursor's position goes into the query as it came: a tampered one (a date that is
        not a date, a number that is not a number) is refused like an undecodable cursor."""
        try:
            return super().paginate_queryset(queryset, request, view=view)
        except (DjangoValidationError, ValueError, TypeError, OverflowError) as error:
            raise exceptions.NotFound(self.invalid_cursor_message) from error


def choice_param(request: Request, name: str, allowed: list[str]) -> str:
    """A query parameter that must be one of `allowed` (or absent: "")."""
    value = request.query_params.get(name, "")
    if value and value not in allowed:
        raise exceptions.ValidationError(
            {name: [_("Choose one of %(choices)s.") % {"choices": ", ".join(allowed)}]}
        )
    return value


def paginated(
    view: APIView,
    request: Request,
    queryset: QuerySet[Any],
    serializer_class: type[BaseSerializer[Any]],
    *,
    action: str,
) -> Response:
    """One cursor page of `queryset`, in the view's own `Pagination` order if it has one; the
    page is audited (`action`) as one entry naming the records it shows."""
    paginator = getattr(view, "Pagination", CursorPagination)()
    page = paginator.paginate_queryset(queryset, request, view=view)
    audit_read(request, action, page)
    return paginator.get_paginated_response(serializer_class(page, many=True).data)


def some_change(
    values: dict[str, Any], *, besides: frozenset[str] = frozenset({"version"})
) -> dict[str, Any]:
    """`values` if they change something besides the `version` they name (and the `besides`
    that only qualify a change); a request that changes nothing is refused (400)."""
    if set(values) <= besides:
        raise exceptions.ValidationError({"detail": [_("Nothing to change.")]})
    return values


class ActionPermission(permissions.BasePermission):
    """The model permission each method needs: GET → view_, POST → add_, PATCH → change_.

    DRF's defaults check nothing on GET. The view names its model in `permission_model` (and may
    map a method to another action in `permission_actions`, e.g. POST on `advance/` → change).
    Which records the user may see is still the selectors' business. A user without the model
    permission gets 403 on a collection; on a record, 404 as if it did not exist, unless they may
    view such records at all (a crisis-team member writing to a case opened by break-glass):
    then 403, whatever the record, so the answer reveals nothing about it."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        model = view.permission_model  # type: ignore[attr-defined]  # each view names it
        action = getattr(view, "permission_actions", {}).get(
            request.method, ACTION_BY_METHOD.get(request.method)
        )
        if action is None:  # TRACE, CONNECT, a made-up method: no route answers it
            raise exceptions.MethodNotAllowed(str(request.method))
        label, name = model._meta.app_label, model._meta.model_name
        if user.has_perm(f"{label}.{action}_{name}"):
            return True
        if view.kwargs and not user.has_perm(f"{label}.view_{name}"):
            raise exceptions.NotFound
        return False


def refuse_datetime_overflow() -> None:
    """DRF makes a naive moment aware and checks it exists by converting it to UTC, unguarded:
    `0001-01-01T00:00` in Shanghai is before year 1 in UTC, and the request answered 500. Every
    serializer's DateTimeField (declared or made from a model field) refuses it instead, with
    DRF's own "out of range" message. Called once, from CentreConfig.ready()."""
    enforce_timezone = serializers.DateTimeField.enforce_timezone

    def guarded(self: serializers.DateTimeField, value: datetime.datetime) -> datetime.datetime:
        try:
            return enforce_timezone(self, value)
        except OverflowError:
            self.fail("overflow")

    serializers.DateTimeField.enforce_timezone = guarded  # type: ignore[method-assign]


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Every refusal answered the same way: `{"detail": …, "code": …}` with the error's status
    (a `ServiceError`), field by field (400) for a `ValidationError`; then DRF's own mapping
    (Http404 → 404, PermissionDenied → 403)."""
    if isinstance(exc, ServiceError):
        body = {"detail": str(exc.message), "code": exc.code, **getattr(exc, "extra", {})}
        return Response(body, status=exc.status)
    if isinstance(exc, BadParameter):
        exc = exceptions.ValidationError({exc.name: [exc.message]})
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        exc = exceptions.ValidationError(detail)
    return drf_exception_handler(exc, context)
