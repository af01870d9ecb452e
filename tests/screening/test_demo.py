"""`seed_demo`'s screening: a campaign per demo school, every tier present, once."""

from __future__ import annotations

from centre.models import School
from screening import demo
from screening.models import Campaign, ScreeningResult, TrackingTask


def test_every_demo_school_has_a_screened_roster_with_every_tier(demo_network):
    demo.seed(password=None, log=lambda message: None)
    assert Campaign.objects.count() == School.objects.count()
    tiers = set(ScreeningResult.objects.values_list("tier", flat=True))
    assert tiers == {"red", "orange", "yellow", "blue", "none"}
    assert TrackingTask.objects.filter(kind="crisis", status="open").exists()
    count = ScreeningResult.objects.count()
    demo.seed(password=None, log=lambda message: None)
    assert ScreeningResult.objects.count() == count
