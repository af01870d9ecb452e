"""`python manage.py grant_app_role portal_app`: the rights of the role the web and worker
processes connect as, given by the owner of the tables (the role that runs `migrate`).

The application role reads and writes every table and sequence of the schema, except the audit
tables: those it may only INSERT into and SELECT from (and set an entry's chain columns, which
the trigger allows once, from empty: the sealer's); the purge anchors it may only SELECT.
Not owning them, it can neither UPDATE,
DELETE, TRUNCATE nor ALTER them, nor disable or drop their triggers. Run it after every
`migrate` (it is idempotent): tables added by a migration need their grants too."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, models, transaction

from centre.models import AuditChainAnchor, AuditEntry, AuditRecord, BreakGlassReview

APPEND_ONLY_MODELS = (AuditEntry, AuditRecord, BreakGlassReview)
# Written by the owner's purge only (`audit_purge`): the application may only read them.
READ_ONLY_MODELS: tuple[type[models.Model], ...] = (AuditChainAnchor,)
CHAIN_COLUMNS = ("chain_position", "content_hash", "previous_hash", "chain_hash")


def grant_statements(role: str) -> list[str]:
    quoted = connection.ops.quote_name(role)
    schema = connection.ops.quote_name(current_schema())
    statements = [
        f"GRANT USAGE ON SCHEMA {schema} TO {quoted}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {quoted}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {quoted}",
    ]
    limited: list[tuple[type[models.Model], str]]
    limited = [(model, "SELECT, INSERT") for model in APPEND_ONLY_MODELS]
    limited += [(model, "SELECT") for model in READ_ONLY_MODELS]
    for model, rights in limited:
        table = connection.ops.quote_name(model._meta.db_table)
        statements += [
            f"REVOKE ALL ON {table} FROM {quoted}",
            f"GRANT {rights} ON {table} TO {quoted}",
        ]
    # The sealer (a worker) sets an entry's chain columns once; the trigger refuses the rest.
    chain_columns = ", ".join(CHAIN_COLUMNS)
    statements.append(f"GRANT UPDATE ({chain_columns}) ON {AuditEntry._meta.db_table} TO {quoted}")
    return statements


def current_schema() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        return str(cursor.fetchone()[0])


def check_role(role: str) -> None:
    """The role exists and is neither the owner running this nor a superuser (who could rewrite
    the log whatever it is granted)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT rolsuper, rolname = current_user FROM pg_roles WHERE rolname = %s", [role]
        )
        found = cursor.fetchone()
    if found is None:
        raise CommandError(f"No database role {role!r}: create it first (CREATE ROLE … LOGIN).")
    superuser, is_owner = found
    if superuser or is_owner:
        raise CommandError(
            f"{role!r} is a superuser or the role running this command: the web and worker "
            "processes need a role of their own, without ownership of the tables."
        )


class Command(BaseCommand):
    help = (
        "Grant the application's database role normal rights on every table and sequence, and "
        "only INSERT and SELECT on the audit tables. Run as the owner, after migrate."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("role", help="The role DATABASE_URL of the web and workers names.")

    def handle(self, *args: Any, role: str, **options: Any) -> None:
        if connection.vendor != "postgresql":
            raise CommandError(
                "Database roles are a Postgres deployment's: DATABASE_URL=postgres://…"
            )
        check_role(role)
        with transaction.atomic(), connection.cursor() as cursor:
            for statement in grant_statements(role):
                cursor.execute(statement)
        self.stdout.write(f"{role}: granted; the audit tables are INSERT and SELECT only.")
