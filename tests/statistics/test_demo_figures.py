"""`seed_demo` makes every figure of the last 12 months non-zero."""

from __future__ import annotations

from centre import statistics


def test_every_figure_of_the_last_12_months_is_non_zero(demo_network):
    from counselling import demo as counselling_demo
    from outreach import demo as outreach_demo
    from screening import demo as screening_demo

    for demo in (counselling_demo, screening_demo, outreach_demo):
        demo.seed(password=None, log=lambda message: None)
    figures = statistics.figures(statistics.Window.months_back(12))
    for name, value in figures.items():
        if isinstance(value, dict):
            assert sum(value.values()) > 0, name
        else:
            assert value, name
