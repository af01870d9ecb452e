"""The API's throttle. A module of its own: DRF imports it while `rest_framework.views` is being
imported, so it must not import the API module (which imports `rest_framework.views`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from django.http import HttpRequest
from rest_framework import throttling
from rest_framework.request import Request

if TYPE_CHECKING:  # never at run time: DRF imports this module while importing its views
    from rest_framework.views import APIView

from centre.audit import client_address


class UserRateThrottle(throttling.UserRateThrottle):
    """DRF's throttle, keyed for a request without a user by the same client address as the
    audit log and django-axes (`client_address`): DRF's own NUM_PROXIES reading believes the
    leftmost, forgeable X-Forwarded-For entry when the header is shorter than the proxies."""

    def get_ident(self, request: Request) -> str:
        return client_address(request) or ""


class KeyedRateThrottle(throttling.SimpleRateThrottle):
    """A rate of `REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"][scope]` per key (an address, a code's
    hash), for a page outside the API: the public online assessment."""

    def __init__(self, scope: str, key: str) -> None:
        self.scope = scope
        self.key = key
        super().__init__()

    def get_cache_key(self, request: Request, view: object) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.key}


def page_allows(request: HttpRequest, scope: str, key: str | None = None) -> bool:
    """Whether a page's request is within the scope's rate, by `key` or by the client's
    address (`client_address`, as the audit log)."""
    throttle = KeyedRateThrottle(scope, key if key is not None else client_address(request) or "")
    return throttle.allow_request(cast("Request", request), cast("APIView", None))
