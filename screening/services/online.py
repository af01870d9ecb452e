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

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from centre.audit import audit_log
from centre.errors import ConflictError, NotFoundError, ServiceError
from centre.models import User
from screening import importing, online_questions, scoring, selectors
from screening.models import (
    Campaign,
    ConsentBasis,
    OnlineCode,
    OnlineSession,
    OnlineWindow,
    ScreeningResult,
    Student,
)

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
    once (only their hashes are kept)."""
    if not selectors.may_import_into(user=actor, campaign=campaign):
        raise PermissionDenied
    _require_online(campaign)
    now = timezone.now()
    students = list(
        Student.objects.filter(school=campaign.school, class_name=class_name).order_by("student_no")
    )
    if not students:
        raise ServiceError(_("No student of this class has been imported."), code="no_students")
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
        data={"campaign": campaign.pk, "codes": len(slips)},
    )
    return window, slips


@transaction.atomic
def online_close(*, actor: User, window: OnlineWindow) -> OnlineWindow:
    if not selectors.may_import_into(user=actor, campaign=window.campaign):
        raise PermissionDenied
    if window.closed_at is None:
        window.closed_at = timezone.now()
        window.save(update_fields=["closed_at"])
        audit_log(actor=actor, action="screening.online.closed", target=window)
    return window


class CodeRefusedError(ServiceError):
    """A code that cannot start: `code` says why (unknown, not_open, closed, used, no_consent)."""


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
        raise CodeRefusedError(_("This code has expired: the class's time is over."), code="closed")
    if now < window.opens_at:
        raise CodeRefusedError(_("This code does not work yet."), code="not_open")
    if not window.campaign.consent_basis:
        raise CodeRefusedError(
            _("We do not have the consent we need yet. Please ask your teacher."),
            code="no_consent",
        )
    if session is None:
        session = OnlineSession.objects.create(code=found)
        audit_log(actor=None, action="screening.online.started", target=session)
    return session


def _open_session(session_id: int, *, lock: bool = False) -> OnlineSession:
    session = selectors.online_session(session_id=session_id, lock=lock)
    if session is None:
        raise NotFoundError
    window = session.code.window
    if session.submitted_at is None and not window.is_open():
        raise CodeRefusedError(_("This code has expired: the class's time is over."), code="closed")
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
    student = session.code.student
    # Two codes of one student (a class reopened) submitted at once: one after the other.
    Student.objects.select_for_update().filter(pk=student.pk).first()
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
    return session


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
