"""Scoring of the screening instruments, exactly as DOMAIN.md §1 and §3.2 — pure Python, no Django.

    score(instrument, responses, *, supplementary=None, impact=None) -> ScoreResult

Used by roster uploads, online forms and the hotline alike. Raw answers go in; totals, bands and
flags come out, with the norm set that produced them. Invalid input raises `ScoringError` with a
`code`: wrong_item_count, invalid_item_value, incomplete, missing_required, skip_logic_violation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, overload

from centre.errors import ServiceError

PHQ9 = "PHQ-9"
PHQA = "PHQ-A"
GAD7 = "GAD-7"
SDQ = "SDQ-S11-17"
CSSRS = "C-SSRS-SCREEN"
INSTRUMENTS = (PHQ9, PHQA, GAD7, SDQ, CSSRS)

# The norm set (cut-offs and their source) each result records; a new norm set is a new name.
NORM_SETS = {
    PHQ9: "PHQ-9-Kroenke-2001",
    PHQA: "PHQ-A-Kroenke-2001",  # PHQ-A, with PHQ-9's cut-offs (DOMAIN.md §1.2)
    GAD7: "GAD-7-Spitzer-2006",
    SDQ: "SDQ-UK-self-3band",
    CSSRS: "C-SSRS-screener-recent",
}

# Item positions by meaning: PHQ-A swaps items 1/2 and 4/5 (DOMAIN.md §1.2).
PHQ9_KEYS = (
    "anhedonia",
    "depressed_mood",
    "sleep",
    "energy",
    "appetite",
    "self_worth",
    "concentration",
    "psychomotor",
    "self_harm_thoughts",
)
PHQA_KEYS = (
    "depressed_mood",
    "anhedonia",
    "sleep",
    "appetite",
    "energy",
    "self_worth",
    "concentration",
    "psychomotor",
    "self_harm_thoughts",
)

PHQ_BANDS = (
    (4, "minimal"),
    (9, "mild"),
    (14, "moderate"),
    (19, "moderately_severe"),
    (27, "severe"),
)
GAD7_BANDS = ((4, "minimal"), (9, "mild"), (14, "moderate"), (21, "severe"))

SDQ_SCALES = {
    "emotional": (3, 8, 13, 16, 24),
    "conduct": (5, 7, 12, 18, 22),
    "hyperactivity": (2, 10, 15, 21, 25),
    "peer": (6, 11, 14, 19, 23),
    "prosocial": (1, 4, 9, 17, 20),
}
SDQ_REVERSED = frozenset({7, 11, 14, 21, 25})
SDQ_DIFFICULTIES = ("emotional", "conduct", "hyperactivity", "peer")
# Highest score still "normal", highest still "borderline" (self-report, UK 3-band).
SDQ_BANDS = {
    "total": (15, 19),
    "emotional": (5, 6),
    "conduct": (3, 4),
    "hyperactivity": (5, 6),
    "peer": (3, 5),
    "impact": (0, 1),
}
SDQ_PROSOCIAL_ABNORMAL_MAX = 4  # prosocial runs the other way: low is the problem
SDQ_PROSOCIAL_BORDERLINE = 5
SDQ_IMPACT_ITEMS = ("distress", "home", "friends", "classroom", "leisure")
SDQ_IMPACT_RECODE = {0: 0, 1: 0, 2: 1, 3: 2}

PHQA_SUPPLEMENTARY = {
    "dysthymia_past_year": bool,
    "functional_difficulty": int,
    "serious_thoughts_past_month": bool,
    "lifetime_attempt": bool,
}


class ScoringError(ServiceError, ValueError):
    """Answers that cannot be scored: a service error (400, its `code`) wherever it is raised."""

    CODES = frozenset(
        {
            "wrong_item_count",
            "invalid_item_value",
            "incomplete",
            "missing_required",
            "skip_logic_violation",
        }
    )

    def __init__(self, code: str, message: str) -> None:
        if code not in self.CODES:
            raise ValueError(f"unknown scoring error code {code!r}")
        super().__init__(message, code=code)


@dataclass(frozen=True)
class ScoreResult:
    instrument: str
    total: int | None
    band: str | None
    crisis_flag: bool
    norm_set: str
    subscales: dict[str, int | None] | None = None
    subscale_bands: dict[str, str | None] | None = None
    externalising: int | None = None
    internalising: int | None = None
    impact: int | None = None
    impact_band: str | None = None
    risk_review_flag: bool | None = None
    items_by_key: dict[str, int] = field(default_factory=dict)


def score(
    instrument: str,
    responses,
    *,
    supplementary: Mapping | None = None,
    impact: Mapping | None = None,
) -> ScoreResult:
    if instrument in (PHQ9, PHQA):
        return _phq(instrument, responses, supplementary)
    if instrument == GAD7:
        return _gad7(responses)
    if instrument == SDQ:
        return _sdq(responses, impact)
    if instrument == CSSRS:
        return _cssrs(responses)
    raise ScoringError("invalid_item_value", f"unknown instrument {instrument!r}")


@overload
def _items(
    responses: object, *, count: int, highest: int, allow_missing: Literal[False]
) -> list[int]: ...
@overload
def _items(
    responses: object, *, count: int, highest: int, allow_missing: bool
) -> list[int | None]: ...
def _items(responses: Any, *, count: int, highest: int, allow_missing: bool) -> list[Any]:
    if isinstance(responses, str | bytes) or not isinstance(responses, Sequence):
        raise ScoringError("wrong_item_count", f"expected a list of {count} answers")
    if len(responses) != count:
        raise ScoringError("wrong_item_count", f"expected {count} answers, got {len(responses)}")
    for position, value in enumerate(responses, start=1):
        if value is None:
            if not allow_missing:
                raise ScoringError("incomplete", f"item {position} is not answered")
            continue
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= highest:
            raise ScoringError(
                "invalid_item_value", f"item {position}: {value!r} is not 0 to {highest}"
            )
    return list(responses)


def _band(total: int, bands: tuple[tuple[int, str], ...]) -> str:
    return next(name for highest, name in bands if total <= highest)


def _phq(instrument: str, responses, supplementary: Mapping | None) -> ScoreResult:
    # Every item is required and item 9 is never imputed (DOMAIN.md §1.1 "missing items").
    items = _items(responses, count=9, highest=3, allow_missing=False)
    total = sum(items)
    crisis = items[8] >= 1
    risk_review = None
    if instrument == PHQA:
        answers = _phqa_supplementary(supplementary or {})
        crisis = crisis or answers.get("serious_thoughts_past_month") is True
        risk_review = crisis or answers.get("lifetime_attempt") is True
    keys = PHQA_KEYS if instrument == PHQA else PHQ9_KEYS
    return ScoreResult(
        instrument=instrument,
        total=total,
        band=_band(total, PHQ_BANDS),
        crisis_flag=crisis,
        norm_set=NORM_SETS[instrument],
        risk_review_flag=risk_review,
        items_by_key=dict(zip(keys, items, strict=True)),
    )


def _phqa_supplementary(answers: Mapping) -> dict:
    unknown = set(answers) - set(PHQA_SUPPLEMENTARY)
    if unknown:
        raise ScoringError("invalid_item_value", f"unknown PHQ-A questions {sorted(unknown)}")
    for name, kind in PHQA_SUPPLEMENTARY.items():
        value = answers.get(name)
        if value is None:
            continue
        if kind is bool and not isinstance(value, bool):
            raise ScoringError("invalid_item_value", f"{name}: yes or no")
        if kind is int and (isinstance(value, bool) or value not in (0, 1, 2, 3)):
            raise ScoringError("invalid_item_value", f"{name}: 0 to 3")
    return dict(answers)


def _gad7(responses) -> ScoreResult:
    items = _items(responses, count=7, highest=3, allow_missing=False)
    total = sum(items)
    return ScoreResult(
        instrument=GAD7,
        total=total,
        band=_band(total, GAD7_BANDS),
        crisis_flag=False,  # no self-harm item
        norm_set=NORM_SETS[GAD7],
    )


def _sdq_band(name: str, value: int | None) -> str | None:
    if value is None:
        return None
    if name == "prosocial":
        if value <= SDQ_PROSOCIAL_ABNORMAL_MAX:
            return "abnormal"
        return "borderline" if value == SDQ_PROSOCIAL_BORDERLINE else "normal"
    normal, borderline = SDQ_BANDS[name]
    if value <= normal:
        return "normal"
    return "borderline" if value <= borderline else "abnormal"


def _sdq_scale(codes: list[int | None], items: tuple[int, ...]) -> int | None:
    """Prorated when 3 or more of 5 are answered: floor(0.5 + 5 × mean), in integers."""
    scores = [
        2 - code if item in SDQ_REVERSED else code
        for item in items
        if (code := codes[item - 1]) is not None
    ]
    answered = len(scores)
    if answered < 3:
        return None
    return (answered + 10 * sum(scores)) // (2 * answered)


def _sdq(responses, impact_answers: Mapping | None) -> ScoreResult:
    codes = _items(responses, count=25, highest=2, allow_missing=True)
    scales = {name: _sdq_scale(codes, items) for name, items in SDQ_SCALES.items()}
    difficulties = [scales[name] for name in SDQ_DIFFICULTIES]
    total = _sum_or_none(*difficulties)
    impact = _sdq_impact(impact_answers) if impact_answers is not None else None
    return ScoreResult(
        instrument=SDQ,
        total=total,
        band=_sdq_band("total", total),
        crisis_flag=False,  # no self-harm item
        norm_set=NORM_SETS[SDQ],
        subscales=scales,
        subscale_bands={name: _sdq_band(name, value) for name, value in scales.items()},
        externalising=_sum_or_none(scales["conduct"], scales["hyperactivity"]),
        internalising=_sum_or_none(scales["emotional"], scales["peer"]),
        impact=impact,
        impact_band=_sdq_band("impact", impact),
    )


def _sum_or_none(*values: int | None) -> int | None:
    return None if None in values else sum(value for value in values if value is not None)


def _sdq_impact(answers: Mapping) -> int | None:
    """Q26 "No" → 0; else the five answers recoded 0,0,1,2 (unanswered 0); missing only when
    all five are unanswered."""
    unknown = set(answers) - {"q26", *SDQ_IMPACT_ITEMS}
    if unknown:
        raise ScoringError("invalid_item_value", f"unknown impact questions {sorted(unknown)}")
    for name in ("q26", *SDQ_IMPACT_ITEMS):
        value = answers.get(name)
        if value is not None and (isinstance(value, bool) or value not in (0, 1, 2, 3)):
            raise ScoringError("invalid_item_value", f"{name}: 0 to 3")
    if answers.get("q26") == 0:
        return 0
    given = [answers.get(name) for name in SDQ_IMPACT_ITEMS]
    if all(value is None for value in given):
        return None
    return sum(SDQ_IMPACT_RECODE[value] for value in given if value is not None)


CSSRS_QUESTIONS = ("q1", "q2", "q3", "q4", "q5", "q6", "q6_past_3_months")


def _cssrs(answers) -> ScoreResult:
    if not isinstance(answers, Mapping):
        raise ScoringError("wrong_item_count", "expected the answers q1 to q6 by name")
    unknown = set(answers) - set(CSSRS_QUESTIONS)
    if unknown:
        raise ScoringError("invalid_item_value", f"unknown questions {sorted(unknown)}")
    for name in CSSRS_QUESTIONS:
        value = answers.get(name)
        if value is not None and not isinstance(value, bool):
            raise ScoringError("invalid_item_value", f"{name}: yes (true) or no (false)")
    q = {name: answers.get(name) for name in CSSRS_QUESTIONS}
    for name in ("q1", "q2", "q6"):  # always asked
        if q[name] is None:
            raise ScoringError("missing_required", f"{name} is always asked")
    asked_after_yes = [q["q3"], q["q4"], q["q5"]]
    if q["q2"] is False and any(value is not None for value in asked_after_yes):
        raise ScoringError("skip_logic_violation", "q3 to q5 are asked only when q2 is yes")
    if q["q2"] is True and any(value is None for value in asked_after_yes):
        raise ScoringError("missing_required", "q3 to q5 are asked when q2 is yes")
    if q["q6"] is True and q["q6_past_3_months"] is None:
        raise ScoringError("missing_required", "q6 yes needs: within the past 3 months?")
    recent_behaviour = q["q6"] is True and q["q6_past_3_months"] is True
    if q["q4"] or q["q5"] or recent_behaviour:
        band = "high"
    elif q["q3"] or (q["q6"] is True and q["q6_past_3_months"] is False):
        band = "moderate"
    elif q["q1"] or q["q2"]:
        band = "low"
    else:
        band = "none"
    return ScoreResult(
        instrument=CSSRS,
        total=None,
        band=band,
        crisis_flag=band == "high",
        norm_set=NORM_SETS[CSSRS],
    )
