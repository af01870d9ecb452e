"""Postgres triggers that mark the months of the statistics roll-up that screening results
change (centre.stale_months). Results count at their campaign's school's site, so a campaign
moved to another school, or a school moved to another site, marks its results' months too."""

from django.db import migrations

from centre.stale_months import Watch, installer, month_of

WATCHES = [
    Watch(
        table="screening_screeningresult",
        provider="screening",
        months=["screened_at"],
        watched=["screened_at", "student_id", "tier", "crisis_flag", "campaign_id"],
    ),
    Watch(
        table="screening_campaign",
        provider="screening",
        watched=["school_id"],
        fan_out=[
            f"SELECT {month_of('r.screened_at')} AS month FROM screening_screeningresult r "
            "JOIN (old_rows o JOIN new_rows n ON o.id = n.id AND o.school_id <> n.school_id) "
            "ON r.campaign_id = n.id"
        ],
    ),
    Watch(
        table="centre_school",
        provider="screening",
        watched=["site_id"],
        fan_out=[
            f"SELECT {month_of('r.screened_at')} AS month FROM screening_screeningresult r "
            "JOIN screening_campaign c ON r.campaign_id = c.id "
            "JOIN (old_rows o JOIN new_rows n ON o.id = n.id AND o.site_id <> n.site_id) "
            "ON c.school_id = n.id"
        ],
    ),
]


class Migration(migrations.Migration):
    dependencies = [
        ("centre", "0008_statistics_rollup"),
        ("screening", "0003_covering_statistics_index"),
    ]

    operations = [migrations.RunPython(*installer(WATCHES))]
