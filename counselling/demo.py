"""Demo counselling records for `seed_demo`: each demo counsellor's caseload over the last
12 months, in every status and risk level, with sessions of every kind, safety plans, referrals in
every state, a few shared cases and the site's monthly case conferences.

Everything goes through the services, so grants and audit entries are real. Only the dates are
moved back afterwards (a demo needs history; the services stamp "now")."""

from __future__ import annotations

import datetime
import random
from itertools import cycle

from django.utils import timezone

from centre.demo import demo_pupil
from centre.models import School, Site, User
from centre.reminders import reminders_cancel
from centre.roles import Role
from counselling import selectors, services
from counselling.models import (
    Case,
    CaseConference,
    Consent,
    CounsellingSession,
    FollowUp,
    Guardian,
    Referral,
    ReferralEvent,
    RiskChange,
    RiskLevel,
    SafetyPlan,
)

CASES_PER_COUNSELLOR = 30
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程"
GIVEN_NAMES = [
    "子涵", "欣怡", "梓萱", "一诺", "浩然", "宇轩", "思远", "雨桐", "俊杰", "佳怡",
    "嘉懿", "沐宸", "若汐", "晨阳", "语嫣", "明哲", "诗涵", "博文", "可馨", "天佑",
]  # fmt: skip
CONCERNS = [
    "近一个月情绪低落，不愿上学，睡眠差。",
    "与父母冲突频繁，离家出走一次。",
    "考试前紧张、心慌，成绩明显下降。",
    "在校被同学孤立，出现回避社交。",
    "手臂有划痕，班主任发现后转介。",
    "父母离异后沉默寡言，食欲下降。",
    "沉迷手机游戏，作息紊乱。",
    "热线来电后转入，诉有轻生想法。",
]
# The states a demo referral is walked to, and the path that reaches each.
REFERRAL_PATHS = {
    Referral.Status.CREATED: [],
    Referral.Status.ACCEPTED: ["accepted"],
    Referral.Status.SCHEDULED: ["accepted", "scheduled"],
    Referral.Status.ATTENDED: ["accepted", "scheduled", "attended"],
    Referral.Status.NO_SHOW: ["accepted", "scheduled", "no_show"],
    Referral.Status.FEEDBACK: ["accepted", "scheduled", "attended", "feedback"],
    Referral.Status.CLOSED: ["accepted", "scheduled", "attended", "feedback", "closed"],
}
RISK_ORDER = list(RiskLevel.values)
REASSESSMENTS = {
    True: "复评：情绪明显恶化，出现新的危险信号，上调风险等级。",
    False: "复评：情绪趋于稳定，支持系统改善，下调风险等级。",
}
STATUS_PATHS = {
    Case.Status.INTAKE: [],
    Case.Status.ACTIVE: ["active"],
    Case.Status.RECOVERY: ["active", "recovery"],
    Case.Status.CLOSED: ["active", "recovery", "closed"],
}


def seed(*, password, log) -> None:
    # The demo counsellor accounts only (counsellor, counsellor2): never real or bench accounts
    # that happen to hold the role. Once they lead a case, the demo is there: nothing to add.
    counsellors = list(
        User.objects.filter(groups__name=Role.COUNSELLOR.value, username__startswith="counsellor")
        .select_related("site")
        .order_by("username")
    )
    if not counsellors:
        log("no demo counsellor")
        return
    if Case.objects.filter(counsellor__in=counsellors).exists():
        logged = _this_month(counsellors)
        log(f"counselling records already there; {logged} sessions logged this month")
        return
    schools = list(School.objects.order_by("code"))
    supervisor = User.objects.filter(username="supervisor").first()
    made = [_caseload(counsellor, schools, supervisor) for counsellor in counsellors]
    if len(made) > 1:
        for case in made[0][:2]:
            services.case_share(actor=counsellors[0], case=case, user=counsellors[1])
    if supervisor is not None:
        _conferences(supervisor, [case for cases in made for case in cases])
    log(
        f"{Case.objects.count()} cases, {CounsellingSession.objects.count()} sessions, "
        f"{Referral.objects.count()} referrals, {FollowUp.objects.count()} follow-ups, "
        f"{CaseConference.objects.count()} case conferences"
    )


