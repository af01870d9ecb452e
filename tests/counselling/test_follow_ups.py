"""Follow-up plans (DOMAIN.md §4.2) and the reminders they plan (§4.3), without a worker: the
outbox rows are what is checked here; tests/counselling/test_reminders.py sends them for real."""

from __future__ import annotations

import datetime
import io
import json
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone, translation
from hypothesis import HealthCheck, given, settings, strategies

from centre import reminders
from centre.content_filter import forbidden_words
from centre.models import Reminder
from centre.versioning import StaleEditError
from counselling import services
from counselling.models import Case, Consent, FollowUp, Guardian
from tests.support.clock import years_ago
from tests.support.counselling import consent_to_reminders, overdue_follow_up

SHANGHAI = ZoneInfo("Asia/Shanghai")
ANCHOR = datetime.datetime(2026, 1, 31, 10, 0, tzinfo=SHANGHAI)


def local(moment: datetime.datetime) -> str:
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


def test_the_plan_after_counselling_ends():
    dates = services.plan_dates(pathway="counselling_end", anchor=ANCHOR)
    assert [(step, local(due)) for step, due in dates] == [
        ("7d", "2026-02-07 10:00"),
        ("1m", "2026-02-28 10:00"),  # calendar month, clamped to the month's end
        ("3m", "2026-04-30 10:00"),
        ("6m", "2026-07-31 10:00"),
        ("12m", "2027-01-31 10:00"),
    ]


def test_the_plan_after_a_crisis_or_discharge():
    dates = services.plan_dates(pathway="crisis", anchor=ANCHOR)
    assert [(step, local(due)) for step, due in dates] == [
        ("24h", "2026-02-01 10:00"),
        ("7d", "2026-02-07 10:00"),
        ("30d", "2026-03-02 10:00"),
        ("44d", "2026-03-16 10:00"),
        ("58d", "2026-03-30 10:00"),
        ("72d", "2026-04-13 10:00"),
        ("3m", "2026-04-30 10:00"),
        ("6m", "2026-07-31 10:00"),
        ("12m", "2027-01-31 10:00"),
    ]


def test_a_step_that_is_not_a_number_and_unit_is_refused():
    with pytest.raises(ValueError, match="follow-up step"):
        services.step_offset("3 months")


def to_recovery(case: Case, actor) -> Case:
    for status in ("active", "recovery"):
        services.case_change_status(
            actor=actor, case=case, status=status, expected_version=case.version
        )
    return case


def test_recovery_makes_the_plan_from_the_day_it_happens(alice, make_case):
    case = make_case(counsellor=alice)
    with time_machine.travel(ANCHOR, tick=False):
        to_recovery(case, alice)
    plan = list(case.follow_ups.values_list("pathway", "step", "due_at"))
    assert [step for _, step, _ in plan] == ["7d", "1m", "3m", "6m", "12m"]
    assert {pathway for pathway, _, _ in plan} == {"counselling_end"}
    assert local(plan[0][2]) == "2026-02-07 10:00"
    # Closing after recovery keeps the plan; it is not made twice.
    services.case_change_status(
        actor=alice, case=case, status="closed", expected_version=case.version
    )
    assert case.follow_ups.count() == 5


def test_a_high_risk_case_gets_the_crisis_plan(alice, make_case):
    case = make_case(counsellor=alice, risk_level="high")
    to_recovery(case, alice)
    assert case.follow_ups.first().step == "24h"
    assert set(case.follow_ups.values_list("pathway", flat=True)) == {"crisis"}


def test_back_to_active_work_cancels_what_is_due_and_its_reminders(alice, make_case):
    case = to_recovery(make_case(counsellor=alice), alice)
    services.case_change_status(
        actor=alice, case=case, status="active", expected_version=case.version
    )
    assert set(case.follow_ups.values_list("status", flat=True)) == {"cancelled"}
    assert not Reminder.objects.filter(status="pending").exists()


def test_an_outcome_with_a_higher_risk_raises_it_and_reopens_the_case(alice, make_case):
    case = to_recovery(make_case(counsellor=alice), alice)
    follow_up = case.follow_ups.first()
    services.follow_up_record_outcome(
        actor=alice,
        follow_up=follow_up,
        expected_version=follow_up.version,
        attended=True,
        outcome="近期情绪反复",
        risk_assessed="moderate",
    )
    case.refresh_from_db()
    assert (case.risk_level, case.status) == ("moderate", "active")
    assert timezone.localdate().isoformat() in case.risk_changes.first().reason
    follow_up.refresh_from_db()
    assert follow_up.status == "done"
    assert not case.follow_ups.filter(status="due").exists()  # the rest was cancelled


