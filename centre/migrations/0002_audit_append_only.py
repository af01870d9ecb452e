"""On Postgres, the audit table refuses UPDATE and DELETE at the database itself, so no code path
of the application (raw SQL, a queryset method someone forgot) can rewrite the log."""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION centre_auditentry_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit entries are append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER centre_auditentry_append_only
    BEFORE UPDATE OR DELETE ON centre_auditentry
    FOR EACH ROW EXECUTE FUNCTION centre_auditentry_refuse_change();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS centre_auditentry_append_only ON centre_auditentry;
DROP FUNCTION IF EXISTS centre_auditentry_refuse_change();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("centre", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
