"""The online self-assessment (issue 16): a campaign opened online for a class, each student of
the class list already imported with a one-time code; a student starts with their code, answers
one question at a time (kept on the server), and submits. A submission is stored exactly as a
roster row is (`screening.importing.score_answers` then `store_rows`): the same scoring, tier,
result and tracking tasks, the crisis task at once.

Only a keyed hash of a code is stored (HMAC-SHA256 with the secret key); the codes are returned
once, when the window opens, for the printed slips."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import secrets
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from centre.audit import audit_log
from centre.content_filter import forbidden_words
from centre.errors import ConflictError, NotFoundError, ServiceError
from centre.models import Reminder, Site, User
from centre.reminders import (
    Message,
    reminder_plan,
    reminders_cancel,
    reminders_dispatch_now,
    reminders_plan,
)
from centre.roles import Role
from centre.selectors import staff_of_site_tree
from screening import importing, online_questions, scoring, selectors
from screening.models import (
    Campaign,
    ConsentBasis,
    OnlineCode,
    OnlineSession,
    OnlineWindow,
    ScreeningResult,
    Student,
    StudentConsent,
    Tier,
    TrackingTask,
)

# Who is told at once of an online submission that needs action now: the crisis team and the
# counsellors who see the school's tasks on the tracking board (its site or a site above).
ACTION_NOW_ROLES = frozenset({Role.CRISIS_TEAM, Role.COUNSELLOR})

# No 0/O, 1/I/L: a code copied from a slip by hand is never misread. 31**10 ≈ 8·10**14.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 10
WINDOW_HOURS = 24  # a window opened today lasts the school day (and a retake period)


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _position in range(CODE_LENGTH))


def normalised(code: str) -> str:
    """What a student typed, as printed: spaces and dashes dropped, upper case."""
    return "".join(code.split()).replace("-", "").upper()[: CODE_LENGTH * 2]


def code_hash(code: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, normalised(code).encode(), hashlib.sha256).hexdigest()


def _require_online(campaign: Campaign) -> None:
    if not campaign.consent_basis:
        raise ServiceError(
            _("Record the campaign's consent basis before opening it online."), code="no_consent"
        )
    if not set(campaign.instruments) <= online_questions.ONLINE_INSTRUMENTS:
        raise ServiceError(
            _("The SDQ is not put online without the centre's licence."), code="not_online"
        )


@transaction.atomic
def campaign_record_consent(*, actor: User, campaign: Campaign, basis: str) -> Campaign:
    """Record how the campaign's consent was collected (DOMAIN.md §5.2); empty withdraws it:
    no student may start the online form from then on."""
    if not selectors.may_import_into(user=actor, campaign=campaign):
        raise PermissionDenied
    if basis not in {"", *ConsentBasis.values}:
        raise ServiceError(_("Choose how consent was collected."), code="invalid", field="basis")
    campaign.consent_basis = basis
    campaign.save(update_fields=["consent_basis", "updated_at"])
    audit_log(
        actor=actor,
        action="screening.campaign.consent_recorded",
        target=campaign,
        data={"basis": basis},
    )
    return campaign


@transaction.atomic
def online_open(
    *, actor: User, campaign: Campaign, class_name: str, hours: int = WINDOW_HOURS
) -> tuple[OnlineWindow, list[tuple[Student, str]]]:
    """Open the campaign online for one class: its window and each student's code, returned
    once (only their hashes are kept). A student who already has a result in the campaign (a
    roster, an earlier window) gets no code: they were screened, and their calm answers online
    would be matched to that result and dropped. Nor does a student recorded as having left the
    school (`services.leaving`)."""
    if not selectors.may_import_into(user=actor, campaign=campaign):
        raise PermissionDenied
    _require_online(campaign)
    now = timezone.now()
    class_list = Student.objects.filter(school=campaign.school, class_name=class_name)
    if not class_list.exists():
        raise ServiceError(_("No student of this class has been imported."), code="no_students")
    classmates = class_list.filter(left_on__isnull=True)  # one who left the school gets no code
    if not classmates.exists():
        raise ServiceError(
            _("Every student of this class is recorded as having left the school."),
            code="all_left",
        )
    screened = ScreeningResult.objects.filter(campaign=campaign, student=OuterRef("pk"))
    students = list(classmates.exclude(Exists(screened)).order_by("student_no"))
    if not students:
        raise ServiceError(
            _("Every student of this class is already screened in this campaign."),
            code="all_screened",
        )
    if OnlineWindow.objects.filter(
        campaign=campaign, class_name=class_name, closed_at__isnull=True, closes_at__gt=now
    ).exists():
        raise ConflictError(_("This class is already open online."), code="already_open")
    window = OnlineWindow.objects.create(
        campaign=campaign,
        class_name=class_name,
        opens_at=now,
        closes_at=now + datetime.timedelta(hours=hours),
        opened_by=actor,
    )
    slips = [(student, new_code()) for student in students]
    OnlineCode.objects.bulk_create(
        OnlineCode(window=window, student=student, code_hash=code_hash(code))
        for student, code in slips
    )
    audit_log(
        actor=actor,
        action="screening.online.opened",
        target=window,
        data={
            "campaign": campaign.pk,
            "codes": len(slips),
            "screened": classmates.count() - len(slips),
        },
    )
    _plan_not_yet_reminder(window)
    return window, slips


def _plan_not_yet_reminder(window: OnlineWindow) -> Reminder:
    """The liaison who opened the class is reminded, a while before it closes, of the students
    who have not answered yet (a task for the class teacher, not data)."""
    before = datetime.timedelta(minutes=settings.ONLINE_REMINDER_MINUTES_BEFORE_CLOSE)
    return reminder_plan(
        key=f"online_not_yet:{window.pk}",
        channel=Reminder.Channel.INBOX,
        due_at=max(window.opens_at, window.closes_at - before),
        template="screening_online_not_yet",
        params={"window": window.pk, "class": _class_label(window.class_name)},
        recipient=window.opened_by,
        target=window,
        site=window.campaign.school.site,
    )


def _class_label(class_name: str) -> str:
    """The class as a message may name it: a class named with a word no message may carry (the
    content filter's) is "—", and its link still leads to the class."""
    return "—" if forbidden_words(class_name) else class_name


@transaction.atomic
def online_close(*, actor: User, window: OnlineWindow) -> OnlineWindow:
    if not selectors.may_import_into(user=actor, campaign=window.campaign):
        raise PermissionDenied
    if window.closed_at is None:
        window.closed_at = timezone.now()
        window.save(update_fields=["closed_at"])
        reminders_cancel(target=window)  # its codes no longer work: nobody is left to remind
        audit_log(actor=actor, action="screening.online.closed", target=window)
    return window


EXPIRED = gettext_lazy("This code has expired: the class's time is over.")
NO_CONSENT = gettext_lazy("We do not have the consent we need yet. Please ask your teacher.")


class CodeRefusedError(ServiceError):
    """A code that cannot start: `code` says why (unknown, not_open, closed, used, no_consent,
    withdrawn; not_agreed: the student has not said "I agree" on the first screen yet)."""


def online_consent(code: OnlineCode, *, agreed: bool = False) -> selectors.ConsentState:
    """The student's consent to the code's campaign, counted on the window's day: refused when
    one was withdrawn, or when the guardian's is needed and not recorded; with `agreed`, also
    until the student said "I agree" (their own consent from 14, their assent under 14)."""
    window = code.window
    state = selectors.consent_state(
        campaign=window.campaign, student=code.student, on=timezone.localdate(window.opens_at)
    )
    if state.withdrawn:
        raise CodeRefusedError(
            _(
                "You do not need to answer this questionnaire. If you have a question, "
                "please ask your teacher."
            ),
            code="withdrawn",
        )
    if not state.may_start:
        raise CodeRefusedError(
            _(
                "Before you start, we need your parent's or guardian's OK. "
                "Please ask your teacher about it."
            ),
            code="no_consent",
        )
    if agreed and not state.student_given:
        raise CodeRefusedError(
            _("Please read the first page and say if you agree."), code="not_agreed"
        )
    return state


def _code(code: str) -> OnlineCode:
    found = selectors.online_code_by_hash(code_hash=code_hash(code))
    if found is None:
        raise CodeRefusedError(
            _("This code is not right. Check the slip and try again."), code="unknown"
        )
    return found


@transaction.atomic
def online_start(*, code: str) -> OnlineSession:
    """The student's session for `code` (a new one, or the one they left off): refused when the
    code is unknown, used, outside its window, or the campaign has no consent basis."""
    found = _code(code)
    window = found.window
    now = timezone.now()
    session = OnlineSession.objects.filter(code=found).first()  # access: the code is the key
    if session is not None and session.submitted_at is not None:
        raise CodeRefusedError(_("This code has already been used."), code="used")
    if window.closed_at is not None or now >= window.closes_at:
        raise CodeRefusedError(EXPIRED, code="closed")
    if now < window.opens_at:
        raise CodeRefusedError(_("This code does not work yet."), code="not_open")
    if not window.campaign.consent_basis:
        raise CodeRefusedError(NO_CONSENT, code="no_consent")
    online_consent(found)
    if session is None:
        # The code's start sent twice at once (a double tap): the second finds the first's.
        session, created = OnlineSession.objects.get_or_create(code=found)
        if created:
            audit_log(actor=None, action="screening.online.started", target=session)
    return session


def session_refusal(session: OnlineSession) -> CodeRefusedError | None:
    """Why a session not yet submitted cannot go on now, or None: its window closed or ran out
    mid-form, or the campaign's consent was withdrawn (honoured from then on: DOMAIN.md §5.2),
    as for a start."""
    window = session.code.window
    if not window.is_open():
        return CodeRefusedError(EXPIRED, code="closed")
    if not window.campaign.consent_basis:
        return CodeRefusedError(NO_CONSENT, code="no_consent")
    return None


def _open_session(session_id: int, *, lock: bool = False, agreed: bool = True) -> OnlineSession:
    """The student's session, while it may go on: its window open, the consent it needs in
    force (and, with `agreed`, the student's "I agree" given). A submitted one is returned as it
    is: nothing new is made of it."""
    session = selectors.online_session(session_id=session_id, lock=lock)
    if session is None:
        raise NotFoundError
    if session.submitted_at is not None:
        return session
    # Locked, the student's row is too (selectors.online_session): a withdrawal under way
    # commits first and is seen below, or waits until this submission (or answer) commits.
    refusal = session_refusal(session)
    if refusal is not None:
        raise refusal
    online_consent(session.code, agreed=agreed)
    return session


@transaction.atomic
def online_agree(*, session_id: int) -> OnlineSession:
    """The student said "I agree" on the first screen: their own consent from 14 (under the
    campaign's notice to guardians), their assent beside the guardian's under 14; recorded once,
    with the version of the screen they read."""
    session = _open_session(session_id, lock=True, agreed=False)
    if session.submitted_at is not None:
        raise CodeRefusedError(_("This code has already been used."), code="used")
    code = session.code
    if online_consent(code).student_given:
        return session
    StudentConsent.objects.bulk_create(
        [
            StudentConsent(
                student=code.student,
                campaign=code.window.campaign,
                given_by=StudentConsent.GivenBy.STUDENT,
                version=settings.SCREENING_CONSENT_VERSION,
                basis=code.window.campaign.consent_basis,
            )
        ],
        # Two codes of one student agreeing at once: one consent (the constraint keeps it).
        ignore_conflicts=True,
    )
    audit_log(
        actor=None,
        action="screening.consent.given",
        target=session,
        data={"given_by": StudentConsent.GivenBy.STUDENT},
    )
    return session


@transaction.atomic
def online_answer(*, session_id: int, key: str, value: int) -> OnlineSession:
    """Keep one answer (a later answer to the same question replaces it)."""
    session = _open_session(session_id, lock=True)
    if session.submitted_at is not None:
        raise CodeRefusedError(_("This code has already been used."), code="used")
    asked = {q.key: q for q in online_questions.questions(session.code.window.campaign.instruments)}
    question = asked.get(key)
    if question is None or value not in {choice for choice, _label in question.choices}:
        raise ServiceError(_("Choose one of the answers."), code="invalid_answer")
    session.answers = {**session.answers, key: value}
    session.save(update_fields=["answers"])
    return session


def _values(
    campaign: Campaign, answers: dict[str, int]
) -> tuple[dict[str, list[int | None]], dict[str, bool | int]]:
    items: dict[str, list[int | None]] = {}
    for instrument in campaign.instruments:
        count = importing.ITEM_COUNT[instrument]
        items[instrument] = [answers.get(f"{instrument}:{n}") for n in range(1, count + 1)]
    supplementary: dict[str, bool | int] = {}
    if scoring.PHQA in campaign.instruments:
        for name, kind in scoring.PHQA_SUPPLEMENTARY.items():
            value = answers.get(f"supplementary:{name}")
            if value is not None:
                supplementary[name] = value if kind is int else bool(value)
    return items, supplementary


@transaction.atomic
def online_submit(*, session_id: int) -> OnlineSession:
    """The answers become the student's screening result, through the roster's own path; a
    second submit changes nothing; a student with a result already is matched, not doubled."""
    session = _open_session(session_id, lock=True)
    if session.submitted_at is not None:
        return session
    window = session.code.window
    campaign = window.campaign
    asked = online_questions.questions(campaign.instruments)
    missing = [q.key for q in asked if q.key not in session.answers]
    if missing:
        raise ServiceError(_("Please answer every question first."), code="incomplete")
    items, supplementary = _values(campaign, session.answers)
    answers, scores, tier, errors = importing.score_answers(0, items, supplementary, campaign)
    if tier is None or errors:
        raise ServiceError(_("Please answer every question first."), code="incomplete")
    # Two codes of one student (a class reopened) submitted at once, or a roster giving the
    # student a result meanwhile: store_rows locks the student, the second matches the first.
    student = session.code.student
    row = importing.Row(
        number=0,
        student_no=student.student_no,
        name=student.full_name,
        sex=student.sex,
        grade=student.grade,
        class_name=student.class_name,
        birth_date=student.birth_date,
        answers=answers,
        scores=scores,
        tier=tier,
    )
    imported, _unchanged, result_ids = importing.store_rows(campaign, [row])
    session.result = ScreeningResult.objects.get(
        pk=result_ids[student.student_no]
    )  # access: just stored
    session.submitted_at = timezone.now()
    session.save(update_fields=["result", "submitted_at"])
    audit_log(
        actor=None,
        action="screening.online.submitted",
        target=session,
        data={"result": session.result_id, "new": bool(imported)},
    )
    if imported or tier.crisis_task_sla_hours is not None:
        _tell_action_now(session.result, site=campaign.school.site)
    if not selectors.online_not_submitted(window_id=window.pk).exists():
        reminders_cancel(target=window)  # everyone has answered: no reminder is needed
    return session


def urgent_tasks(result: ScreeningResult) -> QuerySet[TrackingTask]:
    """The open tasks of a new result that cannot wait for the beat: the crisis-flag task (item 9,
    serious thoughts this month, a lifetime attempt) and a red tier's first action."""
    return result.tasks.filter(status=TrackingTask.Status.OPEN).filter(
        Q(kind=TrackingTask.Kind.CRISIS_ASSESSMENT) | Q(result__tier=Tier.RED)
    )


def _tell_action_now(result: ScreeningResult, *, site: Site) -> list[int]:
    """An inbox message at once (dispatched on commit, not at the beat's next minute) to the
    crisis team and the counsellors of the school's site tree (`site`), per urgent task."""
    people = list(staff_of_site_tree(site=site, roles=ACTION_NOW_ROLES, above=True))
    ids = [
        reminder_id
        for task in urgent_tasks(result)
        for reminder_id in reminders_plan(
            recipients=[(f"online_action_now:{task.pk}:{person.pk}", person) for person in people],
            channel=Reminder.Channel.INBOX,
            due_at=timezone.now(),
            template="screening_online_action_now",
            params={"result": result.pk},
            target=task,
            site=site,
        )
    ]
    if ids:
        transaction.on_commit(lambda: reminders_dispatch_now(ids))
    return ids


# Lost slips: a new code for one student, or for every student who has not started -----------


def _require_reprint(actor: User, window: OnlineWindow) -> None:
    if not selectors.may_import_into(user=actor, campaign=window.campaign):
        raise PermissionDenied
    if not window.is_open():
        raise ServiceError(
            _("This class is closed online: open it again for new codes."), code="closed"
        )


@transaction.atomic
def online_code_reissue(
    *, actor: User, window: OnlineWindow, student_id: int
) -> tuple[Student, str]:
    """A student lost their slip: a new code, shown once; the old one stops working at once.
    Answers begun with the old code are discarded, so whoever found the slip is stopped too."""
    _require_reprint(actor, window)
    code = (
        OnlineCode.objects.select_for_update()
        .select_related("student")
        .filter(window=window, student_id=student_id)
        .first()
    )
    if code is None:
        raise NotFoundError
    # Locked: a submission under way finishes first, and is then seen as one.
    session = OnlineSession.objects.select_for_update().filter(code=code).first()
    if session is not None and session.submitted_at is not None:
        raise ConflictError(_("This student has already answered."), code="answered")
    if not selectors.online_not_submitted(window_id=window.pk).filter(pk=code.pk).exists():
        # Screened by a roster since the slips (their code still works), or consent withdrawn.
        raise ConflictError(_("This student needs no new code."), code="not_needed")
    if session is not None:
        session.delete()
    new = new_code()
    code.code_hash = code_hash(new)
    code.save(update_fields=["code_hash"])
    audit_log(
        actor=actor,
        action="screening.online.code_reissued",
        target=window,
        data={"student": code.student_id, "answers_discarded": session is not None},
    )
    return code.student, new


@transaction.atomic
def online_codes_reprint(*, actor: User, window: OnlineWindow) -> list[tuple[Student, str]]:
    """New codes for every student of the class who has not started (the sheet of slips lost):
    shown once; their old codes stop working at once."""
    _require_reprint(actor, window)
    codes = list(
        selectors.online_not_started(window_id=window.pk)
        .select_for_update(of=("self",))
        .select_related("student")
        .order_by("student__student_no")
    )
    if not codes:
        raise ServiceError(_("Every student of the class has started."), code="nothing")
    slips = []
    for code in codes:
        new = new_code()
        code.code_hash = code_hash(new)
        slips.append((code.student, new))
    OnlineCode.objects.bulk_update(codes, ["code_hash"])
    audit_log(
        actor=actor,
        action="screening.online.codes_reprinted",
        target=window,
        data={"codes": len(codes)},
    )
    return slips


# Message templates (ScreeningConfig.message_templates): no name, score or tier --------------


def _action_now(params: dict[str, Any]) -> Message:
    return Message(
        title=_("A screening needs action now"),
        body=_("An online questionnaire has just been submitted: open the task and act on it."),
        link=reverse("screening:result", args=[params["result"]]),
    )


def _not_yet(params: dict[str, Any]) -> Message:
    """Counted when sent, not when planned: the students still to answer by then."""
    count = selectors.online_not_submitted(window_id=params["window"]).count()
    if not count:
        title = _("Class %(class)s: every student has answered") % {"class": params["class"]}
    else:
        title = ngettext(
            "Class %(class)s: %(count)s student has not answered yet",
            "Class %(class)s: %(count)s students have not answered yet",
            count,
        ) % {"class": params["class"], "count": count}
    return Message(
        title=title,
        body=_("Give them time to answer before the class closes online.") if count else "",
        link=reverse("screening:online_not_yet", args=[params["window"]]),
    )


def is_crisis(session: OnlineSession) -> bool:
    """Whether the student's own answers ask for help now (item 9 ≥ 1, serious thoughts this
    month, a lifetime attempt): the thank-you page shows where to get help, never a score."""
    answers = session.answers
    return any(
        answers.get(key, 0) >= 1
        for key in (
            f"{scoring.PHQA}:9",
            f"{scoring.PHQ9}:9",
            "supplementary:serious_thoughts_past_month",
            "supplementary:lifetime_attempt",
        )
    )
