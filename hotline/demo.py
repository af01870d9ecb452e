"""Demo hotline for `seed_demo`: a year of the city centre's line shaped like the reference line —
about 5,100 contacts, most about mood, anxiety or low self-worth (DOMAIN §3.3 codes from
`hotline.taxonomy`), one in six a silent, blank, prank, hang-up, wrong-number or abusive contact,
a few dozen at high risk whose crisis alerts were acknowledged (a few only after escalating to
the backup, one up to the supervisor step) and closed; callbacks done, not reached, and due.

Around now: a rota of the crisis team with the demo `crisis` account the primary on call and
`crisis2` the backup (shifts from a week ago to two weeks ahead, renewed when a later run finds
none covering now), a handover note for the shift, and one high-risk call saved minutes ago
through `hotline.services` whose alert waits for `crisis` to acknowledge it.

The year is made once (nothing is added while a call is there); bulk inserts, under a second or
two. No child's name or number anywhere: summaries are generic, the one repeat caller's number
is a made-up test number."""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable, Sequence
from typing import TypeVar

from django.contrib.auth.models import Group
from django.utils import timezone

from centre.models import Site, User
from centre.roles import Role
from hotline.caller import caller_hash
from hotline.models import (
    AlertEvent,
    Call,
    Callback,
    CallIssue,
    CrisisAlert,
    RotaShift,
    ShiftHandover,
)
from hotline.services.calls import ACTIONS_BY_RISK, call_save, call_start

T = TypeVar("T")

YEAR_CALLS = 5_120
NON_DATA_SHARE = 0.16  # silent, blank, prank, hang-up, wrong number, abusive
HIGH_RISK_SHARE = 0.018  # of data contacts: ~75 crisis alerts in the year
ESCALATED = 6  # past alerts acknowledged only after the backup was told (one also the supervisor)
BACKUP = ("crisis2", "林", "涛")  # the backup on call (the crisis team has 20 people)
REPEAT_NUMBER = "13800000000"  # a made-up number: the repeat-caller summary has something to show
SHIFT_HOURS = 12  # 08:00–20:00 and 20:00–08:00

# What the data contacts are about (first issue), weighted like the reference line: 3,000+ of
# 5,100 about depression, anxiety or low self-worth.
FIRST_ISSUES = [
    (("mental_health", "mood"), 30),
    (("mental_health", "fear_anxiety"), 24),
    (("mental_health", "self_concerns"), 16),
    (("education", "academic"), 8),
    (("family", "parental_conflict"), 5),
    (("peers", "classmates"), 4),
    (("violence", "bullying"), 3),
    (("mental_health", "self_harm"), 2),
    (("online_harms", "online_addiction"), 2),
    (("family", "left_behind"), 2),
    (("non_counselling", "parent_question"), 2),
    (("mental_health", "suicidal"), 1),
    (("physical_health", "general"), 1),
]
MORE_ISSUES = [
    ("education", "academic"),
    ("family", "caregiver"),
    ("peers", "friends"),
    ("mental_health", "anger"),
    ("education", "school_refusal"),
    ("online_harms", "cyberbullying"),
]
SUMMARIES = {
    "mood": "来电者诉说近期情绪低落，给予倾听、共情与支持。",
    "fear_anxiety": "来电者诉说考试前紧张焦虑、睡眠差，讲解放松方法。",
    "self_concerns": "来电者觉得自己不够好，探讨优点与可求助的人。",
    "academic": "来电者学习压力大，讨论作息与和老师沟通。",
    "parental_conflict": "来电者为家中争吵烦恼，给予支持并介绍家庭辅导。",
}
DEFAULT_SUMMARY = "倾听来电者的困扰，给予支持并介绍中心服务。"
HIGH_SUMMARY = "来电者有自伤念头，保持通话、确认位置与安全，联系监护人。"
NON_DATA = [  # contact type, weight
    (Call.ContactType.SILENT, 30),
    (Call.ContactType.HANG_UP, 30),
    (Call.ContactType.BLANK, 12),
    (Call.ContactType.WRONG_NUMBER, 12),
    (Call.ContactType.JOKE_PRANK, 10),
    (Call.ContactType.ABUSIVE, 6),
]
DATA_CONTACTS = [
    ((Call.ContactType.CHILD_ABOUT_SELF, Call.CallerRole.CHILD), 70),
    ((Call.ContactType.PARENT_ABOUT_CHILD, Call.CallerRole.PARENT), 20),
    ((Call.ContactType.TEACHER_ABOUT_CHILD, Call.CallerRole.TEACHER), 6),
    ((Call.ContactType.OTHER_ABOUT_CHILD, Call.CallerRole.OTHER), 4),
]
HOURS = [1, 1, 1, 1, 1, 1, 1, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 6, 7, 8, 9, 9, 7, 4]  # evenings
CHANNELS = [(Call.Channel.PHONE, 62), (Call.Channel.TRANSFER_12356, 18),
            (Call.Channel.WECHAT, 12), (Call.Channel.WEB_CHAT, 8)]  # fmt: skip
