"""The API's throttle. A module of its own: DRF imports it while `rest_framework.views` is being
imported, so it must not import the API module (which imports `rest_framework.views`)."""

from __future__ import annotations

from rest_framework import throttling
from rest_framework.request import Request

from centre.audit import client_address


class UserRateThrottle(throttling.UserRateThrottle):
    """DRF's throttle, keyed for a request without a user by the same client address as the
    audit log and django-axes (`client_address`): DRF's own NUM_PROXIES reading believes the
    leftmost, forgeable X-Forwarded-For entry when the header is shorter than the proxies."""

    def get_ident(self, request: Request) -> str:
        return client_address(request) or ""
