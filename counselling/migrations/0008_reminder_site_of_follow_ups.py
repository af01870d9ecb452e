from django.db import migrations, models
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Cast


def site_from_case(apps, schema_editor):
    """A follow-up's reminders (the guardian's SMS has no recipient) belong to its case's site,
    whose supervisors decide about them when they fail."""
    Reminder = apps.get_model("centre", "Reminder")
    FollowUp = apps.get_model("counselling", "FollowUp")
    Reminder.objects.filter(target_type="counselling.followup").update(
        site=Subquery(
            FollowUp.objects.filter(
                pk=Cast(OuterRef("target_id"), output_field=models.BigIntegerField())
            ).values("case__site_id")[:1]
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("centre", "0012_reminder_site"),
        ("counselling", "0007_follow_up_done_index"),
    ]

    operations = [migrations.RunPython(site_from_case, migrations.RunPython.noop)]
