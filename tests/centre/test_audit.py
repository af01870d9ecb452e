from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from centre.audit import audit_log
from centre.models import AuditEntry
from tests.support.accounts import DEMO_PASSWORD


@pytest.fixture
def entry(account):
    return audit_log(actor=account("auditor"), action="centre.test.written")


def test_the_application_cannot_change_an_entry(entry):
    entry.action = "centre.test.rewritten"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        AuditEntry.objects.filter(pk=entry.pk).update(action="centre.test.rewritten")


def test_the_application_cannot_delete_an_entry(entry):
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.filter(pk=entry.pk).delete()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE centre_auditentry SET action = 'rewritten'",
        "DELETE FROM centre_auditentry",
    ],
)
def test_the_database_refuses_raw_changes_too(entry, statement):
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement)
    entry.refresh_from_db()
    assert entry.action == "centre.test.written"


def test_signing_in_and_out_is_audited_with_the_address(client, account):
    client.post("/login/", {"username": "counsellor", "password": DEMO_PASSWORD})
    client.post("/logout/")
    actions = list(
        AuditEntry.objects.filter(actor=account("counsellor"))
        .order_by("id")
        .values_list("action", "result", "ip_address")
    )
    assert actions == [
        ("centre.session.login", "success", "127.0.0.1"),
        ("centre.session.logout", "success", "127.0.0.1"),
    ]


def test_a_failed_sign_in_is_audited_without_the_password(client, demo_network):
    client.post("/login/", {"username": "counsellor", "password": "wrong-password"})
    entry = AuditEntry.objects.get(action="centre.session.login", result="failed")
    assert entry.actor is None
    assert entry.actor_username == "counsellor"
    assert "wrong-password" not in str(entry.data)
