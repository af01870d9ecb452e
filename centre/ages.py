"""A child's age on a given day, and the age from which a child consents for themselves: the
rule every app applies alike (counselling's consents, screening's per-student consent)."""

from __future__ import annotations

import datetime

# PIPL Art. 31: a child under 14 is consented for by a guardian; from 14 the child's own separate
# consent is needed (DOMAIN.md §5.2).
OWN_CONSENT_AGE = 14


def age_on(born: datetime.date, day: datetime.date) -> int:
    """Whole years from `born` to `day`: a birthday counts from its own day on (a child born on
    29 February turns a year older on 1 March in other years)."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))
