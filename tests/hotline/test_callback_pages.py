"""The callbacks page for each persona: who sees it, mine first, the outcome form keeping
what was typed on bad input, 404 outside one's callbacks; the read audited."""

from __future__ import annotations

import pytest

from centre.models import AuditEntry
from hotline.models import Callback
from tests.support.accounts import sign_in

pytestmark = pytest.mark.django_db
URL = "/hotline/callbacks/"
WANTED = {"callback_wanted": True, "callback_consent": True}


@pytest.mark.parametrize(
    ("username", "status"),
    [
        ("operator", 200),
        ("supervisor", 200),
        ("counsellor", 403),
        ("liaison", 403),
        ("stats", 403),
        ("auditor", 403),
        ("crisis", 403),
    ],
)
def test_who_sees_the_page(client, operator, make_call, username, status):
    make_call(operator, **WANTED)
    sign_in(client, username)
    assert client.get(URL).status_code == status


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_operator_sees_theirs_and_records_an_outcome(client, operator, make_call, language):
    callback = Callback.objects.get(call=make_call(operator, **WANTED))
    sign_in(client, "operator", language=language)
    page = client.get(URL)
    assert page.status_code == 200
    assert f'id="callback-{callback.pk}"' in page.content.decode()
    assert ("回访" if language == "zh-hans" else "Callbacks") in page.content.decode()
    assert AuditEntry.objects.filter(action="hotline.callback.listed").exists()
    outcome = f"/hotline/callbacks/{callback.pk}/outcome/"
    typed = "x" * 10_000
    bad = client.post(outcome, {"version": callback.version, "status": "done", "note": typed})
    assert bad.status_code == 400
    assert typed in bad.content.decode()
    missing = client.post(outcome, {"version": callback.version, "note": "kept <b>"})
    assert missing.status_code == 400
    assert "kept &lt;b&gt;" in missing.content.decode()
    stale = client.post(outcome, {"version": 99, "status": "done"})
    assert stale.status_code == 409
    done = client.post(
        outcome, {"version": callback.version, "status": "not_reached", "note": "\x00busy"}
    )
    assert done.status_code == 302
    callback.refresh_from_db()
    assert (callback.status, callback.outcome_note) == ("not_reached", "busy")
    assert f'id="callback-{callback.pk}"' not in client.get(URL).content.decode()


def test_another_sites_callback_is_404(client, olga, make_call):
    callback = Callback.objects.get(call=make_call(olga, **WANTED))
    sign_in(client, "operator")
    for callback_id in (callback.pk, callback.pk + 10_000):
        answer = client.post(
            f"/hotline/callbacks/{callback_id}/outcome/", {"version": 1, "status": "done"}
        )
        assert answer.status_code == 404
    callback.refresh_from_db()
    assert callback.status == "open"
