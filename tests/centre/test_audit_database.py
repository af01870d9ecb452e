"""The audit log cannot be emptied from the application's side of the database: TRUNCATE is
refused to every role but a superuser, and the role the web and workers connect as
(`grant_app_role`) may only INSERT and SELECT the audit tables."""

from __future__ import annotations

import uuid

import psycopg2
import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from centre.audit import audit_log
from centre.models import AuditEntry

AUDIT_TABLES = [
    "centre_auditentry",
    "centre_auditrecord",
    "centre_breakglassreview",
    "centre_auditchainanchor",
]
# A text column of each, for the UPDATE the application's role is refused.
TEXT_COLUMN = {
    "centre_auditentry": "target_type",
    "centre_auditrecord": "target_type",
    "centre_breakglassreview": "note",
    "centre_auditchainanchor": "chain_hash",
}


def role_name() -> str:
    return f"portal_app_test_{uuid.uuid4().hex[:10]}"


@pytest.mark.parametrize("table", AUDIT_TABLES)
def test_truncate_is_refused_to_a_role_that_holds_the_right(db, table):
    """Even a role granted TRUNCATE (the owner has it) cannot empty an audit table."""
    audit_log(actor=None, action="centre.test.written")
    role = role_name()
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # else pending FK checks refuse it first
        cursor.execute(f"CREATE ROLE {role}")
        cursor.execute(f"GRANT TRUNCATE ON {', '.join(AUDIT_TABLES)} TO {role}")
        cursor.execute(f"SET ROLE {role}")
        try:
            with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
                cursor.execute(f"TRUNCATE {table} CASCADE")
        finally:
            cursor.execute("RESET ROLE")
    assert AuditEntry.objects.filter(action="centre.test.written").exists()


@pytest.fixture
def app_role(transactional_db):
    """A login role as the DBA would create it, given its rights by `grant_app_role`; the
    grants are committed so that another connection sees them."""
    role = role_name()
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {role} LOGIN")
    call_command("grant_app_role", role, stdout=open("/dev/null", "w"))  # noqa: SIM115
    yield role
    with connection.cursor() as cursor:
        cursor.execute(f"DROP OWNED BY {role}")
        cursor.execute(f"DROP ROLE {role}")


@pytest.fixture
def as_app_role(app_role):
    settings = connection.settings_dict
    app_connection = psycopg2.connect(
        host=settings["HOST"], port=settings["PORT"], dbname=settings["NAME"], user=app_role
    )
    app_connection.autocommit = True
    yield app_connection
    app_connection.close()


def run(app_connection, statement: str, params=()):
    with app_connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall() if cursor.description else None


def test_the_app_role_appends_to_and_reads_the_audit_log(as_app_role):
    run(
        as_app_role,
        "INSERT INTO centre_auditentry (at, actor_username, action, target_type, target_id,"
        " result, reason, data) VALUES (now(), '', 'centre.test.by_app', '', '', 'success',"
        " '', '{}')",
    )
    found = run(
        as_app_role,
        "SELECT count(*) FROM centre_auditentry WHERE action = %s",
        ["centre.test.by_app"],
    )
    assert found == [(1,)]


@pytest.mark.parametrize("table", AUDIT_TABLES)
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE {table} SET {column} = 'rewritten'",
        "DELETE FROM {table}",
        "TRUNCATE {table} CASCADE",
        "ALTER TABLE {table} DISABLE TRIGGER USER",
        "ALTER TABLE {table} ADD COLUMN hidden text",
        "DROP TRIGGER IF EXISTS {table}_append_only ON {table}",
        "DROP TABLE {table} CASCADE",
    ],
)
def test_the_app_role_cannot_rewrite_or_empty_the_audit_log(as_app_role, table, statement):
    with pytest.raises(psycopg2.errors.InsufficientPrivilege):
        run(as_app_role, statement.format(table=table, column=TEXT_COLUMN[table]))


def test_the_app_role_cannot_write_a_purge_anchor(as_app_role):
    """Only the owner's purge writes one: an anchor the application could add would move the
    chain's start past entries it wants unchecked."""
    with pytest.raises(psycopg2.errors.InsufficientPrivilege):
        run(
            as_app_role,
            "INSERT INTO centre_auditchainanchor (chain_position, chain_hash, first_position,"
            " purged, before, at, by_id, export_sha256) VALUES (1, '', 1, 1, now(), now(), 1, '')",
        )
    with pytest.raises(psycopg2.errors.InsufficientPrivilege):
        run(
            as_app_role,
            "SELECT set_config('centre.audit_purge_through', '999999', false);"
            " DELETE FROM centre_auditentry",
        )


def test_the_app_role_works_normally_with_every_other_table(as_app_role):
    """Sequences included: an INSERT takes the next id."""
    (site_id,) = run(
        as_app_role,
        "INSERT INTO centre_site (created_at, updated_at, code, name, kind, path)"
        " VALUES (now(), now(), 'T1', 'test', 'city_centre', 'T1/') RETURNING id",
    )[0]
    run(as_app_role, "UPDATE centre_site SET name = 'renamed' WHERE id = %s", [site_id])
    run(as_app_role, "DELETE FROM centre_site WHERE id = %s", [site_id])
    run(as_app_role, "SELECT count(*) FROM django_session")


def test_the_command_refuses_the_owner_itself_and_a_missing_role(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        (owner,) = cursor.fetchone()
    with pytest.raises(CommandError, match="superuser or the role running"):
        call_command("grant_app_role", owner)
    with pytest.raises(CommandError, match="No database role"):
        call_command("grant_app_role", role_name())


def test_the_app_role_seals_an_entry_once_and_changes_nothing_else(as_app_role):
    """The sealer runs in a worker, as the application's role: it may set an entry's chain
    columns (a column grant), once (the trigger); no other column, and no second seal."""
    entry = audit_log(actor=None, action="centre.test.sealed_by_app")
    seal = "UPDATE centre_auditentry SET chain_position = %s, chain_hash = %s WHERE id = %s"
    run(as_app_role, seal, [10**12, "a" * 64, entry.pk])
    with pytest.raises(psycopg2.errors.RaiseException, match="append-only"):
        run(as_app_role, seal, [10**12 + 1, "b" * 64, entry.pk])
    with pytest.raises(psycopg2.errors.InsufficientPrivilege):
        run(as_app_role, "UPDATE centre_auditentry SET reason = 'x' WHERE id = %s", [entry.pk])
    with pytest.raises(psycopg2.errors.InsufficientPrivilege):
        run(as_app_role, "DELETE FROM centre_auditentry WHERE id = %s", [entry.pk])