def _caseload(counsellor: User, schools: list[School], supervisor: User | None) -> list[Case]:
    rng = random.Random(f"demo-{counsellor.username}")  # noqa: S311 (made-up demo data)
    statuses = cycle([*Case.Status.values, Case.Status.ACTIVE])
    risks = cycle(RiskLevel.values)
    kinds = cycle(
        [kind for kind in CounsellingSession.Kind.values if kind != CounsellingSession.Kind.INTAKE]
    )
    referral_states = cycle(Referral.Status.values)
    destinations = cycle(Referral.Destination.values)
    cases = []
    for number in range(CASES_PER_COUNSELLOR):
        opened = timezone.now() - datetime.timedelta(days=rng.randint(20, 360), hours=number)
        status = Case.Status(next(statuses))
        # A case leaves active work halfway through its history (recovery, then closing): a
        # closed case has no session after it closed.
        ended = _left_active_work(opened) if status == Case.Status.CLOSED else None
        risk = next(risks)
        # Every fourth case was reassessed: opened at a neighbouring level, changed to its own.
        first_risk = _neighbour(risk) if number % 4 == 1 else risk
        case = _open_case(counsellor, rng, rng.choice(schools), first_risk, supervisor)
        if first_risk != risk:
            services.case_change_risk(
                actor=counsellor,
                case=case,
                level=risk,
                reason=REASSESSMENTS[RISK_ORDER.index(risk) > RISK_ORDER.index(first_risk)],
                expected_version=case.version,
            )
        _sessions(case, counsellor, rng, opened, ended, kinds)
        if case.risk_rank >= 2:
            services.safety_plan_save(
                actor=counsellor,
                case=case,
                warning_signs="整夜失眠；反复说“活着没意思”；把心爱的东西送人。",
                coping_strategies="听音乐、画画、给好朋友发消息、深呼吸练习。",
                people_and_places="妈妈；班主任；学校心理辅导室。",
                professional_contacts="主责咨询师；心理援助热线；医院急诊。",
                means_safety="家长收好药品和刀具。",
            )
        if number % 3 == 0:
            _referral(case, counsellor, next(destinations), next(referral_states))
        for step in STATUS_PATHS[status]:
            services.case_change_status(
                actor=counsellor, case=case, status=step, expected_version=case.version
            )
        _backdate(case, opened)
        _follow_up_history(case, counsellor, opened, leave_overdue=number % 3 == 0)
        cases.append(case)
    _appointments(counsellor, cases)
    return cases


def _appointments(counsellor: User, cases: list[Case]) -> None:
    """Sessions planned for the open cases: one later today (on the "today" page), others in the
    coming days."""
    open_cases = [case for case in cases if case.status != Case.Status.CLOSED]
    now = timezone.now()
    for number, case in enumerate(open_cases[:4]):
        services.appointment_plan(
            actor=counsellor,
            case=case,
            starts_at=(now + datetime.timedelta(hours=2, days=number * 2)).replace(
                minute=0, second=0, microsecond=0
            ),
            modality=CounsellingSession.Modality.FACE_TO_FACE,
            kind=CounsellingSession.Kind.COUNSELLING,
        )


def _neighbour(level: str) -> str:
    """The level a reassessed case was opened at: one lower, or one higher for `none`."""
    index = RISK_ORDER.index(level)
    return RISK_ORDER[index - 1] if index else RISK_ORDER[1]


def _left_active_work(opened: datetime.datetime) -> datetime.datetime:
    """When a demo case left active work (moved to recovery or closed): halfway through its
    history, as `_backdate` records its closing and `_follow_up_history` its plan."""
    return opened + (timezone.now() - opened) / 2


