"""Outreach's figures are declared and counted: held events only, by kind and attendance, the
six venues as parts, agreements in force, sites meeting their targets; the roll-up agrees with
the records after a change (the stale-month trigger)."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from centre import statistics
from centre.statistics.months import Window
from centre.statistics.registry import declaration_errors, declared_figures
from outreach.models import Agreement, Event, Partner, SiteTarget, VenueType
from tests.outreach.test_targets import make_event

pytestmark = pytest.mark.django_db

NAMES = {
    "school_lectures", "students_reached", "parent_classes", "parents_reached", "group_sessions",
    "group_therapy_sessions", "trainings", "trainees", "community_events", "partner_services",
    "active_agreements", "sites_meeting_targets",
}  # fmt: skip


def test_the_figures_are_declared_with_their_labels(demo_network):
    declared = {figure.name for figure in declared_figures() if figure.provider == "outreach"}
    assert declared == NAMES
    assert [error for error in declaration_errors() if "outreach" in error] == []


def test_held_events_are_counted_and_the_roll_up_agrees(account, k01):
    by = account("outreach")
    lecture = make_event(k01, Event.Kind.SCHOOL_LECTURE, by=by)
    lecture.students = 400
    lecture.save()
    make_event(k01, Event.Kind.SCHOOL_LECTURE, Event.Status.PLANNED, by=by)
    make_event(k01, Event.Kind.SCHOOL_LECTURE, Event.Status.CANCELLED, by=by)
    parents = make_event(k01, Event.Kind.PARENT_CLASS, by=by)
    parents.parents = 35
    parents.save()
    make_event(k01, Event.Kind.PARENT_CLASS, by=by)
    make_event(k01, Event.Kind.GROUP_THERAPY, by=by)
    make_event(k01, Event.Kind.GROUP_COUNSELLING, by=by)
    training = make_event(k01, Event.Kind.TRAINING, by=by)
    training.trainees_count = 12
    training.save()
    community = make_event(k01, Event.Kind.COMMUNITY_EVENT, by=by)
    community.venue_type = VenueType.VILLAGE
    community.save()
    make_event(k01, Event.Kind.PARTNER_SERVICE, by=by)
    partner = Partner.objects.create(site=k01, name="某企业", kind=Partner.Kind.ENTERPRISE)
    today = timezone.localdate()
    Agreement.objects.create(
        partner=partner, starts_on=today - datetime.timedelta(days=10),
        ends_on=today + datetime.timedelta(days=300),
    )  # fmt: skip
    Agreement.objects.create(
        partner=partner, starts_on=today - datetime.timedelta(days=400),
        ends_on=today - datetime.timedelta(days=40),
    )  # fmt: skip
    window = Window.months_back(1)
    got = statistics.figures(window, site_path=k01.path)
    assert {name: got[name] for name in NAMES - {"community_events", "sites_meeting_targets"}} == {
        "school_lectures": 1, "students_reached": 400, "parent_classes": 2, "parents_reached": 35,
        "group_sessions": 1, "group_therapy_sessions": 1, "trainings": 1, "trainees": 12,
        "partner_services": 1, "active_agreements": 1,
    }  # fmt: skip
    assert got["community_events"]["village"] == 1
    assert sum(got["community_events"].values()) == 1
    # The window's last month is this month: k01 held 2 parent classes and 2 group sessions.
    assert got["sites_meeting_targets"] == 1
    SiteTarget.objects.create(site=k01, parent_classes=3, group_sessions=2)
    assert statistics.figures(window, site_path=k01.path)["sites_meeting_targets"] == 0
    statistics.rollup_refresh()
    lecture.status = Event.Status.CANCELLED
    lecture.save()  # the trigger marks the month stale: the change shows at once
    assert statistics.figures(window, site_path=k01.path)["school_lectures"] == 0
    statistics.rollup_refresh()
    assert statistics.figures(window, site_path=k01.path)["school_lectures"] == 0
    month = f"{window.first:%Y-%m}"
    assert statistics.trend(window, site_path=k01.path)[month]["parent_classes"] == 2
