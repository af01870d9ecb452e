"""The callbacks API: the same visibility as the selectors, audited list, outcome versioned."""

from __future__ import annotations

import pytest

from centre.models import AuditEntry
from hotline.models import Callback
from tests.support.accounts import sign_in

API = "/api/v1/hotline"
WANTED = {"callback_wanted": True, "callback_consent": True}


def test_an_operator_lists_and_closes_their_callback(client, operator, make_call):
    callback = Callback.objects.get(call=make_call(operator, **WANTED))
    sign_in(client, "operator")
    listed = client.get(f"{API}/callbacks/")
    assert listed.status_code == 200
    assert [row["id"] for row in listed.json()["results"]] == [callback.pk]
    assert AuditEntry.objects.filter(action="hotline.callback.listed").exists()
    url = f"{API}/callbacks/{callback.pk}/outcome/"
    for payload in (
        {"version": callback.version, "status": "open"},
        {"version": callback.version, "status": "done", "note": "x" * 10_000},
        {"version": callback.version, "status": "done", "note": "a\x00b"},
        {"version": 0, "status": "done"},
        {"status": "done"},
    ):
        answer = client.post(url, payload, content_type="application/json")
        assert answer.status_code == 400, (payload, answer.content)
    stale = client.post(
        url, {"version": callback.version + 1, "status": "done"}, content_type="application/json"
    )
    assert stale.status_code == 409
    done = client.post(
        url,
        {"version": callback.version, "status": "done", "note": "<script>x</script>"},
        content_type="application/json",
    )
    assert done.status_code == 200, done.content
    assert (done.json()["status"], done.json()["version"]) == ("done", 2)
    assert client.get(f"{API}/callbacks/").json()["results"] == []
    again = client.post(url, {"version": 2, "status": "done"}, content_type="application/json")
    assert again.status_code == 400


@pytest.mark.parametrize("username", ["counsellor", "liaison", "stats", "auditor", "crisis"])
def test_other_roles_are_refused(client, operator, make_call, username):
    callback = Callback.objects.get(call=make_call(operator, **WANTED))
    sign_in(client, username)
    assert client.get(f"{API}/callbacks/").status_code == 403
    answer = client.post(
        f"{API}/callbacks/{callback.pk}/outcome/",
        {"version": 1, "status": "done"},
        content_type="application/json",
    )
    assert answer.status_code in (403, 404)
    callback.refresh_from_db()
    assert callback.status == "open"


def test_another_sites_callback_is_404(client, olga, make_call):
    callback = Callback.objects.get(call=make_call(olga, **WANTED))
    sign_in(client, "operator")
    assert client.get(f"{API}/callbacks/").json()["results"] == []
    for callback_id in (callback.pk, callback.pk + 10_000):
        answer = client.post(
            f"{API}/callbacks/{callback_id}/outcome/",
            {"version": 1, "status": "done"},
            content_type="application/json",
        )
        assert answer.status_code == 404
