from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from centre import navigation as navigation_registry
from centre.models import Notification, User


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    current = request.resolver_match.view_name if request.resolver_match else ""
    unread = 0
    if user.is_authenticated:
        unread = Notification.objects.filter(user=user, read_at__isnull=True).count()
    return {
        "portal_name": settings.PORTAL_NAME,
        "navigation_items": navigation_registry.items_for(user) if isinstance(user, User) else [],
        "current_view": current,
        "unread_notifications": unread,
    }


def language_switch(request: HttpRequest) -> dict[str, str]:
    """Where the language switch returns: the page the user was reading.

    A page rendered by a POST (a form sent back with its errors) may live at an address that
    only takes POST (`…/change/risk/`): returning there would answer 405. Then the page the form
    was sent from (the Referer) is the one being read; else the address itself if it answers GET,
    else the home page."""
    if request.method in ("GET", "HEAD"):
        return {"language_next": request.get_full_path()}
    referer = request.META.get("HTTP_REFERER", "")
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        page = urlsplit(referer)
        return {"language_next": f"{page.path}?{page.query}" if page.query else page.path}
    match = request.resolver_match
    view_class = getattr(match.func, "view_class", None) if match else None
    if view_class is not None and hasattr(view_class, "get"):
        return {"language_next": request.path}
    return {"language_next": reverse("home")}
