"""The API's throttle, and the tries counted on the public pages. A module of its own: DRF
imports it while `rest_framework.views` is being imported, so it must not import the API module
(which imports `rest_framework.views`)."""

from __future__ import annotations

import contextlib
import time
from typing import cast

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from rest_framework import throttling
from rest_framework.request import Request

from centre.audit import client_address


class UserRateThrottle(throttling.UserRateThrottle):
    """DRF's throttle, keyed for a request without a user by the same client address as the
    audit log and django-axes (`client_address`): DRF's own NUM_PROXIES reading believes the
    leftmost, forgeable X-Forwarded-For entry when the header is shorter than the proxies."""

    def get_ident(self, request: Request) -> str:
        return client_address(request) or ""


def _rate(scope: str) -> tuple[int, int]:
    """The scope's rate as (tries, seconds), read from settings at each call (a test may set
    it): `REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"][scope]`, "20/hour" as DRF writes it."""
    rates = cast("dict[str, str]", settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"])
    tries, period = rates[scope].split("/")
    return int(tries), PERIOD_SECONDS[period[0]]


PERIOD_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def _tries_key(request: HttpRequest | None, scope: str, key: str | None) -> tuple[str, int]:
    """The cache key counting the scope's tries by `key` (or the client's address, as the audit
    log) in the current period, and the period's length."""
    _tries, seconds = _rate(scope)
    ident = key if key is not None else client_address(request) or ""
    period = int(time.time()) // seconds
    return f"page-tries:{scope}:{ident}:{period}", seconds


def page_try(request: HttpRequest, scope: str, key: str | None = None) -> bool:
    """Count one try of a page's request, by `key` or by the client's address; whether it is
    within the scope's rate. The count is kept in the cache with an atomic increment, so that
    tries sent in parallel are all counted (DRF's throttle reads, appends and writes back a
    list: parallel requests overwrite each other's entry and pass the limit). The counts are
    per fixed period: at most twice the rate across a period's end."""
    return _count(*_tries_key(request, scope, key)) <= _rate(scope)[0]


def _count(cache_key: str, seconds: int) -> int:
    """One more in the period's count (an atomic increment in the cache); the count."""
    cache.add(cache_key, 0, timeout=seconds + 1)
    try:
        return int(cache.incr(cache_key))
    except ValueError:  # expired between the add and the increment: a new period
        cache.add(cache_key, 1, timeout=seconds + 1)
        return 1


def page_try_refund(request: HttpRequest, scope: str, key: str | None = None) -> None:
    """Give back a try that turned out right (a student's own code): only wrong tries count,
    so a whole class behind the school's one address is never stopped by its own starts."""
    cache_key, _seconds = _tries_key(request, scope, key)
    with contextlib.suppress(ValueError):  # the period ended since: nothing to give back
        cache.decr(cache_key)


def failures_below_rate(request: HttpRequest, scope: str, key: str | None = None) -> bool:
    """Whether fewer failures than the scope's rate were counted for `key` (by default the
    client's address) in the current period: for a step where only wrong tries count (the second
    sign-in step), not every visit."""
    cache_key, _seconds = _tries_key(request, scope, key)
    return int(cache.get(cache_key) or 0) < _rate(scope)[0]


def failure_record(request: HttpRequest, scope: str, key: str | None = None) -> None:
    """Count one failure for `key` in the scope's period (`failures_below_rate`)."""
    _count(*_tries_key(request, scope, key))


def tries_forget(scope: str, key: str) -> None:
    """Forget the tries counted for `key` (an account's key, or an address) in the scope's
    current period: for tests and tools starting a count again, never a page's request."""
    cache.delete(_tries_key(None, scope, key)[0])
