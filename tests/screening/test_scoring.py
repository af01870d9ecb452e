"""screening.scoring against every rule, band edge and error of DOMAIN.md §1 and §3.2
(R-SC-1 … R-SC-10)."""

from __future__ import annotations

import pytest

from screening.scoring import ScoringError, score


def phq(total: int, item9: int = 0) -> list[int]:
    """Nine answers adding up to `total`, with item 9 as given."""
    rest = total - item9
    items = []
    for _ in range(8):
        value = min(3, rest)
        items.append(value)
        rest -= value
    assert rest == 0
    return [*items, item9]


def gad(total: int) -> list[int]:
    items, rest = [], total
    for _ in range(7):
        value = min(3, rest)
        items.append(value)
        rest -= value
    return items


def raises(code: str, *args, **kwargs) -> None:
    with pytest.raises(ScoringError) as error:
        score(*args, **kwargs)
    assert error.value.code == code


# PHQ-9 (R-SC-1, R-SC-2, R-SC-3) ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, "minimal"),
        (4, "minimal"),
        (5, "mild"),
        (9, "mild"),
        (10, "moderate"),
        (14, "moderate"),
        (15, "moderately_severe"),
        (19, "moderately_severe"),
        (20, "severe"),
        (27, "severe"),
    ],
)
@pytest.mark.parametrize("instrument", ["PHQ-9", "PHQ-A"])
def test_phq_bands_at_every_edge(instrument, total, band):
    result = score(instrument, phq(total, item9=max(0, total - 24)))
    assert (result.total, result.band) == (total, band)


def test_item_9_raises_the_crisis_flag_whatever_the_total():
    assert score("PHQ-9", phq(1, item9=1)).crisis_flag is True
    low = score("PHQ-9", phq(3, item9=3))
    assert (low.band, low.crisis_flag) == ("minimal", True)
    severe = score("PHQ-9", phq(24, item9=0))
    assert (severe.band, severe.crisis_flag) == ("severe", False)


def test_an_incomplete_phq_is_refused_and_item_9_never_imputed():
    raises("incomplete", "PHQ-9", [1, 1, 1, 1, 1, 1, 1, 1, None])
    raises("incomplete", "PHQ-9", [None, 1, 1, 1, 1, 1, 1, 1, 0])


@pytest.mark.parametrize(
    ("responses", "code"),
    [
        ([0] * 8, "wrong_item_count"),
        ([0] * 10, "wrong_item_count"),
        ("000000000", "wrong_item_count"),
        ([0, 0, 0, 0, 0, 0, 0, 0, 4], "invalid_item_value"),
        ([0, 0, 0, 0, 0, 0, 0, 0, -1], "invalid_item_value"),
        ([0, 0, 0, 0, 0, 0, 0, 0, True], "invalid_item_value"),
        ([0, 0, 0, 0, 0, 0, 0, 0, "1"], "invalid_item_value"),
        ([0, 0, 0, 0, 0, 0, 0, 0, 1.0], "invalid_item_value"),
    ],
)
def test_phq_input_errors(responses, code):
    raises(code, "PHQ-9", responses)


def test_phq_a_maps_items_by_meaning():
    phq9 = score("PHQ-9", [3, 0, 0, 2, 1, 0, 0, 0, 0])
    phqa = score("PHQ-A", [0, 3, 0, 1, 2, 0, 0, 0, 0])
    assert phq9.items_by_key == phqa.items_by_key
    assert phq9.items_by_key["anhedonia"] == 3
    assert phq9.items_by_key["appetite"] == 1


# PHQ-A (R-SC-4) --------------------------------------------------------------------------------


def test_phq_a_past_month_serious_thoughts_is_a_crisis_even_with_all_items_zero():
    result = score("PHQ-A", [0] * 9, supplementary={"serious_thoughts_past_month": True})
    assert (result.total, result.crisis_flag, result.risk_review_flag) == (0, True, True)


def test_phq_a_lifetime_attempt_alone_is_a_review_not_a_crisis():
    result = score("PHQ-A", [0] * 9, supplementary={"lifetime_attempt": True})
    assert (result.crisis_flag, result.risk_review_flag) == (False, True)


def test_phq_a_item_9_is_a_crisis_and_a_review():
    result = score("PHQ-A", phq(2, item9=2))
    assert (result.crisis_flag, result.risk_review_flag) == (True, True)


