"""The online self-assessment's statistics: indexes for the month ranges, and the Postgres
triggers that mark the months of the roll-up its records change (centre.stale_months).

A submitted session counts in the month it was submitted (`online_assessments`) and, with its
code, in the month its class's window opened (`online_codes_submitted`, over
`online_codes_issued`): a session or a code marks its window's month, a window moved in time or
to another campaign marks its months, and a campaign or a school moved to another site marks
its windows' and submissions' months as well as its results'."""

from dataclasses import replace
from importlib import import_module

from django.db import migrations, models

from centre.stale_months import Watch, drop_sql, function_sql, month_of

EARLIER = import_module("screening.migrations.0004_statistics_stale_months").WATCHES

WINDOW_MONTH = (
    f"SELECT {month_of('w.opens_at')} AS month FROM {{rows}} "
    "JOIN screening_onlinecode c ON c.id = s.code_id "
    "JOIN screening_onlinewindow w ON w.id = c.window_id"
)


def _moved(windows: str) -> list[str]:
    """The months of the windows (`w`) of `windows`, the rows whose site changed joined to
    them, and of their submissions."""
    return [
        f"SELECT {month_of('w.opens_at')} AS month FROM {windows}",
        f"SELECT {month_of('x.submitted_at')} AS month FROM screening_onlinesession x "
        f"JOIN screening_onlinecode c ON x.code_id = c.id JOIN ({windows}) ON c.window_id = w.id",
    ]


def _changed(column: str) -> str:
    return f"(old_rows o JOIN new_rows n ON o.id = n.id AND o.{column} <> n.{column})"


NEW = [
    Watch(
        table="screening_onlinesession",
        provider="screening",
        months=["submitted_at"],
        watched=["submitted_at", "code_id"],
        # Only a submitted session counts towards its window's completion.
        joined=[WINDOW_MONTH + " WHERE s.submitted_at IS NOT NULL"],
    ),
    Watch(
        table="screening_onlinecode",
        provider="screening",
        watched=["window_id"],
        joined=[
            f"SELECT {month_of('w.opens_at')} AS month FROM {{rows}} "
            "JOIN screening_onlinewindow w ON w.id = s.window_id"
        ],
    ),
    Watch(
        table="screening_onlinewindow",
        provider="screening",
        months=["opens_at"],
        watched=["opens_at", "campaign_id"],
        # Its own months are marked by `months`; its submissions move with it.
        fan_out=_moved(f"screening_onlinewindow w JOIN {_changed('campaign_id')} ON w.id = n.id")[
            1:
        ],
    ),
]
CAMPAIGN, SCHOOL = EARLIER[1], EARLIER[2]  # 0004's watches of a campaign's and a school's site
REPLACED = [
    replace(
        CAMPAIGN,
        fan_out=[
            *CAMPAIGN.fan_out,
            *_moved(
                f"screening_onlinewindow w JOIN {_changed('school_id')} ON w.campaign_id = n.id"
            ),
        ],
    ),
    replace(
        SCHOOL,
        fan_out=[
            *SCHOOL.fan_out,
            *_moved(
                "screening_onlinewindow w JOIN screening_campaign k ON w.campaign_id = k.id "
                f"JOIN {_changed('site_id')} ON k.school_id = n.id"
            ),
        ],
    ),
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for watch in REPLACED:
        schema_editor.execute(drop_sql(watch), params=None)
    for watch in [*REPLACED, *NEW]:
        schema_editor.execute(function_sql(watch), params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for watch in [*REPLACED, *NEW]:
        schema_editor.execute(drop_sql(watch), params=None)
    for watch in (CAMPAIGN, SCHOOL):
        schema_editor.execute(function_sql(watch), params=None)


class Migration(migrations.Migration):
    dependencies = [("screening", "0011_student_consent")]

    operations = [
        migrations.AddIndex(
            model_name="onlinesession",
            index=models.Index(
                condition=models.Q(("submitted_at__isnull", False)),
                fields=["submitted_at"],
                name="screening_session_submitted",
            ),
        ),
        migrations.AddIndex(
            model_name="onlinewindow",
            index=models.Index(fields=["opens_at"], name="screening_window_opens"),
        ),
        migrations.RunPython(forward, backward),
    ]