AGE_BANDS = [(Call.AgeBand.AGE_10_12, 15), (Call.AgeBand.AGE_13_15, 45),
             (Call.AgeBand.AGE_16_17, 30), (Call.AgeBand.UNDER_10, 3),
             (Call.AgeBand.UNKNOWN, 7)]  # fmt: skip
REGIONS = ["东湖区", "西山县", "南江县", "市区", ""]
# C-SSRS answers following its skip logic, one set per band (scored again by the live call).
CSSRS: dict[str, dict[str, bool]] = {
    Call.Risk.NONE: {"q1": False, "q2": False, "q6": False},
    Call.Risk.LOW: {"q1": True, "q2": False, "q6": False},
    Call.Risk.MODERATE: {"q1": True, "q2": True, "q3": True, "q4": False, "q5": False,
                         "q6": False},
    Call.Risk.HIGH: {"q1": True, "q2": True, "q3": True, "q4": True, "q5": False, "q6": False},
}  # fmt: skip


def seed(*, password: str | None, log: Callable[[str], object]) -> None:
    site = Site.objects.filter(code="CITY").first()
    operator = User.objects.filter(username="operator").first()
    crisis = User.objects.filter(username="crisis").first()
    if site is None or operator is None or crisis is None:
        return
    backup = _backup(site, password, log)
    _rota(site, crisis, backup, log)
    if Call.objects.filter(site=site).exists():
        log("hotline calls already there")
        return
    rng = random.Random("hotline-demo")  # noqa: S311 (made-up demo data)
    now = timezone.now()
    calls, issues = _year(site, operator, rng, now)
    Call.objects.bulk_create(calls, batch_size=1000)
    CallIssue.objects.bulk_create(
        [CallIssue(call=call, category=c, subcategory=s, position=position)
         for call, chosen in zip(calls, issues, strict=True)
         for position, (c, s) in enumerate(chosen, start=1)],
        batch_size=2000,
    )  # fmt: skip
    alerts = _alerts(calls, crisis, backup, operator, rng)
    callbacks = _callbacks(calls, operator, rng, now)
    ShiftHandover.objects.create(
        site=site,
        author=operator,
        written_at=now - datetime.timedelta(hours=1),
        shift_ends_at=now + datetime.timedelta(hours=2),
        note="本班无未结危机预警；有两个回访今天到期，请优先处理。",
    )
    live = _live_alert(operator, now)
    log(
        f"{len(calls):,} calls in the year, {alerts} crisis alerts, {callbacks} callbacks; "
        f"a live alert ({live.pk}) waits for crisis to acknowledge it"
    )


def _backup(site: Site, password: str | None, log: Callable[[str], object]) -> User:
    """The second crisis-team account, the backup on call (same demo password as the others)."""
    username, last_name, first_name = BACKUP
    user, created = User.objects.get_or_create(
        username=username,
        defaults={"last_name": last_name, "first_name": first_name, "site": site},
    )
    if created or password is not None:
        if password is None:
            user.set_unusable_password()
            log(f"{username} has no password yet: run seed_demo with DEMO_PASSWORD to set it")
        else:
            user.set_password(password)
        user.save(update_fields=["password"])
    user.groups.set([Group.objects.get(name=Role.CRISIS_TEAM.value)])
    return user