def test_a_missed_contact_is_recorded_as_missed(alice, make_case):
    case = to_recovery(make_case(counsellor=alice), alice)
    follow_up = case.follow_ups.first()
    services.follow_up_record_outcome(
        actor=alice,
        follow_up=follow_up,
        expected_version=follow_up.version,
        attended=False,
        outcome="两次电话未接通",
    )
    follow_up.refresh_from_db()
    assert follow_up.status == "missed"
    case.refresh_from_db()
    assert case.status == "recovery"


def test_moving_a_follow_up_replans_its_reminders_and_refuses_a_stale_move(alice, make_case):
    case = make_case(counsellor=alice)
    follow_up = services.follow_up_add(
        actor=alice, case=case, due_at=timezone.now() + datetime.timedelta(days=3)
    )
    first = Reminder.objects.get(target_id=str(follow_up.pk), status="pending")
    services.follow_up_move(
        actor=alice,
        follow_up=follow_up,
        due_at=timezone.now() + datetime.timedelta(days=9),
        expected_version=1,
    )
    first.refresh_from_db()
    assert first.status == "cancelled"
    assert Reminder.objects.filter(target_id=str(follow_up.pk), status="pending").count() == 1
    with pytest.raises(StaleEditError):
        services.follow_up_move(
            actor=alice, follow_up=follow_up, due_at=timezone.now(), expected_version=1
        )


def sms_for(case, alice) -> list[Reminder]:
    follow_up = services.follow_up_add(
        actor=alice, case=case, due_at=timezone.now() + datetime.timedelta(days=5)
    )
    return list(Reminder.objects.filter(target_id=str(follow_up.pk), channel="sms"))


def test_without_a_consent_to_reminders_no_sms_is_planned(alice, make_case):
    assert sms_for(make_case(counsellor=alice), alice) == []


def test_high_risk_guardians_are_called_by_a_person_not_texted(alice, make_case):
    case = make_case(counsellor=alice, risk_level="imminent")
    consent_to_reminders(alice, case)
    assert sms_for(case, alice) == []
    call = Reminder.objects.get(channel="inbox", recipient=alice)
    assert call.template == "follow_up_call"


def test_under_14_the_guardian_gets_the_sms(alice, make_case):
    case = make_case(counsellor=alice, age=12)
    consent_to_reminders(alice, case)
    (sms,) = sms_for(case, alice)
    assert sms.phone == case.client.guardians.first().phone


def test_from_14_the_young_person_who_consented_gets_it(alice, make_case):
    case = make_case(counsellor=alice, age=15)
    case.client.phone = "13612345678"
    case.client.save(update_fields=["phone"])
    consent_to_reminders(alice, case, given_by="client")
    (sms,) = sms_for(case, alice)
    assert sms.phone == "13612345678"


def test_an_overdue_follow_up_reaches_the_supervisor_once(alice, sam, make_case):
    case = make_case(counsellor=alice)
    services.follow_up_add(actor=alice, case=case, due_at=timezone.now())
    assert services.escalate_overdue() == 0
    with time_machine.travel(timezone.now() + datetime.timedelta(days=3)):
        assert services.escalate_overdue() == 1
        assert services.escalate_overdue() == 0
    escalation = Reminder.objects.get(template="follow_ups_overdue")
    assert escalation.recipient == sam


def test_the_monthly_case_conference_reminder_goes_once_to_each_supervisor(sam):
    services.remind_case_conferences()
    services.remind_case_conferences()
    assert list(
        Reminder.objects.filter(template="case_conference_due").values_list("recipient", flat=True)
    ) == [sam.pk]


