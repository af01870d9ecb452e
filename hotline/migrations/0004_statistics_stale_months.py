"""The hotline's statistics (hotline.statistics): indexes for the window counts of the whole
network, and the Postgres triggers that mark the months of the roll-up the hotline's records
change (centre.stale_months): saved calls (pick-up, status, contact type, risk, site), crisis
alerts (raise, site) and callbacks (due, done, status, site). Each record carries its own site,
so nothing fans out."""

from django.db import migrations, models

from centre.stale_months import Watch, installer

WATCHES = [
    Watch(
        table="hotline_call",
        provider="hotline",
        months=["started_at"],
        watched=["started_at", "status", "contact_type", "risk", "site_id"],
    ),
    Watch(
        table="hotline_crisisalert",
        provider="hotline",
        months=["raised_at"],
        watched=["raised_at", "site_id"],
    ),
    Watch(
        table="hotline_callback",
        provider="hotline",
        months=["due_at", "done_at"],
        watched=["due_at", "done_at", "status", "site_id"],
    ),
]


class Migration(migrations.Migration):
    dependencies = [
        ("centre", "0008_statistics_rollup"),
        ("hotline", "0003_alert_escalation_beat"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="call",
            index=models.Index(
                condition=models.Q(("status", "saved")),
                fields=["started_at"],
                name="hotline_call_saved_started",
            ),
        ),
        migrations.AddIndex(
            model_name="callback",
            index=models.Index(fields=["due_at"], name="hotline_callback_due"),
        ),
        migrations.AddIndex(
            model_name="callback",
            index=models.Index(
                condition=models.Q(("status", "done")),
                fields=["done_at"],
                name="hotline_callback_done",
            ),
        ),
        migrations.AddIndex(
            model_name="crisisalert",
            index=models.Index(fields=["raised_at"], name="hotline_alert_raised"),
        ),
        migrations.RunPython(*installer(WATCHES)),
    ]
