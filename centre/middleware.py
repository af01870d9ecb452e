from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import SESSION_KEY as USER_ID_SESSION_KEY
from django.contrib.auth.views import redirect_to_login
from django.contrib.sessions.middleware import SessionMiddleware
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import Resolver404, resolve
from django.utils import translation
from django.utils.cache import add_never_cache_headers, patch_vary_headers
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.models import Device

from centre import two_factor, user_sessions
from centre.models import User

# When a session nobody signed in to was last written (RenewingSessionMiddleware).
RENEWED_AT = "_renewed_at"


class LanguageMiddleware:
    """The language is the user's choice (a cookie set by the language switch), else Chinese.

    Unlike Django's LocaleMiddleware this ignores the browser's Accept-Language: school and
    centre laptops often run English browsers, and the portal's language is Chinese by default.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        patch_vary_headers(response, ["Cookie"])
        response.headers.setdefault("Content-Language", language)
        return response


class RenewingSessionMiddleware(SessionMiddleware):
    """Django's session middleware, except that a session nobody signed in to (the online
    self-assessment's) is renewed at most every `SESSION_RENEW_ANONYMOUS_SECONDS` when nothing
    in it changed, not written on every request: a class of 50 answering one question each
    15 seconds is otherwise one UPDATE and one commit per answer for nothing. Its idle limit is
    then `SESSION_COOKIE_AGE` minus at most that much (a quarter of it at most). A signed-in
    session is written on every request as before (SESSION_SAVE_EVERY_REQUEST): the idle
    warning counts on it."""

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        session = request.session
        if not session.modified and self._renewed_lately(session):
            patch_vary_headers(response, ["Cookie"])
            return response
        if not session.is_empty() and USER_ID_SESSION_KEY not in session:
            session[RENEWED_AT] = int(time.time())
        return super().process_response(request, response)

    @staticmethod
    def _renewed_lately(session: Any) -> bool:
        if session.is_empty() or USER_ID_SESSION_KEY in session:
            return False
        renewed = session.get(RENEWED_AT)
        # However short the idle limit is set, a quarter of it at most goes unrenewed.
        every = min(settings.SESSION_RENEW_ANONYMOUS_SECONDS, settings.SESSION_COOKIE_AGE // 4)
        return isinstance(renewed, int) and 0 <= time.time() - renewed < every


class NoStoreMiddleware:
    """Pages and API answers for a signed-in user are never kept by a browser or proxy cache
    (ASVS 14.3.2): a shared school computer must not show a child's record from its cache."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            add_never_cache_headers(response)
        return response


class PermissionsPolicyMiddleware:
    """Every answer turns off the browser features named in `PERMISSIONS_POLICY_OFF` (camera,
    microphone, geolocation, payment…): no page needs one, and a page made to misbehave (an
    injected script, a framed page) must not be able to ask for one either."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.header = ", ".join(f"{feature}=()" for feature in settings.PERMISSIONS_POLICY_OFF)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", self.header)
        return response


# The pages a signed-in user may open before the second factor (the step's own pages, signing
# out, the language, the idle warning's keepalive), and before a password change they were
# asked for (the change page, signing out...). Everything else — pages, the admin, the API —
# waits for the step.
OPEN_BEFORE_SECOND_FACTOR = frozenset(
    {"second-factor", "second-factor-setup", "logout", "set_language", "session-keepalive"}
)
OPEN_BEFORE_PASSWORD_CHANGE = frozenset(
    {"password-change", "logout", "set_language", "session-keepalive"}
)


class SignInStepsMiddleware:
    """The steps of signing in, on every request of a signed-in user, in order: a session older
    than `SESSION_ABSOLUTE_SECONDS` ends (audited); one that has not passed the second factor
    reaches only its pages (`second-factor`, or `second-factor-setup` for an account with no
    device yet); an account whose password an administrator chose reaches only the password
    change. A page is sent to the step (and back, `next`); the API answers 403.
    `request.sign_in_step` tells the layout to show no navigation meanwhile."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if not isinstance(user, User):  # anonymous
            return self.get_response(request)
        if user_sessions.session_outlived(request):
            user_sessions.session_expire(request)
            return self.refuse(request, settings.LOGIN_URL, _("Your session has ended."))
        name = self.url_name(request)
        if not two_factor.session_verified(request):
            request.sign_in_step = "second_factor"  # type: ignore[attr-defined]
            if name not in OPEN_BEFORE_SECOND_FACTOR:
                step = "second-factor" if two_factor.has_device(user) else "second-factor-setup"
                return self.refuse(request, step, _("Sign-in needs its second step first."))
        elif user.must_change_password:
            request.sign_in_step = "password"  # type: ignore[attr-defined]
            if name not in OPEN_BEFORE_PASSWORD_CHANGE:
                return self.refuse(request, "password-change", _("Choose a new password first."))
        user_sessions.session_seen(request)
        return self.get_response(request)

    @staticmethod
    def url_name(request: HttpRequest) -> str | None:
        try:
            return resolve(request.path_info).url_name
        except Resolver404:
            return None

    @staticmethod
    def refuse(request: HttpRequest, step: str, message: str) -> HttpResponse:
        if request.path_info.startswith("/api/"):
            return JsonResponse({"detail": message, "code": "sign_in_step_required"}, status=403)
        return redirect_to_login(request.get_full_path(), login_url=step)


class SecondFactorMiddleware:
    """`request.user.is_verified()` and `request.user.otp_device`, as django-otp's
    `OTPMiddleware` gives them, without its query on every request: a session is verified when
    `django_otp.login` put a device in it (after a code), and the device is read only when
    asked for. A device stops counting the moment its sessions end — and every path that
    removes or replaces devices ends them (`two_factor.second_factor_reset`); a session's
    user never changes without a new session (`django.contrib.auth.login` flushes it)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None:
            # Lazy like AuthenticationMiddleware's user (the stubs know no lazy user).
            lazy = SimpleLazyObject(lambda: self.with_second_factor(request, user))
            request.user = lazy  # type: ignore[assignment]
        return self.get_response(request)

    @staticmethod
    def with_second_factor(request: HttpRequest, user: Any) -> Any:
        persistent_id = (
            request.session.get(DEVICE_ID_SESSION_KEY) if user.is_authenticated else None
        )
        user.otp_device = (
            SimpleLazyObject(lambda: Device.from_persistent_id(persistent_id))
            if persistent_id
            else None
        )
        user.is_verified = lambda: user.otp_device is not None
        return user