def _shift_start(at: datetime.datetime) -> datetime.datetime:
    local = timezone.localtime(at)
    start = local.replace(hour=8 if 8 <= local.hour < 20 else 20, minute=0, second=0, microsecond=0)
    if local.hour < 8:
        start -= datetime.timedelta(days=1)
    return start


def _rota(site: Site, primary: User, backup: User, log: Callable[[str], object]) -> None:
    """12-hour shifts from a week ago to two weeks ahead, `crisis` primary and `crisis2` backup;
    made again only when no primary shift covers now (a demo database seeded long ago)."""
    now = timezone.now()
    covering = RotaShift.objects.filter(
        site=site, role=RotaShift.Role.PRIMARY, starts_at__lte=now, ends_at__gt=now
    )
    if covering.exists():
        return
    # A week of past shifts the first time; from the current shift on when renewed.
    past = 0 if RotaShift.objects.filter(site=site).exists() else 7
    first = _shift_start(now) - datetime.timedelta(days=past)
    length = datetime.timedelta(hours=SHIFT_HOURS)
    shifts = [
        RotaShift(site=site, person=person, role=role, starts_at=first + n * length,
                  ends_at=first + (n + 1) * length, created_by=primary)
        for n in range((past + 14) * 24 // SHIFT_HOURS)
        for person, role in ((primary, RotaShift.Role.PRIMARY), (backup, RotaShift.Role.BACKUP))
    ]  # fmt: skip
    RotaShift.objects.bulk_create(shifts)
    log(f"{len(shifts)} rota shifts: {primary.username} on call now, {backup.username} backup")


def _weighted(rng: random.Random, options: Sequence[tuple[T, int]]) -> T:
    return rng.choices([value for value, _w in options], weights=[w for _v, w in options])[0]


def _year(
    site: Site, operator: User, rng: random.Random, now: datetime.datetime
) -> tuple[list[Call], list[list[tuple[str, str]]]]:
    calls: list[Call] = []
    issues: list[list[tuple[str, str]]] = []
    today = timezone.localtime(now).replace(minute=0, second=0, microsecond=0)
    for n in range(YEAR_CALLS):
        days_ago = rng.randint(0, 364)
        hour = rng.choices(range(24), weights=HOURS)[0]
        day = today - datetime.timedelta(days=days_ago)
        started = day.replace(hour=hour, minute=rng.randint(0, 59), second=rng.randint(0, 59))
        if started > now - datetime.timedelta(minutes=45):  # a call of tonight: a day earlier
            started -= datetime.timedelta(days=1)
        channel = _weighted(rng, CHANNELS)
        if rng.random() < NON_DATA_SHARE:
            seconds = rng.randint(4, 90)
            calls.append(
                Call(site=site, operator=operator, started_at=started, status=Call.Status.SAVED,
                     ended_at=started + datetime.timedelta(seconds=seconds), channel=channel,
                     contact_type=_weighted(rng, NON_DATA), duration_seconds=seconds)
            )  # fmt: skip
            issues.append([])
            continue
        contact_type, caller_role = _weighted(rng, DATA_CONTACTS)
        first = _weighted(rng, FIRST_ISSUES)
        chosen = [first]
        for _extra in range(rng.choice([0, 0, 1, 1, 2])):
            extra = rng.choice(MORE_ISSUES)
            if extra not in chosen:
                chosen.append(extra)
        risk = _risk(rng, first)
        high = risk == Call.Risk.HIGH
        seconds = rng.randint(30 * 60, 70 * 60) if high else rng.randint(6 * 60, 25 * 60)
        actions = list(ACTIONS_BY_RISK.get(risk, (Call.Action.SUPPORT_GIVEN,)))
        if risk != Call.Risk.HIGH:
            actions = rng.sample(actions, k=rng.randint(1, len(actions)))
        referrals = []
        if risk == Call.Risk.HIGH:
            referrals = [Call.Referral.PSYCHIATRIC_OUTPATIENT]
        elif risk == Call.Risk.MODERATE or rng.random() < 0.08:
            referrals = [Call.Referral.CENTRE_APPOINTMENT]
        wants_callback = risk in (Call.Risk.HIGH, Call.Risk.MODERATE) or rng.random() < 0.06
        repeat = n % 850 == 7  # six calls from one caller over the year
        calls.append(
            Call(
                site=site, operator=operator, started_at=started, status=Call.Status.SAVED,
                ended_at=started + datetime.timedelta(seconds=seconds), channel=channel,
                contact_type=contact_type, caller_role=caller_role,
                age_band=Call.AgeBand.ADULT if caller_role != Call.CallerRole.CHILD
                else _weighted(rng, AGE_BANDS),
                sex=rng.choice([Call.Sex.FEMALE, Call.Sex.FEMALE, Call.Sex.MALE,
                                Call.Sex.UNKNOWN]),
                region=rng.choice(REGIONS),
                summary=HIGH_SUMMARY if risk == Call.Risk.HIGH
                else SUMMARIES.get(first[1], DEFAULT_SUMMARY),
                actions=actions, referrals=referrals,
                callback_wanted=wants_callback, callback_consent=wants_callback,
                duration_seconds=seconds,
                caller_phone=REPEAT_NUMBER if repeat else "",
                caller_phone_hash=caller_hash(REPEAT_NUMBER) if repeat else "",
                cssrs_answers=CSSRS.get(risk, {}), risk=risk, crisis=risk == Call.Risk.HIGH,
            )
        )  # fmt: skip
        issues.append(chosen)
    paired = sorted(zip(calls, issues, strict=True), key=lambda pair: pair[0].started_at)
    return [call for call, _chosen in paired], [chosen for _call, chosen in paired]


def _risk(rng: random.Random, first: tuple[str, str]) -> str:
    """The C-SSRS band: asked on most mood calls and always on self-harm or suicidal ones."""
    if first[1] in ("self_harm", "suicidal"):
        return rng.choice([Call.Risk.HIGH, Call.Risk.MODERATE, Call.Risk.MODERATE])
    if rng.random() < HIGH_RISK_SHARE:
        return Call.Risk.HIGH
    if first[0] != "mental_health" and rng.random() < 0.5:
        return Call.Risk.NOT_ASKED
    bands = [Call.Risk.NONE, Call.Risk.LOW, Call.Risk.MODERATE]
    return str(rng.choices(bands, weights=[45, 40, 15])[0])


def _alerts(
    calls: list[Call], crisis: User, backup: User, operator: User, rng: random.Random
) -> int:
    """An alert for every high-risk call: acknowledged within minutes by `crisis` (a few only
    after escalating to the backup, who acknowledged), its actions and its closing."""
    crisis_calls = [call for call in calls if call.crisis]
    escalated = set(rng.sample(range(len(crisis_calls)), k=min(ESCALATED, len(crisis_calls))))
    alerts, timeline = [], []
    for n, call in enumerate(crisis_calls):
        raised = call.started_at + datetime.timedelta(minutes=rng.randint(2, 10))
        due = raised + datetime.timedelta(minutes=5)
        late = n in escalated
        by = backup if late else crisis
        acked = raised + datetime.timedelta(
            minutes=rng.randint(6, 14) if late else rng.randint(0, 4), seconds=rng.randint(5, 59)
        )
        closed = acked + datetime.timedelta(hours=rng.randint(1, 6))
        alert = CrisisAlert(
            site=call.site, call=call, raised_by=operator, raised_at=raised,
            status=CrisisAlert.Status.CLOSED, assignee=by, acknowledged_by=by,
            acknowledged_at=acked, acknowledge_by=due, closed_at=closed, closed_by=by,
            backup_told_at=due + datetime.timedelta(seconds=30) if late else None,
            supervisor_told_at=due + datetime.timedelta(minutes=5, seconds=30)
            if late and acked > due + datetime.timedelta(minutes=5, seconds=30) else None,
        )  # fmt: skip
        alerts.append(alert)
        steps = [(raised, AlertEvent.Kind.RAISED, operator, ""),
                 (raised, AlertEvent.Kind.TOLD, None, "primary")]  # fmt: skip
        if alert.backup_told_at:
            steps.append((alert.backup_told_at, AlertEvent.Kind.ESCALATED, None, "backup"))
        if alert.supervisor_told_at:
            steps.append((alert.supervisor_told_at, AlertEvent.Kind.ESCALATED, None, "supervisor"))
        steps += [
            (acked, AlertEvent.Kind.ACKNOWLEDGED, by, ""),
            (acked + datetime.timedelta(minutes=8), AlertEvent.Kind.ACTION, by,
             "已与监护人通话，确认孩子安全，约定次日到中心就诊。"),
            (closed, AlertEvent.Kind.CLOSED, by, "孩子安全，已转介精神科门诊。"),
        ]  # fmt: skip
        timeline.append(steps)
    CrisisAlert.objects.bulk_create(alerts)
    # A "told" or "escalated" event's text is the step's code, any other's a person's note.
    told = (AlertEvent.Kind.TOLD, AlertEvent.Kind.ESCALATED)
    AlertEvent.objects.bulk_create(
        AlertEvent(
            alert=alert,
            at=at,
            kind=kind,
            actor=actor,
            step=text if kind in told else "",
            note="" if kind in told else text,
        )
        for alert, steps in zip(alerts, timeline, strict=True)
        for at, kind, actor, text in steps
    )
    return len(alerts)


def _callbacks(
    calls: list[Call], operator: User, rng: random.Random, now: datetime.datetime
) -> int:
    """Each call whose caller wanted one and consented: done or not reached when it was due
    before today (a few of the last ten days' still open, overdue), open for the last few days'
    calls."""
    today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    rows = []
    for call in calls:
        if not (call.callback_wanted and call.callback_consent):
            continue
        ended = call.ended_at or call.started_at
        urgent = call.risk in (Call.Risk.HIGH, Call.Risk.MODERATE)
        due = ended + datetime.timedelta(hours=24 if urgent else 72)
        callback = Callback(call=call, site_id=call.site_id, owner=operator, due_at=due)
        recent = due > today - datetime.timedelta(days=10)
        if due < today and (not recent or rng.random() < 0.7):  # a few recent ones overdue
            callback.status = (
                Callback.Status.DONE if rng.random() < 0.88 else Callback.Status.NOT_REACHED
            )
            callback.done_at = min(due, ended + datetime.timedelta(hours=rng.randint(2, 20)))
            callback.done_by = operator
            callback.outcome_note = (
                "已回访，来电者情况平稳。"
                if callback.status == Callback.Status.DONE
                else "两次未接通，已发短信告知热线号码。"
            )
        rows.append(callback)
    Callback.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def _live_alert(operator: User, now: datetime.datetime) -> CrisisAlert:
    """A high-risk call saved just now through the services: its alert goes to the primary on
    call (`crisis`) at once and waits for acknowledgement."""
    call = call_start(actor=operator, channel=Call.Channel.TRANSFER_12356)
    Call.objects.filter(pk=call.pk).update(started_at=now - datetime.timedelta(minutes=12))
    call.refresh_from_db()
    call = call_save(
        actor=operator,
        call=call,
        expected_version=call.version,
        contact_type=Call.ContactType.CHILD_ABOUT_SELF,
        channel=Call.Channel.TRANSFER_12356,
        issues=[("mental_health", "suicidal"), ("education", "academic")],
        cssrs_answers=CSSRS[Call.Risk.HIGH],
        caller_role=Call.CallerRole.CHILD,
        age_band=Call.AgeBand.AGE_13_15,
        sex=Call.Sex.FEMALE,
        region="东湖区",
        summary=HIGH_SUMMARY,
        actions=[Call.Action.KEEP_ON_LINE, Call.Action.CONFIRM_LOCATION],
    )
    alert = call.alerts.get()
    return alert
