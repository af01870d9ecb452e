"""The graded warning scheme (分级预警, DOMAIN.md §2.2–2.4) as pure functions.

Stage 1 turns a student's scores into a *score tier* (the highest matching row wins) and, when a
suicide-related flag is set, a crisis-flag task with its SLA. Stage 2 adds the C-SSRS interview and
the clinician's judgement: `confirmed = max(score tier, C-SSRS tier, clinician tier)`. Lowering a
confirmed tier needs a reason and a second person (enforced by the services, not here).

Tiers are codes shown with colour and words, never a bare number: red 一级 is the most urgent."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from screening.models import TrackingTask
from screening.scoring import PHQA, ScoreResult

RED, ORANGE, YELLOW, BLUE, NONE = "red", "orange", "yellow", "blue", "none"
RANK = {NONE: 0, BLUE: 1, YELLOW: 2, ORANGE: 3, RED: 4}
DEFAULT_PHQ_REFERRAL_CUTOFF = 10

# Crisis-flag task SLA in hours (§2.4): same school day, one school day, three school days.
CRISIS_SLA_SAME_DAY = 4
CRISIS_SLA_ONE_DAY = 24
CRISIS_SLA_THREE_DAYS = 72

# How long the next action may wait, by tier, when there is no crisis task (DOMAIN.md §2.4).
NEXT_ACTION = {
    RED: (TrackingTask.Kind.INTERVIEW, datetime.timedelta(hours=4)),
    ORANGE: (TrackingTask.Kind.INTERVIEW, datetime.timedelta(days=3)),
    YELLOW: (TrackingTask.Kind.INTERVIEW, datetime.timedelta(days=14)),
    BLUE: (TrackingTask.Kind.WATCH, datetime.timedelta(days=120)),
}

CRISIS_HOLD = "crisis flag (held until the C-SSRS)"
MHT_VALIDITY_INVALID = 7
MHT_TOTAL_FLAG = 65
MHT_CONTENT_FLAG = 8


@dataclass(frozen=True)
class Mht:
    """An MHT protocol's total, its validity (lie) scale and its highest content scale."""

    total: int
    validity: int
    highest_content_scale: int


@dataclass(frozen=True)
class ScoreTier:
    tier: str
    provisional: bool  # held at orange until the C-SSRS interview (a crisis flag)
    crisis_task_sla_hours: int | None
    # The tier once the C-SSRS is done: the same triggers without the crisis-flag hold.
    settled_tier: str = NONE
    reasons: list[str] = field(default_factory=list)
    retest: list[str] = field(default_factory=list)  # instruments whose protocol is invalid


def highest(*tiers: str | None) -> str:
    return max((NONE, *(tier or NONE for tier in tiers)), key=RANK.__getitem__)


def score_tier(
    *,
    phq: ScoreResult | None = None,
    gad: ScoreResult | None = None,
    sdq: ScoreResult | None = None,
    mht: Mht | None = None,
    phq_referral_cutoff: int = DEFAULT_PHQ_REFERRAL_CUTOFF,
    phq_supplementary: dict | None = None,
) -> ScoreTier:
    """Stage 1 (DOMAIN.md §2.3): every matching trigger, the highest tier wins."""
    found: list[tuple[str, str]] = []
    retest: list[str] = []
    if phq is not None:
        found += _phq_triggers(phq, phq_referral_cutoff)
    if gad is not None and gad.total is not None:
        if gad.total >= 15:
            found.append((ORANGE, "GAD-7 ≥ 15"))
        elif gad.total >= 10:
            found.append((YELLOW, "GAD-7 10–14"))
        elif gad.total >= 5:
            found.append((BLUE, "GAD-7 5–9"))
    if sdq is not None:
        found += _sdq_triggers(sdq)
    if mht is not None:
        if mht.validity >= MHT_VALIDITY_INVALID:
            retest.append("MHT")
        elif mht.total >= MHT_TOTAL_FLAG or mht.highest_content_scale >= MHT_CONTENT_FLAG:
            found.append((YELLOW, "MHT"))
    tier = highest(*(tier for tier, _ in found))
    return ScoreTier(
        tier=tier,
        provisional=bool(phq and phq.crisis_flag),
        settled_tier=highest(*(tier for tier, reason in found if reason != CRISIS_HOLD)),
        crisis_task_sla_hours=crisis_task_sla(phq, phq_supplementary or {}),
        reasons=[reason for found_tier, reason in found if found_tier == tier],
        retest=retest,
    )


