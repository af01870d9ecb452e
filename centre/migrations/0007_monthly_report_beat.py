from django.db import migrations

from centre.beat import ensure_periodic_tasks, remove_periodic_tasks

ENTRIES = [
    {
        "name": "Monthly statistics report",
        "task": "centre.tasks.build_monthly_report",
        "queue": "stats",
        "crontab": {"minute": "0", "hour": "6", "day_of_month": "1"},
    },
]


class Migration(migrations.Migration):
    dependencies = [("centre", "0006_monthly_report")]

    operations = [
        migrations.RunPython(
            lambda apps, schema_editor: ensure_periodic_tasks(apps, ENTRIES),
            lambda apps, schema_editor: remove_periodic_tasks(
                apps, [entry["name"] for entry in ENTRIES]
            ),
        )
    ]
