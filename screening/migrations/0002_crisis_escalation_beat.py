from django.db import migrations

from centre.beat import ensure_periodic_tasks, remove_periodic_tasks

ENTRIES = [
    {
        "name": "Escalate overdue crisis assessments",
        "task": "screening.tasks.escalate_overdue_crisis_tasks",
        "queue": "reminders",
        "every_minutes": 15,
    },
]


class Migration(migrations.Migration):
    dependencies = [
        ("screening", "0001_initial"),
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
