"""Large rosters in the `imports` queue with a real worker; overdue crisis assessments reach the
crisis team through the reminder outbox."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from centre.models import Reminder
from screening import services
from screening.models import RosterImport, ScreeningResult, TrackingTask
from tests.support.rosters import csv_bytes, roster_rows, student_row
from tests.support.worker import wait_for


@pytest.mark.django_db(transaction=True)
def test_a_large_roster_is_imported_by_the_worker(campaign, settings, account):
    from celery.contrib.testing.worker import start_worker

    from centre.celery import app

    settings.ROSTER_INLINE_BYTES = 1_000  # everything but a tiny file goes to the queue
    app.control.purge()
    with start_worker(app, pool="solo", perform_ping_check=False, queues=["imports"]):
        upload = SimpleUploadedFile("roster.csv", csv_bytes(roster_rows(300)))
        roster_import = services.roster_upload(
            actor=account("liaison"), campaign=campaign, upload=upload, all_or_nothing=False
        )
        wait_for(lambda: RosterImport.objects.get(pk=roster_import.pk).status == "done", timeout=60)
    roster_import.refresh_from_db()
    assert (roster_import.imported_rows, roster_import.done_rows) == (300, 300)
    assert ScreeningResult.objects.count() == 300


def test_an_overdue_crisis_assessment_reaches_the_crisis_team_once(campaign, account):
    from screening import importing

    rows = [student_row(1, phq=[0, 0, 0, 0, 0, 0, 0, 0, 1])]
    roster_import = RosterImport.objects.create(
        campaign=campaign, uploaded_by=campaign.liaison, original_name="r.csv"
    )
    importing.run_import(roster_import, csv_bytes(rows))
    task = TrackingTask.objects.get(kind="crisis")
    assert services.escalate_overdue_crisis_tasks() == 0
    TrackingTask.objects.filter(pk=task.pk).update(
        due_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    assert services.escalate_overdue_crisis_tasks() == 1
    assert services.escalate_overdue_crisis_tasks() == 0
    reminder = Reminder.objects.get(template="screening_crisis_overdue_batch")
    assert reminder.recipient == account("crisis")
    assert reminder.channel == "inbox"


@pytest.mark.django_db(transaction=True)
def test_an_import_the_worker_cannot_run_ends_as_failed(campaign, account):
    from celery.contrib.testing.worker import start_worker

    from centre.celery import app
    from screening.tasks import import_roster

    roster_import = RosterImport.objects.create(
        campaign=campaign,
        uploaded_by=account("liaison"),
        original_name="roster.csv",
        file="rosters/gone.csv",  # the stored file is missing
    )
    app.control.purge()
    with start_worker(app, pool="solo", perform_ping_check=False, queues=["imports"]):
        import_roster.delay(roster_import.pk)  # routed to `imports`
        wait_for(lambda: RosterImport.objects.get(pk=roster_import.pk).status == "failed", 60)
    roster_import.refresh_from_db()
    assert roster_import.finished_at is not None
    assert str(roster_import.pk) in roster_import.message
