"""The outreach demo: a year shaped like the reference centre, made once."""

from __future__ import annotations

import pytest
from django.db.models import Sum

from outreach import demo
from outreach.models import Event, Topic

pytestmark = pytest.mark.django_db


def test_the_demo_year_is_shaped_like_the_reference_centre_and_made_once(demo_network):
    # The migration's topics are gone after a test that flushed the database.
    Topic.objects.get_or_create(code="study-stress", defaults={"name_zh": "学业压力"})
    demo.seed(password=None, log=lambda message: None)
    held = Event.objects.filter(status=Event.Status.HELD)
    lectures = held.filter(kind=Event.Kind.SCHOOL_LECTURE)
    classes = held.filter(kind=Event.Kind.PARENT_CLASS)
    assert lectures.count() == 25
    assert lectures.aggregate(n=Sum("students"))["n"] >= 10_000
    assert classes.count() == 30
    assert classes.aggregate(n=Sum("parents"))["n"] >= 1_000
    assert held.filter(kind=Event.Kind.GROUP_THERAPY).count() == 40
    assert held.exclude(venue_type="").values("venue_type").distinct().count() == 6
    assert held.values("site").distinct().count() > 1
    total = Event.objects.count()
    demo.seed(password=None, log=lambda message: None)
    assert Event.objects.count() == total