def _follow_up_history(
    case: Case, counsellor: User, opened: datetime.datetime, *, leave_overdue: bool
) -> None:
    """Move the case's follow-up plan back to when it left active work (halfway through its
    history): the past ones are done, except (`leave_overdue`, a case in three) the last one,
    left overdue; the next one of every other case falls due today, so a counsellor's day has
    follow-ups done, due today, overdue and planned, as a real caseload does. Reminders are
    planned again for the new dates, so the demo has reminders due now."""
    plan = list(case.follow_ups.filter(status=FollowUp.Status.DUE))
    if not plan:
        return
    now = timezone.now()
    shift = now - _left_active_work(opened)
    for follow_up in plan:
        reminders_cancel(target=follow_up)
        FollowUp.objects.filter(pk=follow_up.pk).update(due_at=follow_up.due_at - shift)
    due = case.follow_ups.filter(status=FollowUp.Status.DUE).order_by("due_at")
    past = [follow_up for follow_up in due if follow_up.due_at < now]
    if not leave_overdue:
        upcoming = next((follow_up for follow_up in due if follow_up.due_at >= now), None)
        if upcoming is not None and case.pk % 2:
            # Moved to today, late in the afternoon (counsellors move follow-ups); seeded in the
            # evening, still later today, so it is due today and not already overdue.
            local = timezone.localtime(now)
            afternoon = local.replace(hour=17, minute=30, second=0, microsecond=0)
            midnight = local.replace(hour=23, minute=59, second=59, microsecond=0)
            due_at = min(max(afternoon, now + datetime.timedelta(minutes=30)), midnight)
            FollowUp.objects.filter(pk=upcoming.pk).update(due_at=due_at)
    for follow_up in past[:-1] if leave_overdue else past:
        services.follow_up_record_outcome(
            actor=counsellor,
            follow_up=follow_up,
            expected_version=follow_up.version,
            attended=True,
            outcome="电话回访：学习生活基本正常，睡眠改善。",
        )
        FollowUp.objects.filter(pk=follow_up.pk).update(
            done_at=min(follow_up.due_at + datetime.timedelta(days=1), now)
        )
    for follow_up in case.follow_ups.filter(status=FollowUp.Status.DUE):
        services.plan_reminders(follow_up)


def _open_case(counsellor, rng, school, risk_level, supervisor) -> Case:
    grade, age = demo_pupil(school.level, rng, grades=4)  # a primary school's older pupils
    today = timezone.localdate()
    born = today.replace(year=today.year - age) - datetime.timedelta(days=rng.randint(1, 360))
    while True:
        name = rng.choice(SURNAMES) + rng.choice(GIVEN_NAMES)
        if not selectors.client_search(full_name=name, date_of_birth=born, school_id=school.pk):
            break
    client = services.client_register(
        actor=counsellor,
        site=counsellor.site,
        full_name=name,
        sex=rng.choice(["female", "male"]),
        date_of_birth=born,
        school=school,
        grade=grade,
        class_name=f"{rng.randint(1, 8)}班",
    )
    guardian = services.guardian_add(
        actor=counsellor,
        client=client,
        relationship=rng.choice(Guardian.Relationship.values),
        full_name=rng.choice(SURNAMES) + rng.choice(["丽", "强", "芳", "伟", "娟", "军"]),
        phone=f"139{rng.randint(10_000_000, 99_999_999)}",
    )
    by_client = age >= services.ADULT_CONSENT_AGE and rng.random() < 0.5
    purposes = [Consent.Purpose.COUNSELLING, Consent.Purpose.SHARE_WITH_HOSPITAL]
    if rng.random() < 0.6:
        purposes.append(Consent.Purpose.REMINDERS)
    for purpose in purposes:
        services.consent_record(
            actor=counsellor,
            client=client,
            purpose=purpose,
            given_by=Consent.GivenBy.CLIENT if by_client else Consent.GivenBy.GUARDIAN,
            guardian=None if by_client else guardian,
            version="2026-01",
        )
    return services.case_open(
        actor=counsellor,
        client=client,
        site=counsellor.site,
        source=rng.choice(Case.Source.values),
        presenting_concerns=rng.choice(CONCERNS),
        counsellor=counsellor,
        risk_level=risk_level,
        supervisor=supervisor,
    )


def _sessions(case, counsellor, rng, opened, ended, kinds) -> None:
    """Sessions between the case's opening and its end (`ended`, a closed case; else now), in
    working hours, never before the opening nor after the end. A case still open was seen
    earlier today, its last session: the statistics' current month is never empty, even on
    the 1st."""
    count = rng.randint(5, 12)
    last = (ended or timezone.now()) - datetime.timedelta(hours=1)
    span = (last - opened).total_seconds()
    for index in range(count):
        held_at = timezone.localtime(
            opened + datetime.timedelta(seconds=span * (index + 0.5) / count)
        ).replace(hour=rng.randint(8, 17), minute=0, second=0, microsecond=0)
        held_at = min(max(held_at, opened), last)
        if ended is None and index == count - 1:
            held_at = _earlier_today(held_at.hour)  # the same draws: the rest of the demo as it was
        kind = CounsellingSession.Kind.INTAKE if index == 0 else next(kinds)
        attendance = rng.choices(["attended", "no_show", "cancelled"], weights=[8, 1, 1])[0]
        services.session_log(
            actor=counsellor,
            case=case,
            held_at=held_at,
            modality=rng.choice(CounsellingSession.Modality.values),
            kind=kind,
            attendance=attendance,
            duration_minutes=rng.choice([30, 45, 50, 60]),
            note_presenting="来访者自述本周情况。" if attendance == "attended" else "",
            note_intervention="倾听、共情，布置情绪记录作业。" if attendance == "attended" else "",
            note_plan="下次继续。",
        )


