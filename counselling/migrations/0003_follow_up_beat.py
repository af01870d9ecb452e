from django.db import migrations

from centre.beat import ensure_periodic_tasks, remove_periodic_tasks

ENTRIES = [
    {
        "name": "Escalate overdue follow-ups",
        "task": "counselling.tasks.escalate_overdue_follow_ups",
        "queue": "reminders",
        "every_minutes": 60,
    },
    {
        "name": "Morning digest of follow-ups",
        "task": "counselling.tasks.send_follow_up_digests",
        "queue": "reminders",
        "crontab": {"minute": "0", "hour": "7", "day_of_month": "*"},
    },
    {
        "name": "Monthly case conference reminder",
        "task": "counselling.tasks.remind_case_conferences",
        "queue": "reminders",
        "crontab": {"minute": "0", "hour": "8", "day_of_month": "1"},
    },
]


class Migration(migrations.Migration):
    dependencies = [
        ("counselling", "0002_guardian_language_followup"),
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
