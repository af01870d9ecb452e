from django.db import migrations

from centre.beat import ensure_periodic_tasks, remove_periodic_tasks

ENTRIES = [
    {
        "name": "Escalate unacknowledged crisis alerts",
        "task": "hotline.tasks.escalate_crisis_alerts",
        "every_minutes": 1,
    },
]


class Migration(migrations.Migration):
    dependencies = [
        ("hotline", "0002_versioned_records_updated_at"),
        ("centre", "0005_reminder_beat"),
    ]

    operations = [
        migrations.RunPython(
            lambda apps, schema_editor: ensure_periodic_tasks(apps, ENTRIES),
            lambda apps, schema_editor: remove_periodic_tasks(
                apps, [entry["name"] for entry in ENTRIES]
            ),
        )
    ]
