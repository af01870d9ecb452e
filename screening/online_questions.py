"""The questions of the online form, one per screen, in plain words (primary-school reading level):
PHQ-A (or PHQ-9) with PHQ-A's supplementary questions (DOMAIN.md §1.2), and GAD-7. The SDQ is
never put online without the centre's licence (DOMAIN.md §1.4), so a campaign with it is not
opened online.

A question's `key` is where its answer is kept in the session: "<instrument>:<item>" or
"supplementary:<name>"."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from screening import scoring

FREQUENCY = (
    (0, _("Not at all")),
    (1, _("Several days")),
    (2, _("More than half the days")),
    (3, _("Nearly every day")),
)
YES_NO = ((1, _("Yes")), (0, _("No")))
DIFFICULTY = (
    (0, _("Not difficult at all")),
    (1, _("Somewhat difficult")),
    (2, _("Very difficult")),
    (3, _("Extremely difficult")),
)
PAST_TWO_WEEKS = _("In the past two weeks, how often have you been bothered by this?")

PHQA_ITEMS = (
    _("Feeling down, sad, irritable or hopeless"),
    _("Little interest or fun in doing things"),
    _("Trouble falling asleep, staying asleep, or sleeping too much"),
    _("Poor appetite, weight loss, or eating too much"),
    _("Feeling tired or having little energy"),
    _("Feeling bad about yourself, or that you have let yourself or your family down"),
    _("Trouble concentrating on schoolwork, reading or watching TV"),
    _("Moving or speaking so slowly that others noticed, or being so restless you moved a lot"),
    _("Thoughts that you would be better off dead, or of hurting yourself in some way"),
)
# PHQ-9 swaps items 1/2 and 4/5 back (scoring.PHQ9_KEYS).
PHQ9_ITEMS = tuple(PHQA_ITEMS[n] for n in (1, 0, 2, 4, 3, 5, 6, 7, 8))
GAD7_ITEMS = (
    _("Feeling nervous, anxious or on edge"),
    _("Not being able to stop or control worrying"),
    _("Worrying too much about different things"),
    _("Trouble relaxing"),
    _("Being so restless that it is hard to sit still"),
    _("Becoming easily annoyed or irritable"),
    _("Feeling afraid as if something awful might happen"),
)
SUPPLEMENTARY = (
    (
        "dysthymia_past_year",
        _("In the past year, have you felt depressed or sad most days, even if you felt okay "
          "sometimes?"),
        YES_NO,
    ),
    (
        "functional_difficulty",
        _("If you are having any of these problems, how difficult have they made it for you to "
          "do your work, take care of things at home or get along with others?"),
        DIFFICULTY,
    ),
    (
        "serious_thoughts_past_month",
        _("Has there been a time in the past month when you had serious thoughts about ending "
          "your life?"),
        YES_NO,
    ),
    (
        "lifetime_attempt",
        _("Have you ever, in your whole life, tried to kill yourself or made a suicide attempt?"),
        YES_NO,
    ),
)  # fmt: skip
ONLINE_INSTRUMENTS = frozenset({scoring.PHQA, scoring.PHQ9, scoring.GAD7})


@dataclass(frozen=True)
class Question:
    key: str
    lead: str | Promise  # what the question asks about ("In the past two weeks…"), or ""
    text: str | Promise
    choices: tuple[tuple[int, str | Promise], ...]


def questions(instruments: list[str]) -> list[Question]:
    """The campaign's questions in the order they are asked."""
    asked: list[Question] = []
    for instrument in instruments:
        items = {scoring.PHQA: PHQA_ITEMS, scoring.PHQ9: PHQ9_ITEMS, scoring.GAD7: GAD7_ITEMS}
        for number, text in enumerate(items[instrument], start=1):
            asked.append(Question(f"{instrument}:{number}", PAST_TWO_WEEKS, text, FREQUENCY))
        if instrument == scoring.PHQA:
            asked += [
                Question(f"supplementary:{name}", "", text, choices)
                for name, text, choices in SUPPLEMENTARY
            ]
    return asked


@functools.cache
def _every_question() -> dict[str, Question]:
    return {question.key: question for question in questions(sorted(ONLINE_INSTRUMENTS))}


def question_by_key(key: str) -> Question | None:
    """The question `key` names in any campaign (its choices are the same in all), or None;
    whether the student's campaign asks it is the service's to check."""
    return _every_question().get(key)
