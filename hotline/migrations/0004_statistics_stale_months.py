"""Postgres triggers that mark the months of the statistics roll-up that the hotline's records
change (centre.stale_months): saved calls (pick-up, status, contact type, risk, site), crisis
alerts (raise, site) and callbacks (due, done, status, site). Each record carries its own site,
so nothing fans out."""

from django.db import migrations

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

    operations = [migrations.RunPython(*installer(WATCHES))]
