"""Shift handover: the outgoing shift writes a note for its site; the next shift sees it first on
the calls page until they mark it read; open alerts and callbacks are listed on the handover as
they are now. Another site's note answers 404; bad input 400."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from centre.models import AuditEntry
from hotline.models import Callback, CrisisAlert, HandoverRead, ShiftHandover
from tests.support.accounts import DEMO_PASSWORD, sign_in


def _when(hours: float = 0) -> str:
    return (timezone.localtime() + datetime.timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def olivia(staff_at):
    """The next shift's operator at the city centre, beside `operator`."""
    return staff_at("olivia", "hotline_operator", "CITY")


def test_the_next_shift_reads_the_note_first_and_marks_it_read(client, operator, olivia):
    sign_in(client, "operator")
    assert client.get("/hotline/handover/").status_code == 200
    written = client.post(
        "/hotline/handover/", {"shift_ends_at": _when(), "note": "3号线回访未接通，请早班再打。"}
    )
    assert written.status_code == 302
    handover = ShiftHandover.objects.get()
    assert (handover.author, handover.site) == (operator, operator.site)
    entry = AuditEntry.objects.get(action="hotline.handover.written")
    assert "回访" not in str(entry.data)
    # its author has nothing waiting
    assert 'id="handover-waiting"' not in client.get("/hotline/calls/").text

    client.logout()
    assert client.login(username="olivia", password=DEMO_PASSWORD)
    calls = client.get("/hotline/calls/")
    assert 'id="handover-waiting"' in calls.text
    page = client.get("/hotline/handover/")
    assert "3号线回访未接通" in page.text
    assert f"/hotline/handover/{handover.pk}/read/" in page.text
    assert client.post(f"/hotline/handover/{handover.pk}/read/").status_code == 302
    assert client.post(f"/hotline/handover/{handover.pk}/read/").status_code == 302  # once
    assert HandoverRead.objects.filter(handover=handover, reader=olivia).count() == 1
    assert AuditEntry.objects.filter(action="hotline.handover.read").count() == 1
    assert 'id="handover-waiting"' not in client.get("/hotline/calls/").text
    assert f"/hotline/handover/{handover.pk}/read/" not in client.get("/hotline/handover/").text


def test_open_alerts_and_callbacks_are_carried_over(client, operator, make_call):
    call = make_call(operator)
    now = timezone.now()
    alert = CrisisAlert.objects.create(
        site=call.site,
        call=call,
        raised_by=operator,
        acknowledge_by=now - datetime.timedelta(minutes=1),
    )
    callback = Callback.objects.create(
        call=call, site=call.site, owner=operator, due_at=now - datetime.timedelta(hours=1)
    )
    Callback.objects.create(
        call=call, site=call.site, owner=operator, due_at=now, status=Callback.Status.DONE
    )
    sign_in(client, "operator", language="en")
    page = client.get("/hotline/handover/")
    assert f"/hotline/alerts/{alert.pk}/" in page.text
    assert "1 open alert" in page.text
    assert "1 open callback" in page.text
    assert f"#{callback.call_id}" in page.text
    assert "Overdue" in page.text
    assert AuditEntry.objects.filter(action="hotline.callback.listed").exists()
    assert AuditEntry.objects.filter(action="hotline.alert.listed").exists()


@pytest.mark.parametrize(
    "fields",
    [
        {"shift_ends_at": "", "note": "note"},
        {"shift_ends_at": "0001-01-01T00:00", "note": "note"},
        {"shift_ends_at": _when(72), "note": "note"},
        {"shift_ends_at": "²", "note": "note"},
        {"shift_ends_at": _when(), "note": "   ……  "},
        {"shift_ends_at": _when(), "note": "x" * 4001},
        {"shift_ends_at": _when(), "note": "a\x00b"},
    ],
)
def test_bad_input_answers_400(client, operator, fields):
    sign_in(client, "operator")
    answer = client.post("/hotline/handover/", fields)
    assert answer.status_code == 400
    assert "errorlist" in answer.text
    assert not ShiftHandover.objects.exists()


def test_another_sites_note_answers_404(client, operator, otto, olga, sam):
    k02 = ShiftHandover.objects.create(
        site=otto.site, author=otto, shift_ends_at=timezone.now(), note="K02 note"
    )
    k01 = ShiftHandover.objects.create(
        site=olga.site, author=olga, shift_ends_at=timezone.now(), note="K01 note"
    )
    sign_in(client, "operator")  # CITY: its own site's notes only
    assert "K01 note" not in client.get("/hotline/handover/").text
    for note in (k01, k02):
        assert client.post(f"/hotline/handover/{note.pk}/read/").status_code == 404
    assert client.post(f"/hotline/handover/{k02.pk + 1000}/read/").status_code == 404
    sign_in(client, "supervisor")  # K01 and below
    page = client.get("/hotline/handover/")
    assert "K01 note" in page.text
    assert "K02 note" not in page.text
    assert client.post(f"/hotline/handover/{k02.pk}/read/").status_code == 404
    assert client.post(f"/hotline/handover/{k01.pk}/read/").status_code == 302
    assert not HandoverRead.objects.filter(reader=operator).exists()


@pytest.mark.parametrize(
    ("username", "page", "record"),
    [
        ("operator", 200, 302),
        ("supervisor", 200, 404),  # K01: the CITY note is outside the tree
        ("crisis", 403, 404),
        ("counsellor", 403, 404),
        ("liaison", 403, 404),
        ("outreach", 403, 404),
        ("stats", 403, 404),
        ("auditor", 403, 404),
        ("admin", 403, 404),
    ],
)
def test_persona_matrix(client, operator, username, page, record):
    note = ShiftHandover.objects.create(
        site=operator.site, author=operator, shift_ends_at=timezone.now(), note="note"
    )
    sign_in(client, username)
    assert client.get("/hotline/handover/").status_code == page
    assert client.post(f"/hotline/handover/{note.pk}/read/").status_code == record


def test_the_page_reads_in_both_languages(client, operator):
    sign_in(client, "operator")
    assert "交接班" in client.get("/hotline/handover/").text
    sign_in(client, "operator", language="en")
    assert "Shift handover" in client.get("/hotline/handover/").text
