from django.db import migrations

from centre.beat import ensure_periodic_tasks, remove_periodic_tasks

ENTRIES = [
    {
        "name": "Statistics roll-up",
        "task": "centre.tasks.refresh_statistics",
        "queue": "stats",
        "every_minutes": 5,
    },
]


class Migration(migrations.Migration):
    dependencies = [("centre", "0008_statistics_rollup")]

    operations = [
        migrations.RunPython(
            lambda apps, schema_editor: ensure_periodic_tasks(apps, ENTRIES),
            lambda apps, schema_editor: remove_periodic_tasks(
                apps, [entry["name"] for entry in ENTRIES]
            ),
        )
    ]
