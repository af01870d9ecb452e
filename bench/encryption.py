"""What field-level encryption (centre/encryption.py) costs where clinical text is read most:
the case-file page and the session list, each against the same records stored in plain text.

Two cases of one counsellor with SESSIONS sessions each (three notes of ~NOTE_LENGTH characters),
SAFETY_PLANS safety-plan versions and REFERRALS referrals: one written encrypted, the other
written and read with encryption switched off (`plain_text()`, this script only). Figures: one
value encrypted and decrypted, the case-file page (`counselling:case`), the session list
(`/api/v1/counselling/sessions/?case=…`, a page of sessions) and one session's page with its
notes; medians of REPEAT runs, encrypted and plain alternated, and the ratio encrypted / plain
(target: under 1.10x). Its own database, `bench_encryption`.

    .venv/bin/python bench/encryption.py
"""

from __future__ import annotations

import contextlib
import datetime
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common

SESSIONS = 300
SAFETY_PLANS = 5
REFERRALS = 5
NOTE_LENGTH = 300
REPEAT = 60
NOTE = ("来访者自述本周睡眠改善，与同学关系仍紧张；练习情绪记录和放松训练。" * 20)[:NOTE_LENGTH]


@contextlib.contextmanager
def plain_text() -> Iterator[None]:
    """Encrypted fields write and read plain text, as before encryption (the baseline)."""
    with (
        mock.patch("centre.encryption.encrypt", lambda text: text),
        mock.patch("centre.encryption.decrypt", lambda stored: stored),
    ):
        yield


def make_case(counsellor, number: int):
    from django.utils import timezone

    from centre.models import School, Site
    from counselling.models import CounsellingSession, Referral, SafetyPlan
    from tests.support.counselling import open_case

    case = open_case(
        counsellor=counsellor,
        site=Site.objects.get(code="K01"),
        school=School.objects.get(code="SCH-0101"),
        full_name=f"基准{number}-{time.time_ns()}",
        date_of_birth=datetime.date(2012, 3, 4),
        presenting_concerns=NOTE,
    )
    now = timezone.now()
    CounsellingSession.objects.bulk_create(
        CounsellingSession(
            case=case, counsellor=counsellor, held_at=now - datetime.timedelta(days=index),
            modality="face_to_face", kind="counselling", attendance="attended",
            note_presenting=NOTE, note_intervention=NOTE, note_plan=NOTE,
        )
        for index in range(SESSIONS)
    )  # fmt: skip
    SafetyPlan.objects.bulk_create(
        SafetyPlan(
            case=case, number=index + 1, created_by=counsellor, warning_signs=NOTE,
            coping_strategies=NOTE, people_and_places=NOTE, professional_contacts=NOTE,
            means_safety=NOTE,
        )
        for index in range(SAFETY_PLANS)
    )  # fmt: skip
    Referral.objects.bulk_create(
        Referral(
            case=case, destination="outpatient", reason=NOTE, due_at=now, created_by=counsellor
        )
        for _ in range(REFERRALS)
    )
    return case


def measure_values() -> list[tuple[str, list[float], str]]:
    from centre import encryption

    stored = encryption.encrypt(NOTE)
    runs = 10_000

    def per_value(function) -> list[float]:
        # Microseconds a value, as the table's "ms" column: 1,000 values a sample.
        return [sample / runs * 1000 for sample in common.timed(function, 20)]

    return [
        (f"encrypt one {NOTE_LENGTH}-character note (µs)",
         per_value(lambda: [encryption.encrypt(NOTE) for _ in range(runs)]), ""),
        (f"decrypt one {NOTE_LENGTH}-character note (µs)",
         per_value(lambda: [encryption.decrypt(stored) for _ in range(runs)]), ""),
    ]  # fmt: skip


def main() -> None:
    from django.test import Client

    from centre.models import User
    from counselling.models import CounsellingSession

    counsellor = User.objects.get(username="counsellor")
    encrypted_case = make_case(counsellor, 1)
    with plain_text():
        plain_case = make_case(counsellor, 2)
    browser = Client()
    browser.force_login(counsellor)

    def get(url: str) -> None:
        response = browser.get(url)
        assert response.status_code == 200, (url, response.status_code)

    def pages(case) -> dict[str, str]:
        first_session = CounsellingSession.objects.filter(case=case).only("pk").first()
        return {
            "case-file page": f"/counselling/cases/{case.pk}/",
            "session list (API, one page)": f"/api/v1/counselling/sessions/?case={case.pk}",
            "one session's notes (page)": f"/counselling/sessions/{first_session.pk}/",
        }

    rows = measure_values()
    ratios = []
    for (name, encrypted_url), plain_url in zip(
        pages(encrypted_case).items(), pages(plain_case).values(), strict=True
    ):
        encrypted, plain = [], []
        # Alternated run by run, so a busy machine slows both alike.
        for run in range(REPEAT + 3):
            encrypted_ms = common.timed(lambda url=encrypted_url: get(url), 1)
            with plain_text():
                plain_ms = common.timed(lambda url=plain_url: get(url), 1)
            if run >= 3:  # the first runs warm caches and connections
                encrypted += encrypted_ms
                plain += plain_ms
        rows += [(f"{name}, encrypted", encrypted, ""), (f"{name}, plain text", plain, "")]
        ratios.append((name, common.summary(encrypted)[0] / common.summary(plain)[0]))
    title = (
        f"Field encryption: {SESSIONS} sessions of 3 notes, {SAFETY_PLANS} safety plans, "
        f"{REFERRALS} referrals a case; {REPEAT} runs"
    )
    common.print_table(title, rows)
    print()
    for name, ratio in ratios:
        verdict = "meets" if ratio < 1.10 else "MISSES"
        print(f"{name}: encrypted / plain {ratio:.2f}x ({verdict} the 1.10x target)")


if __name__ == "__main__":
    common.setup_django("bench_encryption")
    from centre import demo

    demo.seed(password=None, log=lambda message: None)
    main()
