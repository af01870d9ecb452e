"""The shared failure hook of long work (`centre.celery.LongTask`), on its first user, with a real
worker on Redis: whatever stops the import's task ends the import as failed with its message,
and a task whose import is gone does nothing."""

from __future__ import annotations

import logging

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.core.files.base import ContentFile

from screening import services
from screening.models import RosterImport
from screening.tasks import import_roster
from tests.support.rosters import csv_bytes, roster_rows
from tests.support.worker import finished, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def waiting_import(campaign) -> RosterImport:
    roster_import = RosterImport.objects.create(
        campaign=campaign, uploaded_by=campaign.liaison, original_name="roster.csv"
    )
    roster_import.file.save("roster.csv", ContentFile(csv_bytes(roster_rows(3))), save=True)
    return roster_import


def status_of(roster_import: RosterImport) -> str:
    return RosterImport.objects.values_list("status", flat=True).get(pk=roster_import.pk)


def test_an_import_stopped_by_its_soft_time_limit_ends_as_failed(
    celery_worker, campaign, monkeypatch, caplog
):
    def past_the_soft_limit(roster_import):
        RosterImport.objects.filter(pk=roster_import.pk).update(status="running")
        raise SoftTimeLimitExceeded()

    # The task imports its service when it runs, so the worker's thread sees this stand-in.
    monkeypatch.setattr(services, "roster_import_run_stored", past_the_soft_limit)
    roster_import = waiting_import(campaign)
    runs = finished(import_roster)
    with caplog.at_level(logging.ERROR, logger="screening.services"):
        import_roster.delay(roster_import.pk)  # routed to `imports`
        # The failure hook commits "failed" first, then logs and deletes the file: waiting for
        # the status raced those two (1 run in 4). `task_postrun` comes after `on_failure`.
        wait_for(lambda: finished(import_roster) == runs + 1, timeout=60)
    assert status_of(roster_import) == "failed"
    roster_import.refresh_from_db()
    assert str(roster_import.pk) in roster_import.message
    assert not roster_import.file  # the upload is not kept once the import has ended
    assert f"roster import {roster_import.pk} failed: SoftTimeLimitExceeded" in caplog.text


def test_an_import_gone_before_its_task_runs_is_nothing_to_do(celery_worker, campaign):
    roster_import = waiting_import(campaign)
    gone = roster_import.pk
    roster_import.file.delete(save=False)
    roster_import.delete()
    runs = finished(import_roster)
    import_roster.delay(gone)
    wait_for(lambda: finished(import_roster) == runs + 1, timeout=60)
    assert not RosterImport.objects.exists()
