"""A withdrawal of consent, also before anyone consented (a recorded refusal), and what it does
to the student's open tasks: cancelled with the withdrawal as their reason, or kept for safety
and marked (DOMAIN.md §5.2's crisis exception)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("screening", "0012_online_statistics"),
    ]

    operations = [
        migrations.AddField(
            model_name="studentconsent",
            name="refused",
            field=models.BooleanField(db_default=False, default=False, verbose_name="refused"),
        ),
        migrations.AddField(
            model_name="trackingtask",
            name="consent_withdrawn_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="consent withdrawn at"),
        ),
        migrations.AddConstraint(
            model_name="studentconsent",
            constraint=models.CheckConstraint(
                condition=models.Q(refused=False) | models.Q(withdrawn_at__isnull=False),
                name="screening_refusal_is_withdrawn",
            ),
        ),
    ]
