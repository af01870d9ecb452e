from django.db import migrations

from centre.beat import ensure_periodic_tasks, remove_periodic_tasks

ENTRIES = [
    {
        "name": "Dispatch due reminders",
        "task": "centre.tasks.dispatch_reminders",
        "queue": "reminders",
        "every_minutes": 1,
    },
    {
        "name": "Sweep queued and stuck reminders",
        "task": "centre.tasks.sweep_reminders",
        "queue": "reminders",
        "every_minutes": 5,
    },
]


class Migration(migrations.Migration):
    dependencies = [
        ("centre", "0004_user_language_reminder_notification_and_more"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.RunPython(
            lambda apps, schema_editor: ensure_periodic_tasks(apps, ENTRIES),
            lambda apps, schema_editor: remove_periodic_tasks(
                apps, [entry["name"] for entry in ENTRIES]
            ),
        )
    ]
