"""The audit table refuses TRUNCATE too: a row trigger never sees one (migration 0002 covers
UPDATE and DELETE). Only a database superuser may still empty it (a test database's flush, a
DBA's deliberate retention work): a superuser could drop any trigger anyway. The application's
own role is kept away by privileges (`manage.py grant_app_role`, README "Running in production")."""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION centre_auditentry_refuse_truncate() RETURNS trigger AS $$
BEGIN
    IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'audit entries are append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER centre_auditentry_no_truncate
    BEFORE TRUNCATE ON centre_auditentry
    FOR EACH STATEMENT EXECUTE FUNCTION centre_auditentry_refuse_truncate();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS centre_auditentry_no_truncate ON centre_auditentry;
DROP FUNCTION IF EXISTS centre_auditentry_refuse_truncate();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("centre", "0009_statistics_rollup_beat")]
    operations = [migrations.RunPython(forward, backward)]