def test_the_morning_digest_carries_counts_and_no_names(alice, make_case, mailoutbox):
    alice.email = "wangmin@portal.invalid"
    alice.save(update_fields=["email"])
    case = make_case(counsellor=alice)
    overdue_follow_up(alice, case)
    assert services.send_digests() == 1
    assert services.send_digests() == 1  # planned again: the same key, one row
    (digest,) = Reminder.objects.filter(template="follow_up_digest")
    Reminder.objects.filter(pk=digest.pk).update(status="queued")
    assert reminders.reminder_send(digest.pk)
    (mail,) = mailoutbox
    assert mail.to == ["wangmin@portal.invalid"]
    assert "1" in mail.body
    assert case.client.full_name not in mail.subject + mail.body


def test_the_reminders_command_prints_the_counts_as_json(alice, make_case):
    case = make_case(counsellor=alice)
    services.follow_up_add(actor=alice, case=case, due_at=timezone.now())
    output = io.StringIO()
    call_command("reminders", "--json", stdout=output)
    assert json.loads(output.getvalue()) == {
        "due": 1,
        "queued": 0,
        "sending": 0,
        "sent": 0,
        "failed": 0,
    }


NAMES = strategies.text(
    alphabet=strategies.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5),
    min_size=2,
    max_size=4,
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    name=NAMES,
    age=strategies.integers(min_value=6, max_value=17),
    risk=strategies.sampled_from(["none", "low", "moderate", "high", "imminent"]),
    concerns=strategies.sampled_from(["抑郁，有自杀念头", "PHQ-9 得分 21", "焦虑，服药中", "失眠"]),
    language=strategies.sampled_from(["zh-hans", "en"]),
    status_path=strategies.sampled_from([["active", "recovery"], ["active", "closed"], ["closed"]]),
)
def test_no_planned_message_carries_forbidden_content_or_a_full_name(
    alice, k01, school, name, age, risk, concerns, language, status_path
):
    """Whatever the child, the case and its clinical words, every message planned for it passes
    the content filter, names nobody in full, fits one SMS and obeys the recipient rules."""
    client = services.client_register(
        actor=alice,
        site=k01,
        full_name=name + str(Case.objects.count()),
        sex="female",
        date_of_birth=years_ago(age),
        school=school,
    )
    guardian = services.guardian_add(
        actor=alice,
        client=client,
        relationship="mother",
        full_name=name + "妈",
        phone="13900000000",
    )
    Guardian.objects.filter(pk=guardian.pk).update(language=language)
    for purpose in (Consent.Purpose.COUNSELLING, Consent.Purpose.REMINDERS):
        services.consent_record(
            actor=alice,
            client=client,
            purpose=purpose,
            given_by="guardian",
            guardian=guardian,
            version="2026-01",
        )
    case = services.case_open(
        actor=alice,
        client=client,
        site=k01,
        source="school",
        presenting_concerns=concerns,
        counsellor=alice,
        risk_level=risk,
    )
    for status in status_path:
        services.case_change_status(
            actor=alice, case=case, status=status, expected_version=case.version
        )
    planned = Reminder.objects.filter(target_type="counselling.followup").filter(
        target_id__in=[str(pk) for pk in case.follow_ups.values_list("pk", flat=True)]
    )
    assert planned.exists()
    for reminder in planned:
        message = reminders.render(
            template=reminder.template,
            params=reminder.params,
            language=reminder.language,
            channel=reminder.channel,
        )
        text = f"{message.title} {message.body}"
        assert forbidden_words(text) == []
        assert client.full_name not in text
        assert guardian.full_name not in text
        if reminder.channel == "sms":
            assert risk not in {"high", "imminent"}
            assert reminder.phone == guardian.phone
            assert len(message.title) <= 70
    assert FollowUp.objects.filter(case=case).count() == len(
        set(planned.values_list("target_id", flat=True))
    )


@pytest.mark.parametrize(
    ("step", "chinese", "english"),
    [
        ("24h", "24 小时", "24 hours"),
        ("7d", "7 天", "7 days"),
        ("2w", "2 周", "2 weeks"),
        ("1m", "1 个月", "1 month"),
        ("12m", "12 个月", "12 months"),
        ("", "", ""),  # a follow-up added by hand has no step
    ],
)
def test_a_step_reads_in_words_never_as_its_code(step, chinese, english):
    follow_up = FollowUp(pathway=FollowUp.Pathway.CRISIS, step=step)
    with translation.override("zh-hans"):
        assert follow_up.step_label() == chinese
        assert str(follow_up) == f"危机或出院后 {chinese}"
    with translation.override("en"):
        assert follow_up.step_label() == english
