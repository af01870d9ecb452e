"""Every open callback is within reach, however many: the page and the API page them in their
own order (mine first, the earliest due first), where they were cut at 500."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from hotline.models import Callback

pytestmark = pytest.mark.django_db

WANTED = {"callback_wanted": True, "callback_consent": True}


@pytest.fixture
def many_callbacks(olga, staff_at, make_call):
    """Olga's 3 callbacks and 60 of a colleague at her site, each an hour apart."""
    kolya = staff_at("kolya", "hotline_operator", "K01")
    template = Callback.objects.get(call=make_call(kolya, **WANTED))
    mine = [Callback.objects.get(call=make_call(olga, **WANTED)) for _ in range(3)]
    now = timezone.now()
    Callback.objects.bulk_create(
        Callback(
            call=template.call,
            site=template.site,
            owner=kolya,
            due_at=now + datetime.timedelta(hours=n),
        )
        for n in range(59)
    )
    Callback.objects.filter(pk__in=[cb.pk for cb in mine]).update(
        due_at=now + datetime.timedelta(days=30)
    )
    return {"mine": [cb.pk for cb in mine], "all": Callback.objects.filter(status="open").count()}


def test_the_page_shows_every_callback_in_pages_mine_first(client, olga, many_callbacks):
    client.force_login(olga)
    seen, query = [], {}
    while query is not None:
        answer = client.get("/hotline/callbacks/", query)
        assert answer.status_code == 200
        page = answer.context["page"]
        seen += [cb.pk for cb in page.object_list]
        query = {"older": page.older} if page.older else None
    assert len(seen) == len(set(seen)) == many_callbacks["all"] == 63
    assert seen[:3] == many_callbacks["mine"]  # due in a month, still first: they are hers
    assert len(answer.context["page"].object_list) == 13  # 50 on the first page


def test_the_api_pages_them_with_next_and_previous(client, olga, many_callbacks):
    client.force_login(olga)
    first = client.get("/api/v1/hotline/callbacks/").json()
    assert len(first["results"]) == 50
    assert first["previous"] is None
    assert [row["id"] for row in first["results"][:3]] == many_callbacks["mine"]
    second = client.get(first["next"]).json()
    assert len(second["results"]) == 13
    assert second["next"] is None
    back = client.get(second["previous"]).json()
    assert [row["id"] for row in back["results"]] == [row["id"] for row in first["results"]]


@pytest.mark.parametrize(
    "cursor",
    [
        "x",
        "0~\x00~1",
        "1~9999-99-99~1",
        "²",
        "1~2026-01-01T00:00+00:00~9" * 50,
        "7~2026-01-01T00:00+00:00~99999999999999999999",
    ],
)
def test_a_tampered_position_is_a_400(client, olga, many_callbacks, cursor):
    client.force_login(olga)
    assert client.get("/hotline/callbacks/", {"older": cursor}).status_code == 400
    assert client.get("/api/v1/hotline/callbacks/", {"newer": cursor}).status_code == 400
