"""The beat entries lose the queue the earlier migrations wrote into them: a task's queue comes
only from CELERY_TASK_ROUTES (centre.celery)."""

from django.db import migrations

from centre.beat import route_periodic_tasks


class Migration(migrations.Migration):
    dependencies = [
        ("centre", "0012_reminder_site"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(route_periodic_tasks, migrations.RunPython.noop)]
