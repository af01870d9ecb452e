"""An import that fails for any reason ends as "failed" with a message on its page, logs ids and
the constraint only, and keeps nothing: a database refusal while storing (a real one: a check
constraint added for the test), the task's time limit, a worker killed mid-import (the sweep)."""

from __future__ import annotations

import datetime
import logging

import pytest
from billiard.exceptions import TimeLimitExceeded
from django.core.files.base import ContentFile
from django.db import connection
from django.utils import timezone

from screening import services
from screening.models import RosterImport, ScreeningResult, Student
from screening.tasks import import_roster
from tests.support.accounts import sign_in
from tests.support.rosters import csv_bytes, roster_rows, student_row

NAME = "王秘密"
ANSWERS = [3, 2, 1, 3, 2, 1, 3, 2, 1]


@pytest.fixture
def storing_fails(db):
    """Postgres refuses the student row at COPY time, quoting it in its message (as a unique or
    not-null violation would)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "ALTER TABLE screening_student ADD CONSTRAINT test_refuses_secret "
            "CHECK (full_name <> %s)",
            [NAME],
        )


def secret_roster() -> bytes:
    rows = roster_rows(2)
    rows[1] = student_row(2, phq=ANSWERS, name=NAME)
    return csv_bytes(rows)


def new_import(campaign, data: bytes) -> RosterImport:
    roster_import = RosterImport.objects.create(
        campaign=campaign, uploaded_by=campaign.liaison, original_name="roster.csv"
    )
    roster_import.file.save("roster.csv", ContentFile(data), save=True)
    return roster_import


def test_a_database_refusal_ends_the_import_as_failed_and_logs_no_data(
    campaign, storing_fails, caplog
):
    roster_import = new_import(campaign, secret_roster())
    with caplog.at_level(logging.DEBUG):
        outcome = services.roster_import_run_stored(roster_import)
    assert outcome.status == "failed"
    assert "nothing was stored" in outcome.message
    assert outcome.finished_at is not None
    assert not Student.objects.exists()
    assert not ScreeningResult.objects.exists()
    logged = caplog.text
    assert f"roster import {roster_import.pk} failed" in logged
    assert "test_refuses_secret" in logged
    assert "sqlstate=23514" in logged
    assert NAME not in logged
    assert "3,2,1,3" not in logged.replace(" ", "")
    assert not outcome.file  # the stored roster is gone


def test_the_page_shows_the_failure_and_stops_polling(client, campaign, storing_fails):
    from django.core.files.uploadedfile import SimpleUploadedFile

    sign_in(client, "liaison")
    upload = SimpleUploadedFile("roster.csv", secret_roster())
    response = client.post(f"/screening/campaigns/{campaign.pk}/", {"file": upload})
    assert response.status_code == 302
    roster_import = RosterImport.objects.get()
    page = client.get(f"/screening/imports/{roster_import.pk}/")
    assert "data-progress-url" not in page.text
    assert roster_import.status == "failed"
    assert roster_import.message in page.text  # in the uploader's language (here Chinese)
    assert "未保存任何内容" in roster_import.message
    state = client.get(f"/screening/imports/{roster_import.pk}/?format=json").json()
    assert (state["status"], state["finished"]) == ("failed", True)


def test_the_tasks_hard_time_limit_ends_the_import_as_failed(campaign, caplog):
    roster_import = new_import(campaign, csv_bytes(roster_rows(2)))
    RosterImport.objects.filter(pk=roster_import.pk).update(status="running")
    # What Celery's worker calls when it kills a task at its hard time limit.
    import_roster.on_failure(TimeLimitExceeded(900), "task-id", (roster_import.pk,), {}, None)
    roster_import.refresh_from_db()
    assert (roster_import.status, bool(roster_import.file)) == ("failed", False)
    assert roster_import.message


def test_the_sweep_ends_imports_that_cannot_finish(campaign):
    long_ago = timezone.now() - datetime.timedelta(hours=3)
    killed = new_import(campaign, csv_bytes(roster_rows(1)))
    RosterImport.objects.filter(pk=killed.pk).update(status="running", started_at=long_ago)
    lost = new_import(campaign, csv_bytes(roster_rows(1)))
    RosterImport.objects.filter(pk=lost.pk).update(created_at=long_ago)
    busy = new_import(campaign, csv_bytes(roster_rows(1)))
    RosterImport.objects.filter(pk=busy.pk).update(status="running", started_at=timezone.now())
    queued = new_import(campaign, csv_bytes(roster_rows(1)))

    assert services.roster_imports_sweep() == 2
    statuses = dict(RosterImport.objects.values_list("pk", "status"))
    assert statuses == {
        killed.pk: "failed",
        lost.pk: "failed",
        busy.pk: "running",
        queued.pk: "waiting",
    }
    killed.refresh_from_db()
    assert "stopped before it finished" in killed.message
    assert not killed.file
    # The lost message arrives after all: the claim runs nothing.
    lost.refresh_from_db()
    assert services.roster_import_run_stored(lost).status == "failed"
    assert not Student.objects.exists()
