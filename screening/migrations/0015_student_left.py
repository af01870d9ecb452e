"""A student who left the school (graduated, transferred) on a day: a retention event
(DOMAIN.md §5.5 "or at graduation", screening.retention)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("screening", "0014_tier_reasons_and_task_notes_encrypted"),
    ]

    operations = [
        migrations.AddField(
            model_name="student",
            name="left_on",
            field=models.DateField(blank=True, null=True, verbose_name="left the school on"),
        ),
        migrations.AddField(
            model_name="student",
            name="left_reason",
            field=models.CharField(
                blank=True,
                choices=[
                    ("graduated", "Graduated"),
                    ("transferred", "Transferred to another school"),
                ],
                db_default="",
                max_length=12,
                verbose_name="reason for leaving",
            ),
        ),
        migrations.AddField(
            model_name="student",
            name="left_recorded_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddConstraint(
            model_name="student",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(
                        ("left_on__isnull", True),
                        ("left_reason", ""),
                        ("left_recorded_at__isnull", True),
                    ),
                    models.Q(
                        ("left_on__isnull", False),
                        ("left_recorded_at__isnull", False),
                        models.Q(("left_reason", ""), _negated=True),
                    ),
                    _connector="OR",
                ),
                name="screening_student_left_whole",
            ),
        ),
    ]
