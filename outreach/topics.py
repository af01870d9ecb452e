"""The managed list of outreach topics, as first seeded by migration 0001. `ensure_topics` puts
back any that are missing: the demo calls it, and so do the tests after a flush (which empties
every table, data migrations' rows included)."""

from __future__ import annotations

TOPICS = [
    ("emotion-management", "情绪管理", "Emotion management"),
    ("study-stress", "学业压力", "Study stress"),
    ("relationships", "人际关系", "Relationships"),
    ("parent-child-communication", "亲子沟通", "Parent–child communication"),
    ("crisis-recognition", "危机识别", "Crisis recognition"),
    ("life-education", "生命教育", "Life education"),
    ("bullying-prevention", "预防校园欺凌", "Bullying prevention"),
    ("online-safety", "网络安全", "Online safety"),
    ("sleep-exercise", "睡眠与运动", "Sleep & exercise"),
]


def ensure_topics() -> None:
    from outreach.models import Topic

    for order, (code, name_zh, name_en) in enumerate(TOPICS, start=1):
        Topic.objects.get_or_create(
            code=code, defaults={"name_zh": name_zh, "name_en": name_en, "order": order}
        )
