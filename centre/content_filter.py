"""What may never appear in anything that leaves the clinical record: reminders, SMS, e-mails,
feedback to schools (DOMAIN.md §4.3). The pattern is the spec's, kept in one place."""

from __future__ import annotations

import re

FORBIDDEN = re.compile(
    r"(?i)(phq|gad|sdq|scl|mht|c-?ssrs|量表|测评结果|得分|分数|预警|红色|橙色|黄色|一级|二级|三级"
    r"|抑郁|焦虑|自杀|自伤|自残|轻生|危机|精神|住院|药|诊断"
    r"|diagnos|depress|anxiety|suicid|self-harm|psychiatr|medication|score)"
)


def forbidden_words(text: str) -> list[str]:
    """The forbidden words found in `text`, in order, without repeats."""
    found: list[str] = []
    for match in FORBIDDEN.finditer(text):
        word = match.group(0)
        if word.lower() not in (item.lower() for item in found):
            found.append(word)
    return found