def _earlier_today(hour: int) -> datetime.datetime:
    """Today at `hour` if an hour has passed since; else a few minutes ago (still today)."""
    now = timezone.localtime()
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    held_at = now.replace(hour=hour, minute=0, second=0, microsecond=0)
    if held_at > now - datetime.timedelta(hours=1):
        held_at = max(midnight, now - datetime.timedelta(minutes=5))
    return held_at


def _this_month(counsellors: list[User]) -> int:
    """A demo seeded in an earlier month: each open case of the demo counsellors without a
    session this month is seen earlier today (once: seeding again this month adds nothing).
    The number of sessions logged."""
    rng = random.Random("demo-this-month")  # noqa: S311 (made-up demo data)
    month_start = timezone.localtime().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    cases = (
        Case.objects.filter(counsellor__in=counsellors)
        .exclude(status=Case.Status.CLOSED)
        .exclude(sessions__held_at__gte=month_start)
        .select_related("counsellor", "client")
        .order_by("pk")
    )
    logged = 0
    for case in cases:
        services.session_log(
            actor=case.counsellor,
            case=case,
            held_at=_earlier_today(rng.randint(8, 17)),
            modality=CounsellingSession.Modality.FACE_TO_FACE,
            kind=CounsellingSession.Kind.COUNSELLING,
            attendance="attended",
            note_presenting="来访者自述本周情况。",
            note_intervention="倾听、共情，布置情绪记录作业。",
            note_plan="下次继续。",
        )
        logged += 1
    return logged


def _referral(case, counsellor, destination, state) -> None:
    referral = services.referral_create(
        actor=counsellor, case=case, destination=destination, reason="需要进一步评估与支持。"
    )
    path = REFERRAL_PATHS[Referral.Status(state)]
    # Attended (or not) only once the appointment has come: a past one for those paths.
    held = "scheduled" in path and path[-1] != "scheduled"
    appointment = timezone.now() + datetime.timedelta(days=-2 if held else 3)
    for status in path:
        services.referral_advance(
            actor=counsellor,
            referral=referral,
            status=status,
            scheduled_for=appointment,
            feedback_to_school="学生已按时就诊，可正常返校；建议减少课后作业量两周。",
        )


def _backdate(case: Case, opened: datetime.datetime) -> None:
    """Move the case's history back to when it was opened (queryset updates: demo data only)."""
    Case.objects.filter(pk=case.pk).update(created_at=opened, opened_at=opened)
    if case.closed_at:
        Case.objects.filter(pk=case.pk).update(closed_at=_left_active_work(opened))
    # Reasons are encrypted (never searched): the reassessments are told by their reason in Python.
    reassessments = [
        change.pk
        for change in RiskChange.objects.filter(case=case).only("pk", "reason")
        if change.reason in REASSESSMENTS.values()
    ]
    RiskChange.objects.filter(case=case).exclude(pk__in=reassessments).update(changed_at=opened)
    # A reassessment comes a third of the way through the case's history.
    RiskChange.objects.filter(pk__in=reassessments).update(
        changed_at=opened + (timezone.now() - opened) / 3
    )
    Consent.objects.filter(client=case.client_id).update(
        given_at=opened - datetime.timedelta(hours=2)
    )
    SafetyPlan.objects.filter(case=case).update(created_at=opened + datetime.timedelta(days=1))
    later = opened + datetime.timedelta(days=2)
    Referral.objects.filter(case=case).update(created_at=later)
    ReferralEvent.objects.filter(referral__case=case).update(at=later)


def _conferences(supervisor: User, cases: list[Case]) -> None:
    site = supervisor.site or Site.objects.get(code="K01")
    participants = User.objects.filter(
        groups__name__in=[Role.COUNSELLOR.value, Role.SUPERVISOR.value], site=site
    )
    today = timezone.localdate()
    for months_ago in (3, 2, 1):
        held_on = (today.replace(day=1) - datetime.timedelta(days=30 * months_ago)).replace(day=15)
        services.case_conference_record(
            actor=supervisor,
            site=site,
            held_on=held_on,
            participants=list(participants),
            cases=[case for case in cases if case.risk_rank >= 3][:4],
            decisions="高风险个案每周随访；两例转介医院门诊；下月复评。",
        )
