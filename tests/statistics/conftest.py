"""Known records in March and April 2026 (`records`), for the figures and the roll-up."""

from __future__ import annotations

import datetime

import pytest
import time_machine

from centre.models import Site
from counselling import services
from screening import importing
from screening.models import RosterImport
from tests.support.clock import at
from tests.support.counselling import session
from tests.support.rosters import csv_bytes, student_row


@pytest.fixture
def records(alice, make_case, campaign, staff_at):
    """Known records in March and April 2026 at K01 (and one case at K02)."""
    with time_machine.travel(at(2026, 3, 5), tick=False):
        march = make_case(counsellor=alice, risk_level="low")
        services.referral_create(actor=alice, case=march, destination="school", reason="返校")
    # The last hour of March in Shanghai is still March (UTC would say so too; 00:30 on the 1st
    # of April in Shanghai is March in UTC: the month bound is the centre's).
    session(alice, march, at(2026, 3, 31, 23))
    session(alice, march, at(2026, 4, 1, 0) + datetime.timedelta(minutes=30), kind="psychotherapy")
    session(alice, march, at(2026, 4, 2), kind="medication_review")
    session(alice, march, at(2026, 4, 3), attendance="no_show")
    with time_machine.travel(at(2026, 4, 10), tick=False):
        west = staff_at("west", "counsellor", "K02")  # K02's children are registered by K02
        april = make_case(counsellor=west, site=Site.objects.get(code="K02"))
        for status in ("active", "closed"):
            services.case_change_status(
                actor=west, case=april, status=status, expected_version=april.version
            )
    with time_machine.travel(at(2026, 4, 12), tick=False):
        rows = [student_row(1, phq=[0, 0, 0, 0, 0, 0, 0, 0, 1]), student_row(2), student_row(3)]
        roster = RosterImport.objects.create(
            campaign=campaign, uploaded_by=campaign.liaison, original_name="r.csv"
        )
        importing.run_import(roster, csv_bytes(rows))
    return march, april
