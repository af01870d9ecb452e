"""The Postgres trigger that marks the months of the statistics roll-up that outreach's events
change (centre.stale_months): a held event's start, status, kind, site and the counts that feed
the figures (students, parents, trainees)."""

from django.db import migrations

from centre.stale_months import Watch, installer

WATCHES = [
    Watch(
        table="outreach_event",
        provider="outreach",
        months=["starts_at"],
        watched=["starts_at", "status", "kind", "site_id", "students", "parents", "trainees_count"],
    ),
]


class Migration(migrations.Migration):
    dependencies = [
        ("centre", "0008_statistics_rollup"),
        ("outreach", "0004_out2_targets_reminder_beat"),
    ]

    operations = [migrations.RunPython(*installer(WATCHES))]