def test_phq_a_without_flags():
    result = score(
        "PHQ-A",
        [1] * 8 + [0],
        supplementary={
            "dysthymia_past_year": True,
            "functional_difficulty": 2,
            "serious_thoughts_past_month": False,
            "lifetime_attempt": False,
        },
    )
    assert (result.band, result.crisis_flag, result.risk_review_flag) == ("mild", False, False)


@pytest.mark.parametrize(
    "supplementary",
    [
        {"lifetime_attempt": "yes"},
        {"functional_difficulty": 4},
        {"functional_difficulty": True},
        {"something_else": True},
    ],
)
def test_phq_a_supplementary_errors(supplementary):
    raises("invalid_item_value", "PHQ-A", [0] * 9, supplementary=supplementary)


# GAD-7 (R-SC-5) --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, "minimal"),
        (4, "minimal"),
        (5, "mild"),
        (9, "mild"),
        (10, "moderate"),
        (14, "moderate"),
        (15, "severe"),
        (21, "severe"),
    ],
)
def test_gad_7_bands_and_never_a_crisis(total, band):
    result = score("GAD-7", gad(total))
    assert (result.total, result.band, result.crisis_flag) == (total, band, False)


def test_gad_7_maximum_is_21_and_errors():
    assert score("GAD-7", [3] * 7).total == 21
    raises("wrong_item_count", "GAD-7", [3] * 8)
    raises("invalid_item_value", "GAD-7", [4] + [0] * 6)
    raises("incomplete", "GAD-7", [None] + [0] * 6)


# SDQ (R-SC-6 … R-SC-9) -------------------------------------------------------------------------

REVERSED = {7, 11, 14, 21, 25}
PROSOCIAL = {1, 4, 9, 17, 20}


def sdq(**codes: int) -> list[int | None]:
    """All "Not true" (0), with `item_N=code` overrides (None = unanswered)."""
    answers: list[int | None] = [0] * 25
    for name, value in codes.items():
        answers[int(name.removeprefix("item_")) - 1] = value
    return answers


def test_sdq_all_not_true_gives_10_not_0():
    result = score("SDQ-S11-17", sdq())
    assert result.total == 10  # the five reversed items score 2 each
    assert result.subscales == {
        "emotional": 0,
        "conduct": 2,
        "hyperactivity": 4,
        "peer": 4,
        "prosocial": 0,
    }


def test_sdq_a_reversed_item_answered_somewhat_true_scores_1():
    result = score("SDQ-S11-17", sdq(item_7=1))
    assert result.subscales["conduct"] == 1


def test_sdq_proration_from_3_of_5_rounding_half_up():
    # Emotional items 3, 8, 13, 16, 24: three answered, raw 4 → 6.67 → 7 (the official example).
    result = score("SDQ-S11-17", sdq(item_3=2, item_8=2, item_13=0, item_16=None, item_24=None))
    assert result.subscales["emotional"] == 7
    # Half-way: 5 × mean = 2.5 must give 3 (Python's round() would give 2): 4 answered, raw 2.
    result = score("SDQ-S11-17", sdq(item_3=1, item_8=1, item_13=0, item_16=0, item_24=None))
    assert result.subscales["emotional"] == 3


def test_sdq_two_of_five_is_missing_and_so_is_the_total():
    result = score("SDQ-S11-17", sdq(item_3=2, item_8=2, item_13=None, item_16=None, item_24=None))
    assert result.subscales["emotional"] is None
    assert result.total is None
    assert result.band is None
    assert result.internalising is None
    assert result.externalising == 6  # conduct 2 + hyperactivity 4


def test_sdq_prosocial_is_not_in_the_total_and_low_is_abnormal():
    all_kind = score("SDQ-S11-17", sdq(**{f"item_{item}": 2 for item in PROSOCIAL}))
    assert all_kind.subscales["prosocial"] == 10
    assert all_kind.total == 10
    assert all_kind.subscale_bands["prosocial"] == "normal"
    assert score("SDQ-S11-17", sdq()).subscale_bands["prosocial"] == "abnormal"


def total_of(value: int) -> list[int]:
    """Answers giving a total difficulties score of `value` (reversed items at 0 = 2 points)."""
    answers = sdq()
    extra = value - 10
    for item in [3, 8, 13, 16, 24, 5, 12, 18, 22, 2, 10, 15, 6, 19, 23]:
        step = min(2, extra)
        answers[item - 1] = step
        extra -= step
    assert extra == 0
    return answers


