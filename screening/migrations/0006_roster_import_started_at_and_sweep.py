from django.db import migrations, models

from centre.beat import ensure_periodic_tasks, remove_periodic_tasks

ENTRIES = [
    {
        "name": "End stopped roster imports",
        "task": "screening.tasks.sweep_roster_imports",
        "queue": "reminders",
        "every_minutes": 5,
    },
]


class Migration(migrations.Migration):
    dependencies = [
        ("screening", "0005_tier_downgrade_request"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.AddField(
            model_name="rosterimport",
            name="started_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(
            lambda apps, schema_editor: ensure_periodic_tasks(apps, ENTRIES),
            lambda apps, schema_editor: remove_periodic_tasks(
                apps, [entry["name"] for entry in ENTRIES]
            ),
        ),
    ]
