"""Who sees which outreach record, decided here and nowhere else.

Outreach coordinators, facilitators and supervisors see the events of their site and the sites
below it; every other role sees none (the statistics administrator reads aggregates only, from
`outreach.statistics`). A group's participant list is shown only to a user who may see every
listed case (counselling's selectors decide).
"""

from __future__ import annotations

# --- out1 --- events, series, participants

# --- end out1 ---

# --- out2 ---

# --- end out2 ---
