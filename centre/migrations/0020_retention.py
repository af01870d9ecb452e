"""Retention (centre.retention): the stale-month marks of a retention run are not written, so
that the months of erased records keep their rolled-up figures; and the monthly beat entry."""

from django.db import migrations

from centre.beat import ensure_periodic_tasks, remove_periodic_tasks

ENTRIES = [
    {
        "name": "Retention",
        "task": "centre.tasks.apply_retention",
        # 03:30 on the 2nd (the 1st belongs to the monthly report).
        "crontab": {"minute": "30", "hour": "3", "day_of_month": "2"},
    },
]

# A BEFORE INSERT row trigger that drops the mark while the run's transaction has set
# centre.keep_rolled_up (set_config(..., true): this transaction only).
KEEP_ROLLED_UP = """
CREATE OR REPLACE FUNCTION centre_stalemonth_keep_rolled_up() RETURNS trigger AS $$
BEGIN
    IF current_setting('centre.keep_rolled_up', true) = 'on' THEN
        RETURN NULL;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER centre_stalemonth_keep_rolled_up BEFORE INSERT ON centre_stalemonth
    FOR EACH ROW EXECUTE FUNCTION centre_stalemonth_keep_rolled_up();
"""
DROP = """
DROP TRIGGER IF EXISTS centre_stalemonth_keep_rolled_up ON centre_stalemonth;
DROP FUNCTION IF EXISTS centre_stalemonth_keep_rolled_up();
"""


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(KEEP_ROLLED_UP, params=None)


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("centre", "0019_reminder_phone_encrypted"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.RunPython(install, uninstall),
        migrations.RunPython(
            lambda apps, schema_editor: ensure_periodic_tasks(apps, ENTRIES),
            lambda apps, schema_editor: remove_periodic_tasks(
                apps, [entry["name"] for entry in ENTRIES]
            ),
        ),
    ]
