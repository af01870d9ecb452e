"""`make run` without a DATABASE_URL keeps its data in SQLite under var/ (README "The two
commands"): every migration applies there and the demo seeds, the hotline's lists of choices and
the caseload's attention trigger included (both were Postgres-only and stopped the trial)."""

from __future__ import annotations

import os
import sqlite3

from tests.support.process import run_python


def test_migrate_and_seed_demo_on_sqlite(tmp_path):
    environment = {
        name: value
        for name, value in os.environ.items()
        if name
        not in {
            "DATABASE_URL",
            "REDIS_URL",
            "DJANGO_SETTINGS_MODULE",
            "FIELD_ENCRYPTION_KEYS",
            "FIELD_INDEX_KEY",
        }
    }
    environment.update(
        DJANGO_SETTINGS_MODULE="centre.settings.base",
        PORTAL_VAR_DIR=str(tmp_path),
        DEBUG="true",
        DEMO_PASSWORD="trial-mode-2026",
    )
    migrated = run_python("manage.py", "migrate", "--no-input", env=environment, timeout=240)
    assert migrated.returncode == 0, migrated.stderr[-2000:]
    seeded = run_python("manage.py", "seed_demo", env=environment, timeout=240)
    assert seeded.returncode == 0, seeded.stderr[-2000:]
    database = sqlite3.connect(tmp_path / "portal.sqlite3")
    actions = database.execute(
        "SELECT actions FROM hotline_call WHERE actions <> '[]' LIMIT 1"
    ).fetchone()[0]
    assert actions.startswith('["')  # a JSON list of choices
    due = database.execute(
        "SELECT count(*) FROM counselling_case c WHERE c.attention > 0 AND EXISTS "
        "(SELECT 1 FROM counselling_followup f WHERE f.case_id = c.id AND f.status = 'due')"
    ).fetchone()[0]
    assert due > 0  # the trigger keeps a case with a follow-up due raised
    # The trial generated its own field keys under var/, and the notes are stored encrypted.
    assert (tmp_path / "field_encryption_key").stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "field_index_key").exists()
    notes = database.execute(
        "SELECT note_plan FROM counselling_counsellingsession WHERE note_plan <> ''"
    ).fetchall()
    assert notes
    assert all(note.startswith("enc1$") for (note,) in notes)
