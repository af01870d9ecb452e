"""What was typed into a session that ended is kept, not lost (README "Sessions").

A form sent after the idle timeout reaches a signed-in page as an anonymous POST (the page sends
it to the sign-in page), or fails the CSRF check first (a sign-in in another tab rotated the
token, or the token lived in the ended session). Either way its fields are kept on the server for
`DRAFT_KEEP_SECONDS`: never a password or a token, at most `DRAFT_MAX_BYTES`, encrypted with a key
derived from `SECRET_KEY` and a random token that lives only in this browser's cookie, and never
logged. The draft belongs to the user whose session the browser presented (or to the signed-in
user): once that user is signed in again, the page the form was on shows it filled in, not yet
saved. Anyone else signing in on the browser gets nothing.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import secrets
from collections.abc import Callable
from importlib import import_module
from typing import Any
from urllib.parse import urlsplit

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.crypto import salted_hmac
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

COOKIE_NAME = "portal_draft"
# Fields never kept, by a word in their name: passwords, the CSRF token, one-time codes.
SECRET_WORDS = ("password", "csrf", "token", "secret", "otp")


def keep(request: HttpRequest) -> HttpResponse | None:
    """Keep the fields of a POST that could not be saved; answer where to go to get them back,
    or None when there is nothing to keep (or no one it could be given back to)."""
    if request.method != "POST" or request.path == resolve_url(settings.LOGIN_URL):
        return None
    fields = _fields(request)
    if not _sent_from_our_page(request) or not any(value.strip() for _name, value in fields):
        return None
    owner = _owner(request)
    if owner is None:  # no one it could safely be given back to
        messages.error(request, _("Your session had ended; what you sent could not be kept."))
        return None
    page = _form_page(request)
    draft = {"owner": owner, "page": page, "action": request.path, "fields": fields}
    payload = json.dumps({**draft, "files": bool(request.FILES)}, ensure_ascii=False).encode()
    if len(payload) > settings.DRAFT_MAX_BYTES:
        messages.error(request, _("What you sent was too long to keep; it was not saved."))
        return None
    _forget(request.COOKIES.get(COOKIE_NAME))  # one draft a browser: the latest
    token = secrets.token_urlsafe(32)
    cache.set(_cache_key(token), _cipher(token).encrypt(payload), settings.DRAFT_KEEP_SECONDS)
    logger.info("Kept a draft of %d bytes for user %s", len(payload), owner)
    request.draft_kept = True  # type: ignore[attr-defined]  # read by the middleware
    return _way_back(request, page, token)


def _fields(request: HttpRequest) -> list[list[str]]:
    return [
        [name, value]
        for name, values in request.POST.lists()
        if not any(word in name.lower() for word in SECRET_WORDS)
        for value in values
    ]


def _way_back(request: HttpRequest, page: str, token: str) -> HttpResponse:
    """To the form's page, through the sign-in page if need be, with the draft's cookie."""
    if request.user.is_authenticated:
        response = redirect(page)
    else:
        messages.warning(
            request,
            _("Your session had ended. What you sent is kept: sign in again to get it back."),
        )
        response = redirect_to_login(page)
    response.set_cookie(
        COOKIE_NAME,
        token,
        max_age=settings.DRAFT_KEEP_SECONDS,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
    return response


def claim(request: HttpRequest) -> dict[str, Any] | None:
    """The draft this browser kept, if the signed-in user is its owner and this is its page."""
    token = request.COOKIES.get(COOKIE_NAME)
    if not token or not request.user.is_authenticated:
        return None
    sealed = cache.get(_cache_key(token))
    if sealed is None:
        return None
    try:
        draft: dict[str, Any] = json.loads(
            _cipher(token).decrypt(sealed, ttl=settings.DRAFT_KEEP_SECONDS)
        )
    except InvalidToken:
        return None
    if str(draft["owner"]) != str(request.user.pk) or draft["page"] != request.get_full_path():
        return None
    draft["fields_json"] = json.dumps(draft["fields"], ensure_ascii=False)
    return draft


def _forget(token: str | None, response: HttpResponse | None = None) -> None:
    if token:
        cache.delete(_cache_key(token))
    if response is not None:
        response.delete_cookie(COOKIE_NAME, samesite="Lax")


def _cache_key(token: str) -> str:
    # The cache sees a digest, never the token that decrypts the draft.
    return "draft:" + hashlib.sha256(token.encode()).hexdigest()


def _cipher(token: str) -> Fernet:
    key = salted_hmac("centre.drafts", token, algorithm="sha256").digest()
    return Fernet(base64.urlsafe_b64encode(key))


def _owner(request: HttpRequest) -> str | None:
    """The signed-in user, or the user whose session this browser presented, now ended."""
    if request.user.is_authenticated:
        return str(request.user.pk)
    session_key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    store = import_module(settings.SESSION_ENGINE).SessionStore
    if not session_key or not hasattr(store, "get_model_class"):
        return None
    # An ended session's row stays until `clearsessions`; loading it the usual way ignores it.
    row = store.get_model_class().objects.filter(session_key=session_key).first()
    return store().decode(row.session_data).get(SESSION_KEY) if row else None


def _sent_from_our_page(request: HttpRequest) -> bool:
    """The browser says the form was on one of our pages (the CSRF check may not have run)."""
    own = f"{request.scheme}://{request.get_host()}"
    origin = request.headers.get("Origin")
    if origin:
        return origin == own or origin in settings.CSRF_TRUSTED_ORIGINS
    referer = request.headers.get("Referer", "")
    return referer.startswith(own + "/")


def _form_page(request: HttpRequest) -> str:
    """Where the form was shown (the Referer), else where it was sent."""
    referer = urlsplit(request.headers.get("Referer", ""))
    page = referer.path + (f"?{referer.query}" if referer.query else "")
    if page and url_has_allowed_host_and_scheme(page, allowed_hosts=None):
        return page
    return request.get_full_path()


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """`CSRF_FAILURE_VIEW`: a form from our own page refused for its token is kept, not lost;
    else the portal's own page in its language (Django's asks to set DEBUG=True), with a
    link back to the page (a student's public page too)."""
    return keep(request) or render(request, "403_csrf.html", status=403)


class KeptDraftMiddleware:
    """Keeps a form sent to the sign-in page, and gives it back on its page after sign-in."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.login_path = resolve_url(settings.LOGIN_URL)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        kept_draft = claim(request) if request.method == "GET" else None
        request.kept_draft = kept_draft  # type: ignore[attr-defined]  # for the page's template
        response = self.get_response(request)
        if kept_draft and response.status_code == 200:
            _forget(request.COOKIES[COOKIE_NAME], response)  # given back once
        elif self._sent_to_sign_in(request, response):
            response = keep(request) or response
        return response

    def _sent_to_sign_in(self, request: HttpRequest, response: HttpResponse) -> bool:
        return (
            request.method == "POST"
            and not getattr(request, "draft_kept", False)
            and not request.user.is_authenticated
            and response.status_code == 302
            and urlsplit(response.get("Location", "")).path == self.login_path
        )
