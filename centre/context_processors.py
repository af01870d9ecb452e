from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from centre import navigation as navigation_registry
from centre.models import Notification


def navigation(request: HttpRequest) -> dict:
    user = request.user
    current = request.resolver_match.view_name if request.resolver_match else ""
    unread = 0
    if user.is_authenticated:
        unread = Notification.objects.filter(user=user, read_at__isnull=True).count()
    return {
        "portal_name": settings.PORTAL_NAME,
        "navigation_items": navigation_registry.items_for(user),
        "current_view": current,
        "unread_notifications": unread,
    }
