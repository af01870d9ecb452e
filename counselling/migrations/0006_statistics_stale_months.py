"""Postgres triggers that mark the months of the statistics roll-up that counselling's records
change (centre.stale_months): sessions, cases, follow-ups and referrals. A case moved to another
site takes its sessions, follow-ups and referrals with it, so their months are marked too."""

from django.db import migrations

from centre.stale_months import Watch, installer, month_of

MOVED_CASES = "old_rows o JOIN new_rows n ON o.id = n.id AND o.site_id IS DISTINCT FROM n.site_id"

WATCHES = [
    Watch(
        table="counselling_counsellingsession",
        provider="counselling",
        months=["held_at"],
        watched=["held_at", "attendance", "kind", "case_id"],
    ),
    Watch(
        table="counselling_case",
        provider="counselling",
        months=["opened_at", "closed_at"],
        watched=["opened_at", "closed_at", "site_id"],
        fan_out=[
            f"SELECT {month_of('s.held_at')} AS month FROM counselling_counsellingsession s "
            f"JOIN ({MOVED_CASES}) ON s.case_id = n.id",
            f"SELECT {month_of('f.due_at')} AS month FROM counselling_followup f "
            f"JOIN ({MOVED_CASES}) ON f.case_id = n.id",
            f"SELECT {month_of('f.done_at')} AS month FROM counselling_followup f "
            f"JOIN ({MOVED_CASES}) ON f.case_id = n.id",
            f"SELECT {month_of('r.created_at')} AS month FROM counselling_referral r "
            f"JOIN ({MOVED_CASES}) ON r.case_id = n.id",
        ],
    ),
    Watch(
        table="counselling_followup",
        provider="counselling",
        months=["due_at", "done_at"],
        watched=["due_at", "done_at", "status", "case_id"],
    ),
    Watch(
        table="counselling_referral",
        provider="counselling",
        months=["created_at"],
        watched=["created_at", "case_id"],
    ),
]


class Migration(migrations.Migration):
    dependencies = [
        ("centre", "0008_statistics_rollup"),
        ("counselling", "0005_follow_up_statistics_indexes"),
    ]

    operations = [migrations.RunPython(*installer(WATCHES))]