def _phq_triggers(phq: ScoreResult, cutoff: int) -> list[tuple[str, str]]:
    found = []
    total = phq.total
    if total is None:  # never: a PHQ is scored only with every item answered
        raise ValueError(f"{phq.instrument} without a total")
    if phq.crisis_flag:
        found.append((ORANGE, CRISIS_HOLD))
    if total >= 15:
        found.append((ORANGE, f"{phq.instrument} ≥ 15"))
    elif total >= cutoff:
        found.append((YELLOW, f"{phq.instrument} ≥ {cutoff}"))
    elif total >= 5:
        found.append((BLUE, f"{phq.instrument} 5–{cutoff - 1}"))
    if phq.instrument == PHQA and phq.risk_review_flag and not phq.crisis_flag:
        found.append((YELLOW, "lifetime attempt"))
    return found


def _sdq_triggers(sdq: ScoreResult) -> list[tuple[str, str]]:
    if sdq.band == "abnormal":
        if sdq.impact is not None and sdq.impact >= 2:
            return [(ORANGE, "SDQ abnormal with impact ≥ 2")]
        return [(YELLOW, "SDQ abnormal")]
    if sdq.band == "borderline" or "abnormal" in (sdq.subscale_bands or {}).values():
        return [(BLUE, "SDQ borderline or a subscale abnormal")]
    return []


def crisis_task_sla(phq: ScoreResult | None, supplementary: dict) -> int | None:
    """Hours to the C-SSRS interview: none without a suicide-related flag."""
    if phq is None:
        return None
    item9 = phq.items_by_key.get("self_harm_thoughts", 0)
    if item9 >= 2 or supplementary.get("serious_thoughts_past_month") is True:
        return CRISIS_SLA_SAME_DAY
    if item9 == 1:
        return CRISIS_SLA_ONE_DAY
    if phq.risk_review_flag:  # a lifetime attempt only
        return CRISIS_SLA_THREE_DAYS
    return None


def first_tasks(score: ScoreTier) -> list[tuple[str, datetime.timedelta]]:
    """The task a new result opens, with how long it may wait (§2.4): the C-SSRS interview when a
    suicide-related flag is set, else the next action of its tier; none below blue."""
    if score.crisis_task_sla_hours is not None:
        delay = datetime.timedelta(hours=score.crisis_task_sla_hours)
        return [(TrackingTask.Kind.CRISIS_ASSESSMENT, delay)]
    if score.tier in NEXT_ACTION:
        return [NEXT_ACTION[score.tier]]
    return []


def action_after_interview(tier: str) -> tuple[str, datetime.timedelta] | None:
    """The next action once the C-SSRS has confirmed `tier`: an interview for yellow and above;
    none for blue, which requires no interview (§2.4)."""
    if tier == BLUE:
        return None
    return NEXT_ACTION.get(tier)


def cssrs_tier(band: str | None) -> str | None:
    """Stage 2: high → red; moderate or low → orange (any ideation in a minor); none → none."""
    return {"high": RED, "moderate": ORANGE, "low": ORANGE}.get(band or "")


def confirmed_tier(
    score: ScoreTier, cssrs_band: str | None = None, clinician: str | None = None
) -> str:
    """max(score tier, C-SSRS tier, clinician tier). Before the C-SSRS (`cssrs_band` None) the
    crisis hold stands; after it, the score tier without the hold applies."""
    base = score.tier if cssrs_band is None else score.settled_tier
    return highest(base, cssrs_tier(cssrs_band), clinician)


def is_downgrade(old: str, new: str) -> bool:
    return RANK[new] < RANK[old]
