"""`manage.py backup` and `restore` (`make backup`, `make restore`): a backup restored into a new
database holds the same records and the same audit entries (count and content), and its files
come back into the media storage; `audit_verify`, when there is one, finds the chain valid."""

from __future__ import annotations

import contextlib
import os
import shutil
from io import StringIO
from pathlib import Path

import psycopg2
import psycopg2.errors
import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command, get_commands
from django.db import connection

from centre.audit import audit_log
from centre.backup import DATABASE_FILE, MEDIA_FILE, media_root
from tests.support.process import run_python

RESTORED = "portal_retention_restored"

AUDIT_CONTENT = """SELECT count(*), md5(coalesce(string_agg(
    concat_ws('|', id, at, actor_id, actor_username, action, target_type, target_id, result,
              ip_address, reason, data::text), E'\\n' ORDER BY id), ''))
    FROM centre_auditentry"""
RECORDS = "SELECT array_agg(id ORDER BY id) FROM {table}"


@contextlib.contextmanager
def connect(name: str):
    """A cursor on database `name`, autocommitting, closed afterwards."""
    settings = connection.settings_dict
    database = psycopg2.connect(
        dbname=name,
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
        user=settings["USER"] or None,
        password=settings["PASSWORD"] or None,
    )
    database.autocommit = True
    try:
        with database.cursor() as cursor:
            yield cursor
    finally:
        database.close()


def read(name: str, query: str) -> tuple:
    with connect(name) as cursor:
        cursor.execute(query)
        row = cursor.fetchone()
        assert row is not None
        return tuple(row)


@pytest.fixture
def new_database():
    """An empty database beside the test database, dropped afterwards."""
    with connect(connection.settings_dict["NAME"]) as database:
        database.execute(f'DROP DATABASE IF EXISTS "{RESTORED}"')
        database.execute(f'CREATE DATABASE "{RESTORED}"')
    yield RESTORED
    with connect(connection.settings_dict["NAME"]) as database:
        database.execute(f'DROP DATABASE IF EXISTS "{RESTORED}" WITH (FORCE)')


@pytest.fixture
def media(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**settings.STORAGES["default"], "OPTIONS": {"location": str(tmp_path / "m")}},
    }
    return tmp_path / "m"


@pytest.mark.django_db(transaction=True)
def test_a_backup_restores_into_a_new_database_with_the_same_records_and_audit(
    make_case, alice, campaign, new_database, media, tmp_path
):
    from screening.models import RosterImport

    case = make_case(counsellor=alice)
    audit_log(actor=alice, action="counselling.case.viewed", target=case, data={"page": 1})
    roster = RosterImport.objects.create(
        campaign=campaign, uploaded_by=campaign.liaison, original_name="roster.csv"
    )
    roster.file.save("roster.csv", ContentFile("学号,姓名\n1,张三\n".encode()))
    stored = Path(roster.file.path)

    output = StringIO()
    call_command("backup", "--directory", str(tmp_path / "backups"), stdout=output)
    backup = Path(output.getvalue().strip())
    assert (backup / DATABASE_FILE).stat().st_size > 0
    assert (backup / MEDIA_FILE).exists()

    shutil.rmtree(media_root())
    call_command("restore", str(backup), "--database", new_database, stdout=StringIO())

    this = connection.settings_dict["NAME"]
    assert read(new_database, AUDIT_CONTENT) == read(this, AUDIT_CONTENT)
    assert read(new_database, AUDIT_CONTENT)[0] > 0
    for table in ("counselling_case", "counselling_client", "counselling_consent", "centre_user"):
        assert read(new_database, RECORDS.format(table=table)) == read(
            this, RECORDS.format(table=table)
        )
    assert stored.read_text(encoding="utf-8") == "学号,姓名\n1,张三\n"
    # The restored audit log is append-only too: its triggers came back with it.
    with connect(new_database) as database, pytest.raises(psycopg2.errors.RaiseException):
        database.execute("DELETE FROM centre_auditentry")
    if "audit_verify" in get_commands():
        environment = dict(os.environ)
        settings = connection.settings_dict
        environment["DATABASE_URL"] = (
            f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT']}/{new_database}"
        )
        finished = run_python("manage.py", "audit_verify", env=environment)
        assert finished.returncode == 0, finished.stdout + finished.stderr


def test_a_restore_refuses_a_directory_that_is_not_a_backup(db, tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="not a backup"):
        call_command("restore", str(tmp_path))
