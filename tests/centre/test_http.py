"""centre.http's claim holds: a view method whose request is typed `SignedInRequest` (its `user`
a `centre.models.User`) belongs to a page that signs anonymous visitors in first, and one typed
`SignedInApiRequest` to an endpoint whose permissions refuse them."""

from __future__ import annotations

import inspect
import sys

import pytest
from django.contrib.auth.mixins import LoginRequiredMixin
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.permissions import IsAuthenticated
from rest_framework.views import APIView

from centre.api import ActionPermission
from centre.http import SignedInApiRequest, SignedInRequest

APPS = ("centre", "counselling", "screening", "hotline", "outreach")
# Permission classes that refuse an anonymous visitor (ActionPermission checks is_authenticated).
SIGNING_IN_PERMISSIONS = (IsAuthenticated, ActionPermission)


def typed_with(function: object, request_type: type) -> bool:
    annotations = getattr(function, "__annotations__", {})
    return any(
        annotation is request_type
        or (isinstance(annotation, str) and annotation.split(".")[-1] == request_type.__name__)
        for annotation in annotations.values()
    )


def _functions(cls: type) -> list[object]:
    return [
        value.__func__ if isinstance(value, staticmethod | classmethod) else value
        for value in vars(cls).values()
    ]


def app_classes() -> list[type]:
    get_resolver().url_patterns  # noqa: B018  (imports every view module through the URLconf)
    return [
        cls
        for name, module in list(sys.modules.items())
        if name.split(".")[0] in APPS
        for cls in vars(module).values()
        if inspect.isclass(cls) and cls.__module__ == name
    ]


def routed_views() -> list[type]:
    found: list[type] = []

    def walk(patterns: list[URLPattern | URLResolver]) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns)
                continue
            view = getattr(pattern.callback, "view_class", None) or getattr(
                pattern.callback, "cls", None
            )
            if view is not None:
                found.append(view)

    walk(get_resolver().url_patterns)
    return found


def test_the_request_types_are_used():
    """The check below checks something: the portal's views take the signed-in types."""
    classes = app_classes()
    pages = [c for c in classes if any(typed_with(f, SignedInRequest) for f in _functions(c))]
    apis = [c for c in classes if any(typed_with(f, SignedInApiRequest) for f in _functions(c))]
    assert {cls.__name__ for cls in pages} >= {"InboxView", "CaseDetailView", "ResultView"}
    assert {cls.__name__ for cls in apis} >= {"MeApi", "CaseListApi", "SessionDetailApi"}


def test_every_page_typed_signed_in_signs_visitors_in_first():
    unguarded = [
        f"{cls.__module__}.{cls.__name__}"
        for cls in app_classes()
        if any(typed_with(function, SignedInRequest) for function in _functions(cls))
        and not issubclass(cls, LoginRequiredMixin)
    ]
    assert unguarded == []


def test_every_endpoint_typed_signed_in_refuses_anonymous_visitors():
    unguarded = [
        f"{cls.__module__}.{cls.__name__}"
        for cls in app_classes()
        if any(typed_with(function, SignedInApiRequest) for function in _functions(cls))
        and not (
            issubclass(cls, APIView)
            and any(
                issubclass(permission, SIGNING_IN_PERMISSIONS)
                for permission in cls.permission_classes
            )
        )
    ]
    assert unguarded == []


def test_the_routed_signed_in_views_are_among_those_checked():
    classes = set(app_classes())
    routed = [view for view in routed_views() if view.__module__.split(".")[0] in APPS]
    assert routed
    assert set(routed) <= classes


@pytest.mark.django_db
def test_anonymous_visitors_never_reach_a_signed_in_view(client):
    """What the annotation assumes, asked of the running portal: the inbox signs in first, the
    `me` endpoint refuses."""
    inbox = client.get(reverse("inbox"))
    assert inbox.status_code == 302
    assert inbox["Location"].startswith(reverse("login"))
    assert client.get(reverse("api-me")).status_code in (401, 403)
