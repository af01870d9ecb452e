"""The caseload's urgency order: risk, then the earliest due follow-up (the overdue first), then
the newest. (A due date beyond the integer's range, year 1 or 9999, is clamped: still due,
1 at the least; GREATEST and LEAST skip a NULL, hence the CASE for no follow-up due.) `Case.attention` is kept by a trigger on counselling_followup, so every path that
plans, moves, ends or deletes a follow-up — services, bulk updates, a cascade — keeps it. On
SQLite (`make run` without a DATABASE_URL) the same rule is kept by SQLite's own triggers."""

from django.db import migrations, models

ATTENTION = """
CREATE OR REPLACE FUNCTION counselling_case_attention() RETURNS trigger AS $$
BEGIN
    UPDATE counselling_case c SET attention = COALESCE((
        SELECT CASE WHEN min(f.due_at) IS NULL THEN 0 ELSE GREATEST(1, LEAST(2147483647,
            2147483647 - floor(extract(epoch FROM min(f.due_at)) / 60)::bigint))::integer END
        FROM counselling_followup f WHERE f.case_id = c.id AND f.status = 'due'
    ), 0)
    WHERE c.id = NEW.case_id OR c.id = OLD.case_id;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER counselling_case_attention
AFTER INSERT OR DELETE OR UPDATE OF status, due_at, case_id ON counselling_followup
FOR EACH ROW EXECUTE FUNCTION counselling_case_attention();
UPDATE counselling_case c SET attention = COALESCE((
    SELECT CASE WHEN min(f.due_at) IS NULL THEN 0 ELSE GREATEST(1, LEAST(2147483647,
        2147483647 - floor(extract(epoch FROM min(f.due_at)) / 60)::bigint))::integer END
    FROM counselling_followup f WHERE f.case_id = c.id AND f.status = 'due'
), 0);
"""

REMOVE = """
DROP TRIGGER IF EXISTS counselling_case_attention ON counselling_followup;
DROP FUNCTION IF EXISTS counselling_case_attention();
"""


# SQLite runs one statement at a time, and its triggers name the row's case in their bodies.
SQLITE_SET = """
UPDATE counselling_case SET attention = COALESCE((
    SELECT CASE WHEN min(f.due_at) IS NULL THEN 0 ELSE max(1, min(2147483647,
        2147483647 - CAST(strftime('%s', min(f.due_at)) AS INTEGER) / 60)) END
    FROM counselling_followup f WHERE f.case_id = counselling_case.id AND f.status = 'due'
), 0) WHERE {where};
"""
SQLITE_ATTENTION = [
    "CREATE TRIGGER counselling_case_attention_insert AFTER INSERT ON counselling_followup "
    "BEGIN " + SQLITE_SET.format(where="id = NEW.case_id") + " END",
    "CREATE TRIGGER counselling_case_attention_update "
    "AFTER UPDATE OF status, due_at, case_id ON counselling_followup "
    "BEGIN " + SQLITE_SET.format(where="id IN (NEW.case_id, OLD.case_id)") + " END",
    "CREATE TRIGGER counselling_case_attention_delete AFTER DELETE ON counselling_followup "
    "BEGIN " + SQLITE_SET.format(where="id = OLD.case_id") + " END",
    SQLITE_SET.format(where="1 = 1"),
]
SQLITE_REMOVE = [
    f"DROP TRIGGER IF EXISTS counselling_case_attention_{event}"
    for event in ("insert", "update", "delete")
]


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ATTENTION, params=None)
    elif schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_ATTENTION:
            schema_editor.execute(statement, params=None)


def remove(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(REMOVE, params=None)
    elif schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_REMOVE:
            schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("counselling", "0011_guardian_version")]

    operations = [
        migrations.AddField(
            model_name="case",
            name="attention",
            field=models.PositiveIntegerField(db_default=0, default=0, editable=False),
        ),
        migrations.RemoveIndex(model_name="case", name="counselling_case_urgency"),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                fields=["-risk_rank", "-attention", "-id"], name="counselling_case_urgency"
            ),
        ),
        migrations.RunPython(install, remove),
    ]