@pytest.mark.parametrize(
    ("total", "band"),
    [(10, "normal"), (15, "normal"), (16, "borderline"), (19, "borderline"), (20, "abnormal")],
)
def test_sdq_total_bands(total, band):
    result = score("SDQ-S11-17", total_of(total))
    assert (result.total, result.band) == (total, band)


@pytest.mark.parametrize(
    ("scale", "items", "edges"),
    [
        ("emotional", (3, 8, 13, 16, 24), {5: "normal", 6: "borderline", 7: "abnormal"}),
        ("peer", None, {3: "normal", 4: "borderline", 5: "borderline", 6: "abnormal"}),
        ("conduct", None, {3: "normal", 4: "borderline", 5: "abnormal"}),
        ("hyperactivity", None, {5: "normal", 6: "borderline", 7: "abnormal"}),
        ("prosocial", None, {4: "abnormal", 5: "borderline", 6: "normal"}),
    ],
)
def test_sdq_subscale_band_edges(scale, items, edges):
    from screening.scoring import _sdq_band

    for value, band in edges.items():
        assert _sdq_band(scale, value) == band


def test_sdq_impact_recoding_and_q26_no():
    impact = {"q26": 2, "distress": 3, "home": 2, "friends": 1, "classroom": 0, "leisure": None}
    result = score("SDQ-S11-17", sdq(), impact=impact)
    assert (result.impact, result.impact_band) == (3, "abnormal")  # 2 + 1 + 0 + 0 + 0
    result = score("SDQ-S11-17", sdq(), impact={"q26": 0, "distress": 3})
    assert (result.impact, result.impact_band) == (0, "normal")
    result = score("SDQ-S11-17", sdq(), impact={"q26": 1, "distress": 2})
    assert (result.impact, result.impact_band) == (1, "borderline")
    result = score("SDQ-S11-17", sdq(), impact={"q26": 1})
    assert result.impact is None
    assert score("SDQ-S11-17", sdq()).impact is None


def test_sdq_input_errors():
    raises("wrong_item_count", "SDQ-S11-17", [0] * 24)
    raises("invalid_item_value", "SDQ-S11-17", sdq(item_1=3))
    raises("invalid_item_value", "SDQ-S11-17", sdq(), impact={"distress": 4})
    assert score("SDQ-S11-17", sdq()).crisis_flag is False


# C-SSRS screener (R-SC-10) ---------------------------------------------------------------------


def cssrs(**answers):
    base = {"q1": False, "q2": False, "q6": False}
    return base | answers


@pytest.mark.parametrize(
    ("answers", "band"),
    [
        (cssrs(), "none"),
        (cssrs(q1=True), "low"),
        (cssrs(q1=True, q2=True, q3=False, q4=False, q5=False), "low"),
        (cssrs(q2=True, q3=True, q4=False, q5=False), "moderate"),
        (cssrs(q2=True, q3=False, q4=True, q5=False), "high"),
        (cssrs(q2=True, q3=False, q4=False, q5=True), "high"),
        (cssrs(q6=True, q6_past_3_months=True), "high"),
        (cssrs(q6=True, q6_past_3_months=False), "moderate"),
        (cssrs(q1=True, q6=True, q6_past_3_months=False), "moderate"),
    ],
)
def test_cssrs_risk_rules(answers, band):
    result = score("C-SSRS-SCREEN", answers)
    assert (result.band, result.total, result.crisis_flag) == (band, None, band == "high")


def test_cssrs_skip_logic_and_required_answers():
    raises("skip_logic_violation", "C-SSRS-SCREEN", cssrs(q2=False, q3=True))
    raises("skip_logic_violation", "C-SSRS-SCREEN", cssrs(q2=False, q4=False))
    raises("missing_required", "C-SSRS-SCREEN", cssrs(q6=True))
    raises("missing_required", "C-SSRS-SCREEN", {"q1": True, "q2": False})
    raises("missing_required", "C-SSRS-SCREEN", cssrs(q2=True, q3=True))
    raises("invalid_item_value", "C-SSRS-SCREEN", cssrs(q1="yes"))
    raises("wrong_item_count", "C-SSRS-SCREEN", [True, False])


def test_every_result_names_its_norm_set():
    assert score("PHQ-9", [0] * 9).norm_set == "PHQ-9-Kroenke-2001"
    assert score("SDQ-S11-17", sdq()).norm_set == "SDQ-UK-self-3band"


def test_an_unknown_instrument_is_refused():
    with pytest.raises(ScoringError):
        score("PHQ-8", [0] * 8)
