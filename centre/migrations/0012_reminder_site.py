import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def site_from_recipient(apps, schema_editor):
    """Reminders planned before they had a site belong to their recipient's (the apps' own
    migrations give theirs a better one: a follow-up's case site)."""
    Reminder = apps.get_model("centre", "Reminder")
    User = apps.get_model("centre", "User")
    Reminder.objects.filter(recipient__isnull=False).update(
        site=Subquery(User.objects.filter(pk=OuterRef("recipient_id")).values("site_id")[:1])
    )


class Migration(migrations.Migration):
    dependencies = [
        ("centre", "0011_audit_record"),
    ]

    operations = [
        migrations.AddField(
            model_name="reminder",
            name="site",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="centre.site",
            ),
        ),
        migrations.RunPython(site_from_recipient, migrations.RunPython.noop),
    ]
