"""The idle timeout, announced: pages say when the session will end and offer to stay signed in
(portal.js shows the warning `SESSION_WARNING_SECONDS` before `SESSION_IDLE_SECONDS`)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST


def session_timing(request: HttpRequest) -> dict[str, int]:
    """Context processor: the idle limit and how long before it the warning shows."""
    if not request.user.is_authenticated:
        return {}
    idle = settings.SESSION_COOKIE_AGE
    return {
        "session_idle_seconds": idle,
        "session_warning_seconds": min(settings.SESSION_WARNING_SECONDS, idle),
    }


@never_cache
@require_POST
def keepalive(request: HttpRequest) -> JsonResponse:
    """ "Stay signed in": a request like any other renews the session; this one does nothing else.
    An ended session answers 401 (not a redirect to the sign-in page: the caller is a script)."""
    if not request.user.is_authenticated:
        return JsonResponse({"signed_in": False}, status=401)
    request.session.modified = True  # renewed even if SESSION_SAVE_EVERY_REQUEST were off
    return JsonResponse({"signed_in": True, "idle_seconds": settings.SESSION_COOKIE_AGE})
