"""The tier engine against the worked examples T1–T9b of DOMAIN.md §2.5 (R-TR-1) and the crisis
task SLAs of §2.4 (R-TR-2)."""

from __future__ import annotations

import datetime

from screening import tiers
from screening.scoring import score
from screening.tiers import Mht, confirmed_tier, score_tier


def phq(total: int, item9: int = 0, instrument: str = "PHQ-9", **supplementary):
    rest, items = total - item9, []
    for _ in range(8):
        items.append(min(3, rest))
        rest -= items[-1]
    return score(instrument, [*items, item9], supplementary=supplementary or None)


def gad(total: int):
    rest, items = total, []
    for _ in range(7):
        items.append(min(3, rest))
        rest -= items[-1]
    return score("GAD-7", items)


def sdq_total(total: int, impact: int | None = None):
    """An SDQ whose total is `total` (reversed items at 0 give 10) and impact as given."""
    answers = [0] * 25
    extra = total - 10
    for item in [3, 8, 13, 16, 24, 5, 12, 18, 22, 2, 10, 15, 6, 19, 23]:
        answers[item - 1] = min(2, extra)
        extra -= answers[item - 1]
    impact_answers = None
    if impact is not None:
        # distress 3 (→2) + home 2 (→1) … adds up to `impact` after recoding.
        codes = {0: 0, 1: 2, 2: 3}
        impact_answers, rest = {"q26": 2}, impact
        for name in ("distress", "home", "friends", "classroom", "leisure"):
            step = min(2, rest)
            impact_answers[name] = codes[step]
            rest -= step
    return score("SDQ-S11-17", answers, impact=impact_answers)


def cssrs(**answers):
    return score("C-SSRS-SCREEN", {"q1": False, "q2": False, "q6": False} | answers).band


def test_t1_item_9_only_then_cssrs_low_is_orange_with_a_24_hour_task():
    stage1 = score_tier(phq=phq(1, item9=1))
    assert (stage1.tier, stage1.provisional, stage1.crisis_task_sla_hours) == ("orange", True, 24)
    assert confirmed_tier(stage1, cssrs(q1=True)) == "orange"


def test_t2_phq_12_and_gad_8_is_yellow():
    assert score_tier(phq=phq(12), gad=gad(8)).tier == "yellow"


def test_t3_phq_20_is_orange_without_a_crisis_task():
    stage1 = score_tier(phq=phq(20))
    assert (stage1.tier, stage1.provisional, stage1.crisis_task_sla_hours) == (
        "orange",
        False,
        None,
    )


def test_t4_item_9_at_2_then_cssrs_high_is_red_with_a_4_hour_task():
    stage1 = score_tier(phq=phq(6, item9=2))
    assert (stage1.tier, stage1.crisis_task_sla_hours) == ("orange", 4)
    band = cssrs(q1=True, q2=True, q3=False, q4=True, q5=False)
    assert confirmed_tier(stage1, band) == "red"


def test_t5_sdq_abnormal_with_impact_3_is_orange():
    result = sdq_total(22, impact=3)
    assert (result.total, result.band, result.impact) == (22, "abnormal", 3)
    assert score_tier(sdq=result).tier == "orange"


def test_t6_sdq_borderline_with_low_phq_and_gad_is_blue():
    assert score_tier(sdq=sdq_total(17), phq=phq(3), gad=gad(2)).tier == "blue"


def test_t7_an_invalid_mht_gives_no_tier_and_a_retest():
    stage1 = score_tier(mht=Mht(total=70, validity=8, highest_content_scale=9))
    assert (stage1.tier, stage1.retest) == ("none", ["MHT"])


def test_t8_lifetime_attempt_only_then_cssrs_past_behaviour_is_orange():
    stage1 = score_tier(
        phq=phq(0, instrument="PHQ-A", lifetime_attempt=True),
        phq_supplementary={"lifetime_attempt": True},
    )
    assert (stage1.tier, stage1.provisional, stage1.crisis_task_sla_hours) == ("yellow", False, 72)
    assert confirmed_tier(stage1, cssrs(q6=True, q6_past_3_months=False)) == "orange"


def test_t9_phq_10_with_the_default_cutoff_is_yellow():
    result = phq(10)
    assert result.band == "moderate"
    assert score_tier(phq=result, gad=gad(3)).tier == "yellow"


def test_t9b_the_same_with_cutoff_11_is_blue_and_the_band_unchanged():
    result = phq(10)
    assert score_tier(phq=result, gad=gad(3), phq_referral_cutoff=11).tier == "blue"
    assert result.band == "moderate"


def test_a_crisis_hold_is_released_by_a_cssrs_of_none():
    stage1 = score_tier(phq=phq(1, item9=1))
    assert confirmed_tier(stage1) == "orange"  # before the interview
    assert confirmed_tier(stage1, cssrs()) == "none"  # after: the score tier without the hold


def test_phq_a_serious_thoughts_this_month_is_a_same_day_task():
    stage1 = score_tier(
        phq=phq(0, instrument="PHQ-A", serious_thoughts_past_month=True),
        phq_supplementary={"serious_thoughts_past_month": True},
    )
    assert (stage1.tier, stage1.crisis_task_sla_hours) == ("orange", 4)


def test_the_clinician_may_raise_the_tier_and_downgrades_are_detected():
    stage1 = score_tier(phq=phq(12))
    assert confirmed_tier(stage1, cssrs(), clinician="red") == "red"
    assert tiers.is_downgrade("orange", "yellow")
    assert not tiers.is_downgrade("yellow", "red")


def test_a_new_result_opens_the_crisis_task_first_else_the_next_action_of_its_tier():
    crisis = score_tier(phq=phq(1, item9=1))
    assert tiers.first_tasks(crisis) == [("crisis", datetime.timedelta(hours=24))]
    assert tiers.first_tasks(score_tier(gad=gad(15))) == [("interview", datetime.timedelta(days=3))]
    assert tiers.first_tasks(score_tier(gad=gad(5))) == [("watch", datetime.timedelta(days=120))]
    assert tiers.first_tasks(score_tier(gad=gad(0))) == []


def test_after_the_interview_a_blue_opens_no_task_and_a_red_an_interview_within_4_hours():
    assert tiers.action_after_interview(tiers.RED) == ("interview", datetime.timedelta(hours=4))
    assert tiers.action_after_interview(tiers.YELLOW) == (
        "interview",
        datetime.timedelta(days=14),
    )
    assert tiers.action_after_interview(tiers.BLUE) is None
    assert tiers.action_after_interview(tiers.NONE) is None
