"""Reads, scoped to the acting user (DOMAIN.md §5.3): a school liaison sees their own school's
students, tiers as tasks and statuses, never answers or scores; counsellors and supervisors of
the site (and the sites above it) see scores; everything else answers 404."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from centre.errors import NotFoundError, first_or_not_found
from centre.models import User
from centre.roles import CAMPAIGN_ROLES, CLINICIAN_ROLES, Role, has_any_role
from counselling.models import Referral, school_sharing_withdrawn
from screening.models import (
    Campaign,
    OnlineCode,
    OnlineSession,
    OnlineWindow,
    RosterImport,
    ScreeningResult,
    Student,
    StudentConsent,
    Tier,
    TierRequest,
    TrackingTask,
    needs_guardian_consent,
)


def campaign_visibility(*, user: User) -> Q | None:
    if not user.is_authenticated or not user.is_active:
        return None
    condition, any_role = Q(), False
    if user.has_role(Role.SCHOOL_LIAISON) and user.school_id:
        condition |= Q(school_id=user.school_id)
        any_role = True
    if has_any_role(user, CLINICIAN_ROLES) and user.site is not None:
        condition |= Q(school__site__path__startswith=user.site.path)
        any_role = True
    if user.has_role(Role.CRISIS_TEAM):
        condition = Q()  # the city's crisis team takes over overdue assessments anywhere
        any_role = True
    return condition if any_role else None


def campaign_visible_to(*, user: User) -> QuerySet[Campaign]:
    condition = campaign_visibility(user=user)
    if condition is None:
        return Campaign.objects.none()
    return Campaign.objects.filter(condition).select_related("school", "liaison")


def may_import_into(*, user: User, campaign: Campaign) -> bool:
    """Who may upload a roster into the campaign: the campaign page's roles (CAMPAIGN_ROLES), for
    a campaign the user sees."""
    return (
        has_any_role(user, CAMPAIGN_ROLES)
        and campaign_visible_to(user=user).filter(pk=campaign.pk).exists()
    )


def may_see_scores(*, user: User) -> bool:
    """Clinical staff see scores and answers; a liaison sees tiers and tasks only."""
    return has_any_role(user, CLINICIAN_ROLES)


TAKE_OVER_TIERS = frozenset({Tier.RED, Tier.ORANGE})


def may_take_over(*, user: User, result: ScreeningResult) -> bool:
    """The crisis team acts on a result at red or orange (a crisis flag holds it at orange):
    DOMAIN.md §5.3 gives them active level 1 and 2 records. They see what they need to act —
    school, guardian contacts, the C-SSRS interview — and record the interview; never scores."""
    return user.has_role(Role.CRISIS_TEAM) and (
        result.tier in TAKE_OVER_TIERS or result.crisis_flag
    )


def may_record_cssrs(*, user: User, result: ScreeningResult) -> bool:
    return may_see_scores(user=user) or may_take_over(user=user, result=result)


def may_undo_import(*, user: User, roster_import: RosterImport) -> bool:
    """Undoing an import: the person who uploaded it, or a clinician of the school's site (or a
    site above it); another liaison of the same school may see the import but not undo it."""
    if user.pk == roster_import.uploaded_by_id:
        return True
    if not may_see_scores(user=user) or user.site is None:
        return False
    return roster_import.campaign.school.site.path.startswith(user.site.path)


def may_see_import_values(*, user: User, roster_import: RosterImport) -> bool:
    """What a bad row's cells held: for whoever uploaded the file and the clinicians of the site
    (the import itself is already one the user may see); others read row, column and reason."""
    return roster_import.uploaded_by_id == user.pk or may_see_scores(user=user)


def get_campaign_for_user(*, user: User, campaign_id: int) -> Campaign:
    return first_or_not_found(campaign_visible_to(user=user).filter(pk=campaign_id))


def get_import_for_user(*, user: User, import_id: int) -> RosterImport:
    return first_or_not_found(
        RosterImport.objects.filter(
            campaign__in=campaign_visible_to(user=user), pk=import_id
        ).select_related("campaign", "campaign__school")
    )


def result_visible_to(*, user: User) -> QuerySet[ScreeningResult]:
    return ScreeningResult.objects.filter(campaign__in=campaign_visible_to(user=user))


def get_result_for_user(*, user: User, result_id: int) -> ScreeningResult:
    return first_or_not_found(
        result_visible_to(user=user)
        .select_related("student", "campaign", "campaign__school", "campaign__liaison")
        .filter(pk=result_id)
    )


@dataclass(frozen=True)
class BoardFilter:
    """What the tracking board (and the class teachers' task sheet) is narrowed to: every value
    already read from the request (`centre.parameters`), "" for no filter."""

    campaign: Campaign | None = None
    grade: str = ""
    class_name: str = ""
    tier: str = ""
    status: str = TrackingTask.Status.OPEN  # "" for every status
    overdue: bool = False
    search: str = ""  # a student number (its beginning) or a part of a name


def tracking_board(*, user: User, board: BoardFilter) -> QuerySet[TrackingTask]:
    """Flagged students' tasks, open ones by default, the earliest due (the overdue) first. The
    board and the sheet show no task's note: it is left unread (encrypted, never searched)."""
    tasks = (
        TrackingTask.objects.filter(result__in=result_visible_to(user=user))
        .select_related("result", "result__student", "result__campaign__school")
        .defer("outcome_note")
    )
    if board.status:
        tasks = tasks.filter(status=board.status)
    if board.overdue:
        tasks = tasks.filter(status=TrackingTask.Status.OPEN, due_at__lt=timezone.now())
    if board.campaign is not None:
        tasks = tasks.filter(result__campaign=board.campaign)
    if board.tier:
        tasks = tasks.filter(result__tier=board.tier)
    if board.grade:
        tasks = tasks.filter(result__student__grade=board.grade)
    if board.class_name:
        tasks = tasks.filter(result__student__class_name=board.class_name)
    if board.search:
        tasks = tasks.filter(
            Q(result__student__student_no__startswith=board.search)
            | Q(result__student__full_name__icontains=board.search)
        )
    feedback = (
        Referral.objects.filter(case=OuterRef("case"))
        .exclude(feedback_to_school="")
        .exclude(school_sharing_withdrawn(OuterRef("case__client")))
    )
    return tasks.annotate(has_feedback=Exists(feedback)).order_by("due_at", "id")


def task_sheet(*, user: User, board: BoardFilter) -> QuerySet[TrackingTask]:
    """The class teachers' task sheet: the board's open tasks by grade, class and due time. Never
    narrowed by tier or status: a sheet of the red students alone would tell the teacher a tier."""
    sheet = replace(board, tier="", status=TrackingTask.Status.OPEN)
    return tracking_board(user=user, board=sheet).order_by(
        "result__student__grade", "result__student__class_name", "due_at", "id"
    )


def board_classes(*, user: User, campaign: Campaign | None = None) -> list[tuple[str, str]]:
    """The (grade, class) pairs of the students the board can show, for its filters."""
    results = result_visible_to(user=user)
    if campaign is not None:
        results = results.filter(campaign=campaign)
    students = Student.objects.filter(results__in=results.exclude(tier=Tier.NONE))
    pairs = students.values_list("grade", "class_name").distinct().order_by("grade", "class_name")
    return list(pairs[:1000])


def tier_requests_to_decide(*, user: User) -> QuerySet[TierRequest]:
    """Requests to lower a tier waiting for this user's decision: a clinician who can see the
    result, never the one who asked."""
    if not may_see_scores(user=user):
        return TierRequest.objects.none()
    return (
        TierRequest.objects.filter(
            status=TierRequest.Status.PENDING, result__in=result_visible_to(user=user)
        )
        .exclude(requested_by=user)
        .select_related("result__student", "result__campaign__school", "requested_by")
        .order_by("requested_at", "id")
    )


def get_tier_request_of_result(*, result: ScreeningResult, request_id: int | None) -> TierRequest:
    """A request to lower the tier of `result` (which the caller read through
    `get_result_for_user`); whether this user may decide it is the service's question."""
    tier_request = result.tier_requests.filter(pk=request_id).first() if request_id else None
    if tier_request is None:
        raise NotFoundError
    return tier_request


def get_task_for_user(*, user: User, task_id: int) -> TrackingTask:
    """A tracking task of a result the user sees, with its student and school, or 404."""
    return first_or_not_found(
        TrackingTask.objects.filter(
            result__in=result_visible_to(user=user), pk=task_id
        ).select_related("result__student", "result__campaign__school")
    )


def school_feedback(*, user: User, result: ScreeningResult | None = None) -> QuerySet[Referral]:
    """Referrals' feedback meant for the school (DOMAIN.md §2.4: attendance, return-to-school
    advice, accommodations; checked free of diagnosis when written): of the cases opened from
    the tasks of results the user sees, one result's or all, the latest first; none of a child
    whose consent to share with the school is withdrawn."""
    tasks = TrackingTask.objects.filter(result__in=result_visible_to(user=user), case__isnull=False)
    if result is not None:
        tasks = tasks.filter(result=result)
    return (
        Referral.objects.filter(case__in=tasks.values("case"))
        .exclude(feedback_to_school="")
        .exclude(school_sharing_withdrawn(OuterRef("case__client")))
        .order_by("-updated_at", "-id")
    )


def roster_import_to_run(*, import_id: int) -> RosterImport | None:
    """The import a queued task runs, or None when it is gone (undone, deleted) meanwhile."""
    return RosterImport.objects.select_related("campaign").filter(pk=import_id).first()


def get_tier_request_to_decide(*, user: User, request_id: int) -> TierRequest:
    return first_or_not_found(tier_requests_to_decide(user=user).filter(pk=request_id))


def online_code_by_hash(*, code_hash: str) -> OnlineCode | None:
    """The code a student typed (its keyed hash): knowing the code is the access."""
    return (
        OnlineCode.objects.filter(code_hash=code_hash)  # access: the code is the key
        .select_related("window__campaign__school", "student")
        .first()
    )


def online_session(*, session_id: int, lock: bool = False) -> OnlineSession | None:
    """The session a student's browser holds (its id kept in their signed cookie session)."""
    sessions = OnlineSession.objects.select_related(  # access: the student's own session
        "code__window__campaign__school", "code__student"
    )
    if lock:
        # The student's row too, in the same statement: a withdrawal takes that lock first
        # (consent.lock_student), so an answer or a submission either sees it committed or
        # finishes before it. NO KEY, as the roster's `store_rows` locks students.
        sessions = sessions.select_for_update(of=("self", "code__student"), no_key=True)
    try:  # get(), not first(): no ORDER BY to compile, on every answer of every student
        return sessions.get(pk=session_id)
    except OnlineSession.DoesNotExist:
        return None


def window_visible_to(*, user: User) -> QuerySet[OnlineWindow]:
    return OnlineWindow.objects.filter(campaign__in=campaign_visible_to(user=user))


def online_progress(*, campaign: Campaign) -> list[dict[str, object]]:
    """Per window of the campaign: its class and how many students submitted, started, have not
    started yet, were screened otherwise (a result in the campaign from a roster or an earlier
    window: no slip, or a code they need not use), and how many of those still to answer
    cannot start for want of consent (counts, never answers). Four queries for any number of
    windows. The caller read the campaign through `get_campaign_for_user`."""
    windows = list(OnlineWindow.objects.filter(campaign=campaign))  # access: campaign read
    if not windows:
        return []
    codes = list(
        OnlineCode.objects.filter(window__campaign=campaign).values_list(  # access: read
            "window_id", "student_id", "student__birth_date", "session__id", "session__submitted_at"
        )
    )
    classes = {window.class_name for window in windows}
    screened_by_class: dict[str, set[int]] = {}
    for student_id, class_name in (
        ScreeningResult.objects.filter(  # access: campaign read
            Q(student__class_name__in=classes)
            | Q(student__in=OnlineCode.objects.filter(window__campaign=campaign).values("student"))
        )
        .filter(campaign=campaign)
        .values_list("student_id", "student__class_name")
    ):
        screened_by_class.setdefault(class_name, set()).add(student_id)
    screened = set().union(*screened_by_class.values())
    consents: dict[int, list[StudentConsent]] = {}
    for consent in StudentConsent.objects.filter(campaign=campaign):
        consents.setdefault(consent.student_id, []).append(consent)
    return [
        _window_progress(window, codes, screened, screened_by_class, consents) for window in windows
    ]


def _window_progress(
    window: OnlineWindow,
    codes: Sequence[tuple[int, int, datetime.date | None, int | None, datetime.datetime | None]],
    screened: set[int],
    screened_by_class: dict[str, set[int]],
    consents: dict[int, list[StudentConsent]],
) -> dict[str, object]:
    """One window's counts; a student screened otherwise is counted once, as screened, whether
    they have a code (a roster arrived after the slips) or not (skipped when the class opened)."""
    on = timezone.localdate(window.opens_at)
    counts = {"submitted": 0, "started": 0, "not_yet": 0, "consent_missing": 0}
    other = set(screened_by_class.get(window.class_name, set()))
    for window_id, student_id, birth_date, session_id, submitted_at in codes:
        if window_id != window.pk:
            continue
        if submitted_at is not None:
            counts["submitted"] += 1
            other.discard(student_id)
            continue
        if student_id in screened:
            other.add(student_id)
            continue
        counts["started" if session_id is not None else "not_yet"] += 1
        student = Student(pk=student_id, birth_date=birth_date)
        state = consent_state_of(
            consents.get(student_id, []), campaign=window.campaign, student=student, on=on
        )
        counts["consent_missing"] += not state.may_start
    return {"window": window, **counts, "screened": len(other)}


def _still_to_answer(codes: QuerySet[OnlineCode]) -> QuerySet[OnlineCode]:
    """The codes whose student is still to answer: no result in the campaign yet (a roster
    arriving after the slips screened them), and no consent withdrawn."""
    campaign, student = OuterRef("window__campaign_id"), OuterRef("student_id")
    result = ScreeningResult.objects.filter(campaign_id=campaign, student_id=student)
    withdrawn = StudentConsent.objects.filter(
        campaign_id=campaign, student_id=student, withdrawn_at__isnull=False
    )
    return codes.exclude(Exists(result)).exclude(Exists(withdrawn))


def online_not_submitted(*, window_id: int) -> QuerySet[OnlineCode]:
    """The codes of a window whose student has not answered yet (not started, or started only)
    and still is to. The caller read the window (`get_window_for_user`), or is its own service
    or message."""
    submitted = OnlineSession.objects.filter(code=OuterRef("pk"), submitted_at__isnull=False)
    codes = OnlineCode.objects.filter(window_id=window_id).exclude(Exists(submitted))
    return _still_to_answer(codes)


def online_not_started(*, window_id: int) -> QuerySet[OnlineCode]:
    """The codes of a window no student has started with, of students still to answer (their
    slips may be printed anew)."""
    started = OnlineSession.objects.filter(code=OuterRef("pk"))
    codes = OnlineCode.objects.filter(window_id=window_id).exclude(Exists(started))
    return _still_to_answer(codes)


def screened_without_code(*, window: OnlineWindow) -> int:
    """The students of the window's class given no code: they already had a result in the
    campaign when it opened (a roster, an earlier window). The caller read the window."""
    codes = OnlineCode.objects.filter(window=window).values("student_id")
    return (
        ScreeningResult.objects.filter(  # access: the window's campaign, read by the caller
            campaign_id=window.campaign_id, student__class_name=window.class_name
        )
        .exclude(student_id__in=codes)
        .count()
    )


def online_not_yet_students(*, window: OnlineWindow) -> QuerySet[Student]:
    """The students of a window who have not submitted, by student number, for the class
    teacher's sheet (number and name only). The caller read the window."""
    codes = online_not_submitted(window_id=window.pk)
    return Student.objects.filter(pk__in=codes.values("student_id")).order_by("student_no")


def get_window_for_user(*, user: User, window_id: int) -> OnlineWindow:
    return first_or_not_found(
        window_visible_to(user=user).select_related("campaign").filter(pk=window_id)
    )


def campaign_classes(campaign: Campaign) -> list[str]:
    """The classes of the campaign's school in its class list (the students already imported),
    for opening the campaign online."""
    return _class_list_values(campaign, "class_name")


def campaign_grades(campaign: Campaign) -> list[str]:
    """The grades of the campaign's school in its class list, for marking a grade as left."""
    return _class_list_values(campaign, "grade")


def _class_list_values(campaign: Campaign, field_name: str) -> list[str]:
    return list(
        Student.objects.filter(school_id=campaign.school_id)  # access: the campaign was read
        .exclude(**{field_name: ""})
        .values_list(field_name, flat=True)
        .distinct()
        .order_by(field_name)
    )


# Per-student consent (DOMAIN.md §5.2) -----------------------------------------------------------


@dataclass(frozen=True)
class ConsentState:
    """What is recorded of one student's consent to one campaign, and what is needed."""

    guardian_needed: bool
    guardian_given: bool = False
    student_given: bool = False
    withdrawn: bool = False

    @property
    def may_start(self) -> bool:
        """The consent needed before the student's own "I agree": none withdrawn, and the
        guardian's if it is needed."""
        return not self.withdrawn and (self.guardian_given or not self.guardian_needed)


def consent_state_of(
    consents: list[StudentConsent], *, campaign: Campaign, student: Student, on: datetime.date
) -> ConsentState:
    """The state of `student`'s consents (`consents`: all of theirs in `campaign`) on `on`."""
    live = {consent.given_by for consent in consents if consent.is_live}
    return ConsentState(
        guardian_needed=needs_guardian_consent(
            basis=campaign.consent_basis, birth_date=student.birth_date, on=on
        ),
        guardian_given=StudentConsent.GivenBy.GUARDIAN in live,
        student_given=StudentConsent.GivenBy.STUDENT in live,
        withdrawn=any(not consent.is_live for consent in consents),
    )


def consent_state(*, campaign: Campaign, student: Student, on: datetime.date) -> ConsentState:
    """One student's consent to the campaign, as the online form checks it at every step (the
    student's own code is the access)."""
    consents = list(StudentConsent.objects.filter(campaign=campaign, student=student))
    return consent_state_of(consents, campaign=campaign, student=student, on=on)


def consent_day(*, campaign: Campaign, class_name: str) -> datetime.date:
    """The day a class's ages are counted on: its latest window's, or the day a window opened
    now would have (never before the campaign opens)."""
    window = (
        OnlineWindow.objects.filter(campaign=campaign, class_name=class_name)  # access: read
        .order_by("-opens_at")
        .first()
    )
    if window is not None:
        return timezone.localdate(window.opens_at)
    return max(campaign.opens_on, timezone.localdate())


@dataclass
class ConsentRow:
    """A student of the class list with their consent to the campaign."""

    student: Student
    state: ConsentState
    consents: list[StudentConsent] = field(default_factory=list)

    def recorded(self, given_by: str) -> StudentConsent | None:
        return next((c for c in self.consents if c.given_by == given_by and c.is_live), None)

    @property
    def guardian(self) -> StudentConsent | None:
        return self.recorded(StudentConsent.GivenBy.GUARDIAN)

    @property
    def own(self) -> StudentConsent | None:
        return self.recorded(StudentConsent.GivenBy.STUDENT)


def class_consents(*, campaign: Campaign, class_name: str) -> list[ConsentRow]:
    """The class list (the school's students imported in the class) with each one's consent to
    the campaign: two queries for any size of class. The caller read the campaign through
    `get_campaign_for_user` and checked `may_import_into`."""
    on = consent_day(campaign=campaign, class_name=class_name)
    students = list(
        Student.objects.filter(  # access: the campaign's school, read by the caller
            school_id=campaign.school_id, class_name=class_name
        ).order_by("student_no")
    )
    by_student: dict[int, list[StudentConsent]] = {}
    for consent in StudentConsent.objects.filter(campaign=campaign, student__in=students):
        by_student.setdefault(consent.student_id, []).append(consent)
    rows = []
    for student in students:
        consents = by_student.get(student.pk, [])
        state = consent_state_of(consents, campaign=campaign, student=student, on=on)
        rows.append(ConsentRow(student=student, state=state, consents=consents))
    return rows


def get_student_of_campaign(*, campaign: Campaign, student_id: int) -> Student:
    """A student of the campaign's school (the campaign read through `get_campaign_for_user`),
    or 404."""
    return first_or_not_found(
        Student.objects.filter(school_id=campaign.school_id, pk=student_id)  # access: campaign
    )


def students_by_number(*, campaign: Campaign, numbers: list[str]) -> list[Student]:
    """The students of the campaign's school with these numbers (the caller read the campaign
    through `get_campaign_for_user`); numbers the school does not know are left out."""
    return list(
        Student.objects.filter(  # access: the campaign's school
            school_id=campaign.school_id, student_no__in=numbers[:5000]
        ).order_by("student_no")
    )


def consent_recorded(*, campaign: Campaign, student: Student) -> bool:
    """Whether anything of the student's consent to the campaign is recorded (given, withdrawn
    or refused); the caller read the campaign and the student of its school."""
    return StudentConsent.objects.filter(  # access: the campaign and student, read by the caller
        campaign=campaign, student=student
    ).exists()


def withdrawn_student_numbers(*, campaign: Campaign) -> set[str]:
    """The student numbers whose consent to the campaign was withdrawn: a roster's rows for them
    are refused."""
    return set(
        StudentConsent.objects.filter(  # access: the import's own campaign
            campaign=campaign, withdrawn_at__isnull=False
        ).values_list("student__student_no", flat=True)
    )


# Students who left the school (DOMAIN.md §5.5 "or at graduation") -----------------------------


def _answers_gone() -> Exists:
    """A result of the student whose answers retention de-identified."""
    return Exists(ScreeningResult.objects.filter(student=OuterRef("pk"), answers={}))


def leaving_students(*, campaign: Campaign, class_name: str = "", grade: str = "") -> list[Student]:
    """The students of the campaign's school in one class, or in one grade, by class and number,
    each with `answers_gone` (retention de-identified a result of theirs). The caller read the
    campaign through `get_campaign_for_user` and checked `may_import_into`."""
    students = Student.objects.filter(school_id=campaign.school_id)  # access: the campaign's
    if class_name:
        students = students.filter(class_name=class_name)
    else:
        students = students.filter(grade=grade)
    return list(
        students.annotate(answers_gone=_answers_gone()).order_by("class_name", "student_no", "pk")
    )


def students_with_answers_gone(*, student_ids: list[int]) -> int:
    """How many of these students had answers de-identified (counted for an undo's audit)."""
    return (
        Student.objects.filter(pk__in=student_ids)  # access: the caller's own students
        .filter(_answers_gone())
        .count()
    )
