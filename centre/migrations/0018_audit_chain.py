"""The audit log's hash chain (centre.audit_chain). The entries written before this migration
are chained by it, in id order, from the genesis hash (64 zeros): the chain covers the whole
log (entries written while it runs are chained after them). Postgres's append-only trigger on the entries now lets the sealer set the four chain
columns, once, from empty, and nothing else; an INSERT may not bring them set (a row cannot be
slipped into the chain by its writer). The beat seals every minute, verifies daily and looks
for bulk access to client records every five minutes."""

from django.db import migrations, models

from centre.beat import ensure_periodic_tasks, remove_periodic_tasks

# Every column of an entry but the chain's, compared one by one (a to_jsonb of the whole row
# doubled the sealer's time). A column added to AuditEntry must be added here, by a migration
# that replaces the function: tests/centre/test_audit_chain.py fails until it is.
CONTENT_COLUMNS = (
    "id, at, actor_id, actor_username, action, target_type, target_id, result, ip_address,"
    " reason, data"
)
OLD_CONTENT = ", ".join(f"OLD.{column.strip()}" for column in CONTENT_COLUMNS.split(","))
NEW_CONTENT = ", ".join(f"NEW.{column.strip()}" for column in CONTENT_COLUMNS.split(","))

FORWARD = f"""
CREATE OR REPLACE FUNCTION centre_auditentry_seal_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.chain_position IS NOT NULL OR NEW.content_hash <> ''
                OR NEW.previous_hash <> '' OR NEW.chain_hash <> '' THEN
            RAISE EXCEPTION 'audit entries are chained by the sealer, not by their writer';
        END IF;
        RETURN NEW;
    END IF;
    IF TG_OP = 'UPDATE' AND OLD.chain_position IS NULL AND NEW.chain_position IS NOT NULL
            AND OLD.content_hash = '' AND OLD.previous_hash = '' AND OLD.chain_hash = ''
            AND ({NEW_CONTENT}) IS NOT DISTINCT FROM ({OLD_CONTENT}) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit entries are append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS centre_auditentry_append_only ON centre_auditentry;
CREATE TRIGGER centre_auditentry_append_only
    BEFORE INSERT OR UPDATE OR DELETE ON centre_auditentry
    FOR EACH ROW EXECUTE FUNCTION centre_auditentry_seal_only();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS centre_auditentry_append_only ON centre_auditentry;
CREATE TRIGGER centre_auditentry_append_only
    BEFORE UPDATE OR DELETE ON centre_auditentry
    FOR EACH ROW EXECUTE FUNCTION centre_auditentry_refuse_change();
DROP FUNCTION IF EXISTS centre_auditentry_seal_only();
"""

ENTRIES = [
    {"name": "Audit log: seal", "task": "centre.tasks.seal_audit_log", "every_minutes": 1},
    {
        "name": "Audit log: verify the chain",
        "task": "centre.tasks.verify_audit_log",
        "crontab": {"minute": "30", "hour": "3", "day_of_month": "*"},
    },
    {
        "name": "Audit log: bulk access",
        "task": "centre.tasks.alert_bulk_access",
        "every_minutes": 5,
    },
]


def trigger_forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def trigger_backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


def chain_existing_entries(apps, schema_editor):
    from centre.audit_chain import audit_chain_seal

    audit_chain_seal(
        entry_model=apps.get_model("centre", "AuditEntry"),
        record_model=apps.get_model("centre", "AuditRecord"),
    )


class Migration(migrations.Migration):
    # Not one transaction: the columns and the trigger are committed at once, then the existing
    # entries are chained in batches of short transactions (about 4.5 minutes a million
    # entries, bench/audit.py) while the web goes on writing, instead of the table being locked
    # for the whole of it. Interrupted, it is resumed by the sealer of the beat.
    atomic = False

    dependencies = [
        ("centre", "0017_translatable_model_names"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditentry",
            name="chain_hash",
            field=models.CharField(blank=True, db_default="", max_length=64),
        ),
        migrations.AddField(
            model_name="auditentry",
            name="chain_position",
            field=models.PositiveBigIntegerField(blank=True, null=True, unique=True),
        ),
        migrations.AddField(
            model_name="auditentry",
            name="content_hash",
            field=models.CharField(blank=True, db_default="", max_length=64),
        ),
        migrations.AddField(
            model_name="auditentry",
            name="previous_hash",
            field=models.CharField(blank=True, db_default="", max_length=64),
        ),
        migrations.AddIndex(
            model_name="auditentry",
            index=models.Index(
                condition=models.Q(("chain_position__isnull", True)),
                fields=["id"],
                name="centre_audit_unsealed",
            ),
        ),
        migrations.RunPython(trigger_forward, trigger_backward),
        migrations.RunPython(chain_existing_entries, migrations.RunPython.noop),
        migrations.RunPython(
            lambda apps, schema_editor: ensure_periodic_tasks(apps, ENTRIES),
            lambda apps, schema_editor: remove_periodic_tasks(
                apps, [entry["name"] for entry in ENTRIES]
            ),
        ),
    ]
