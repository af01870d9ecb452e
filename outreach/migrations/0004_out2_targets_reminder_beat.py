from django.db import migrations

from centre.beat import ensure_periodic_tasks, remove_periodic_tasks

ENTRIES = [
    {
        "name": "Outreach targets behind: remind the coordinators",
        "task": "outreach.tasks.remind_behind_targets",
        "crontab": {"minute": "30", "hour": "9", "day_of_month": "*"},
    },
]


class Migration(migrations.Migration):
    dependencies = [
        ("outreach", "0003_out2_calendar_feed"),
        ("centre", "0005_reminder_beat"),
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
