"""`seed_demo`'s counselling records: every status, risk, session kind and referral state, for
real (through the services), and only once."""

from __future__ import annotations

import datetime

from django.db.models import F
from django.utils import timezone

from centre.models import AuditEntry
from counselling import demo
from counselling.models import (
    Case,
    CaseConference,
    CounsellingSession,
    Referral,
    RiskChange,
    RiskLevel,
    SafetyPlan,
)
from counselling.selectors import case_visible_to
from tests.support.accounts import DEMO_PASSWORD


def seed() -> None:
    demo.seed(password=DEMO_PASSWORD, log=lambda message: None)


def test_the_demo_caseload_covers_every_status_risk_kind_and_referral_state(account):
    seed()
    assert set(Case.objects.values_list("status", flat=True)) == set(Case.Status.values)
    assert set(Case.objects.values_list("risk_level", flat=True)) == set(RiskLevel.values)
    assert set(CounsellingSession.objects.values_list("kind", flat=True)) == set(
        CounsellingSession.Kind.values
    )
    assert set(Referral.objects.values_list("status", flat=True)) == set(Referral.Status.values)
    assert CaseConference.objects.count() == 3
    for username in ("counsellor", "counsellor2"):
        assert case_visible_to(user=account(username)).count() >= 30
    # Some cases were reassessed after intake (case_change_risk), up and down.
    # (Reasons are encrypted and never searched: they are told apart once read.)
    changes = RiskChange.objects.only("level_from", "level_to", "reason")
    pairs = [
        (change.level_from, change.level_to)
        for change in changes
        if change.reason in demo.REASSESSMENTS.values()
    ]
    rank = RiskLevel.values.index
    moves = {rank(to) > rank(before) for before, to in pairs}
    assert moves == {True, False}
    # Moderate risk and above always has a safety plan.
    risky = Case.objects.filter(risk_rank__gte=2)
    assert not risky.exclude(pk__in=SafetyPlan.objects.values("case_id")).exists()


def test_the_history_spreads_over_the_last_twelve_months(demo_network):
    seed()
    opened = sorted(Case.objects.values_list("opened_at", flat=True))
    assert (opened[-1] - opened[0]).days > 200


def test_seeding_again_adds_nothing(account):
    seed()
    counts = (Case.objects.count(), CounsellingSession.objects.count(), AuditEntry.objects.count())
    seed()
    assert (
        Case.objects.count(),
        CounsellingSession.objects.count(),
        AuditEntry.objects.count(),
    ) == counts


def test_the_demo_has_overdue_follow_ups_and_reminders_due_now(account):
    from django.utils import timezone

    from centre.models import Reminder
    from counselling.models import FollowUp

    seed()
    follow_ups = FollowUp.objects.all()
    assert follow_ups.filter(status="done").exists()
    assert follow_ups.filter(status="due", due_at__lt=timezone.now()).exists()
    assert Reminder.objects.filter(status="pending", due_at__lte=timezone.now()).exists()
    assert Reminder.objects.filter(channel="sms").exists()


def test_no_demo_session_falls_outside_its_case(account):
    """A closed case has no session after it closed; no session comes before its case opened."""
    seed()
    sessions = CounsellingSession.objects.all()
    assert sessions.filter(case__status="closed").exists()
    assert not sessions.filter(case__closed_at__isnull=False, held_at__gt=F("case__closed_at"))
    assert not sessions.filter(held_at__lt=F("case__opened_at"))
    assert not Case.objects.filter(status="closed", closed_at__isnull=True).exists()


def test_demo_children_are_in_grades_their_school_has_at_an_age_that_fits(account):
    from centre.demo import GRADES
    from counselling.models import Client

    seed()
    today = timezone.localdate()
    clients = Client.objects.select_related("school")
    assert clients.count() >= 60
    for client in clients:
        usual_age = dict(GRADES[client.school.level])[client.grade]  # KeyError: a wrong grade
        born = client.date_of_birth
        age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
        assert usual_age - 1 <= age <= min(usual_age, 17), (client.grade, age)


def test_each_demo_counsellor_has_follow_ups_done_due_today_overdue_and_planned(account):
    from counselling.models import FollowUp

    seed()
    now = timezone.now()
    today = timezone.localdate()
    for username in ("counsellor", "counsellor2"):
        mine = FollowUp.objects.filter(case__counsellor=account(username))
        open_ = mine.filter(status="due")
        overdue = open_.filter(due_at__lt=now)
        due_today = [f for f in open_ if timezone.localdate(f.due_at) == today]
        planned = open_.filter(due_at__date__gt=today)
        done = mine.filter(status="done")
        assert done.exists(), username
        assert overdue.exists(), username
        assert due_today, username
        assert planned.exists(), username
        # Spread, not piled up: most past follow-ups were done, only some cases have one overdue.
        assert overdue.count() < done.count()
        with_plan = mine.values("case").distinct().count()
        assert overdue.values("case").distinct().count() <= with_plan / 2
        # A follow-up is done after it was due and never in the future.
        assert not done.filter(done_at__gt=now).exists()
        assert not done.filter(done_at__lt=F("due_at")).exists()


def test_the_demo_has_sessions_this_month_even_on_the_1st_and_when_seeded_before(account):
    """Issue 13: the statistics' current month was empty. Each open demo case was seen earlier
    today; a demo seeded in an earlier month gets this month's sessions when seeded again —
    once."""
    import time_machine

    from tests.support.clock import at

    def this_month() -> tuple[int, set[int]]:
        now = timezone.localtime()
        start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        held = CounsellingSession.objects.filter(held_at__gte=start)
        assert not CounsellingSession.objects.filter(held_at__gt=now).exists()
        return held.count(), set(held.values_list("case_id", flat=True))

    open_cases = Case.objects.exclude(status=Case.Status.CLOSED)
    with time_machine.travel(at(2027, 1, 1, 8) + datetime.timedelta(minutes=30)):
        seed()
        count, cases = this_month()
        assert count
        assert cases >= set(open_cases.values_list("pk", flat=True))
    with time_machine.travel(at(2027, 2, 1, 0) + datetime.timedelta(minutes=20)):
        assert this_month() == (0, set())
        seed()
        count, cases = this_month()
        assert cases == set(open_cases.values_list("pk", flat=True))
        audited = AuditEntry.objects.count()
        seed()
        assert this_month() == (count, cases)
        assert AuditEntry.objects.count() == audited
