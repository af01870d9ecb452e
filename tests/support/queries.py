"""Counting the queries a page or an endpoint needs."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext


def count_queries(client, url: str) -> int:
    """The queries one GET of `url` takes (it must answer 200)."""
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200, url
    return len(queries)


def queries_per_page(client, urls: dict[str, str]) -> dict[str, int]:
    """The queries of each page or endpoint, by name: compare with the pinned counts as one
    dict, so a failure shows every count that changed."""
    return {name: count_queries(client, url) for name, url in urls.items()}
