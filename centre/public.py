"""Pages for people who never sign in (the online self-assessment): what their responses carry
besides the page. A student's answers are on these pages (the chosen radio button, the review),
often on a shared school computer, so no browser or proxy keeps them; nothing outside the portal
runs or is asked for; and no page's address goes elsewhere as a referrer."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers


class PublicPageMixin:
    """For a class-based view of a page without sign-in: never cached, no referrer, not indexed
    by search engines (the content security policy is every page's: settings, django-csp)."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response: HttpResponse = super().dispatch(request, *args, **kwargs)  # type: ignore[misc]
        add_never_cache_headers(response)
        response["Referrer-Policy"] = "no-referrer"
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response
