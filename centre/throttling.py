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


def failures_below_rate(request: HttpRequest, scope: str, key: str | None = None) -> bool:
    """Whether fewer failures than the scope's rate were recorded for `key` (by default the
    client's address) within its period: for a step where only wrong tries count (the second
    sign-in step), not every visit."""
    throttle = _failure_throttle(request, scope, key)
    allowed, _period = throttle.parse_rate(throttle.get_rate())
    return len(_recent_failures(throttle)) < (allowed or 0)


def failure_record(request: HttpRequest, scope: str, key: str | None = None) -> None:
    """Count one failure for `key` in the scope's period (`failures_below_rate`)."""
    throttle = _failure_throttle(request, scope, key)
    history = [throttle.timer(), *_recent_failures(throttle)]
    throttle.cache.set(throttle.key, history, _period(throttle))


def _failure_throttle(request: HttpRequest, scope: str, key: str | None) -> KeyedRateThrottle:
    throttle = KeyedRateThrottle(scope, key if key is not None else client_address(request) or "")
    throttle.key = throttle.get_cache_key(cast("Request", request), None)
    return throttle


def _period(throttle: KeyedRateThrottle) -> int:
    _allowed, period = throttle.parse_rate(throttle.get_rate())
    return period or 0


def _recent_failures(throttle: KeyedRateThrottle) -> list[float]:
    since = throttle.timer() - _period(throttle)
    return [moment for moment in throttle.cache.get(throttle.key, []) if moment > since]
