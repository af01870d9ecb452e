"""Purging the audit log through its supported path (`manage.py audit_purge`,
centre.audit_purge): the anchor the chain starts from after a purge, and triggers that let the
owner's purge delete the entries it anchors, inside its own transaction only.

The append-only triggers now let a DELETE through when, and only when, the transaction has set
`centre.audit_purge_through` (SET LOCAL: it ends with the transaction) and the row is sealed at
or before that chain position, and the role deleting owns the table (or is a superuser). The
application's role owns nothing and holds no DELETE on these tables anyway: the setting, which
any role can set, gives it nothing. Records and break-glass reviews go with their entry. The
anchors themselves are append-only like the log, for every role."""

import importlib

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# The sealer's rules of 0018 (the chain columns set once, nothing else), plus the purge's DELETE.
chain = importlib.import_module("centre.migrations.0018_audit_chain")

PURGING = """
CREATE OR REPLACE FUNCTION centre_audit_purging(chained_at bigint, relation oid) RETURNS boolean AS $$
DECLARE
    through text := current_setting('centre.audit_purge_through', true);
BEGIN
    IF chained_at IS NULL OR through IS NULL OR through = '' THEN
        RETURN false;
    END IF;
    IF chained_at > through::bigint THEN
        RETURN false;
    END IF;
    RETURN pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = relation), 'USAGE');
END;
$$ LANGUAGE plpgsql STABLE;
"""

REFUSAL = "    RAISE EXCEPTION 'audit entries are append-only (% refused)', TG_OP;"
PURGE_BRANCH = """    IF TG_OP = 'DELETE' AND centre_audit_purging(OLD.chain_position, TG_RELID) THEN
        RETURN OLD;
    END IF;
"""
if chain.FORWARD.count(REFUSAL) != 1:
    raise RuntimeError("0018's trigger function is not the one this migration extends")
# 0018's function (and trigger, recreated as it was) with the purge's DELETE before its refusal.
SEAL_OR_PURGE = chain.FORWARD.replace(REFUSAL, PURGE_BRANCH + REFUSAL)

# A record of a list, a break-glass review: deleted by a purge only with their entry.
DEPENDANT = """
CREATE OR REPLACE FUNCTION centre_audit_dependant_refuse_change() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND centre_audit_purging(
            (SELECT chain_position FROM centre_auditentry WHERE id = OLD.entry_id), TG_RELID) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit entries are append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
"""

DEPENDANT_TABLES = ("centre_auditrecord", "centre_breakglassreview")


def dependant_triggers(function: str) -> str:
    return "".join(
        f"""
DROP TRIGGER IF EXISTS {table}_append_only ON {table};
CREATE TRIGGER {table}_append_only
    BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION {function}();
"""
        for table in DEPENDANT_TABLES
    )


ANCHOR_TRIGGERS = """
CREATE TRIGGER centre_auditchainanchor_append_only
    BEFORE UPDATE OR DELETE ON centre_auditchainanchor
    FOR EACH ROW EXECUTE FUNCTION centre_auditentry_refuse_change();
CREATE TRIGGER centre_auditchainanchor_no_truncate
    BEFORE TRUNCATE ON centre_auditchainanchor
    FOR EACH STATEMENT EXECUTE FUNCTION centre_auditentry_refuse_truncate();
"""

FORWARD = (
    PURGING
    + SEAL_OR_PURGE
    + DEPENDANT
    + dependant_triggers("centre_audit_dependant_refuse_change")
    + ANCHOR_TRIGGERS
)

BACKWARD = (
    chain.FORWARD
    + dependant_triggers("centre_auditentry_refuse_change")
    + """
DROP TRIGGER IF EXISTS centre_auditchainanchor_append_only ON centre_auditchainanchor;
DROP TRIGGER IF EXISTS centre_auditchainanchor_no_truncate ON centre_auditchainanchor;
DROP FUNCTION IF EXISTS centre_audit_dependant_refuse_change();
DROP FUNCTION IF EXISTS centre_audit_purging(bigint, oid);
"""
)


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("centre", "0022_legal_hold"),
    ]

    operations = [
        migrations.CreateModel(
            name="AuditChainAnchor",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("chain_position", models.PositiveBigIntegerField(unique=True)),
                ("chain_hash", models.CharField(max_length=64)),
                ("first_position", models.PositiveBigIntegerField()),
                ("purged", models.PositiveIntegerField()),
                ("before", models.DateField()),
                ("at", models.DateTimeField()),
                ("export_sha256", models.CharField(max_length=64)),
                ("audit_entry_id", models.PositiveBigIntegerField(unique=True)),
                (
                    "by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "audit chain anchor",
                "verbose_name_plural": "audit chain anchors",
                "default_permissions": ("view",),
            },
        ),
        migrations.RunPython(forward, backward),
    ]
