"""Writes of screening: campaigns, uploads and their undo, the tier after the interview, changes of
tier (a downgrade waits for a second clinician's approval), referral into counselling, escalation
of overdue crisis tasks."""

from __future__ import annotations

import datetime
import logging
import traceback
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import DatabaseError, transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from centre import escalation
from centre.audit import audit_log
from centre.models import Reminder, School, User
from centre.reminders import Message, reminder_plan
from centre.roles import CAMPAIGN_ROLES, CLINICIAN_ROLES, Role, has_any_role
from centre.selectors import staff_of_site_tree
from centre.text import without_invisible, word_characters
from screening import importing, labels, scoring, selectors, tiers
from screening.models import (
    Campaign,
    OnlineCode,
    RosterImport,
    ScreeningResult,
    Student,
    TierChange,
    TierRequest,
    TrackingTask,
)
from screening.services.consent import consent_record_guardians as consent_record_guardians
from screening.services.consent import consent_withdraw as consent_withdraw
from screening.services.consent import may_refuse_alone as may_refuse_alone
from screening.services.online import campaign_record_consent as campaign_record_consent
from screening.services.online import online_agree as online_agree
from screening.services.online import online_answer as online_answer
from screening.services.online import online_close as online_close
from screening.services.online import online_open as online_open
from screening.services.online import online_start as online_start
from screening.services.online import online_submit as online_submit
from screening.tasks import IMPORT_TIME_LIMIT
from screening.tasks import import_roster as import_roster_task

if TYPE_CHECKING:  # counselling imports screening
    from counselling.models import Case

logger = logging.getLogger(__name__)
# A workbook imported within the request unpacks to at most this many times ROSTER_INLINE_BYTES.
INLINE_UNPACKED_RATIO = 25
NOTE_MAX_LENGTH = 1000


@transaction.atomic
def campaign_create(*, actor: User, school: School, liaison: User, **fields: Any) -> Campaign:
    unknown = set(fields.get("instruments", [])) - set(importing.INSTRUMENT_PREFIX)
    if unknown or not fields.get("instruments"):
        raise ValidationError({"instruments": _("Choose the instruments of the campaign.")})
    campaign = Campaign(school=school, liaison=liaison, **fields)
    campaign.full_clean()
    campaign.save()
    audit_log(actor=actor, action="screening.campaign.created", target=campaign)
    return campaign


def roster_upload(
    *, actor: User, campaign: Campaign, upload: UploadedFile[bytes], all_or_nothing: bool
) -> RosterImport:
    """Store the file and import it: small files at once, large ones in the `imports` queue.
    The file is kept only until its import ends, readable by its owner only
    (FILE_UPLOAD_PERMISSIONS)."""
    # A form's upload always has a name and a size; a bare File's may be None (the stubs).
    roster_import = _new_import(
        actor=actor,
        campaign=campaign,
        name=upload.name,  # type: ignore[arg-type]
        all_or_nothing=all_or_nothing,
    )
    stored_name = f"{roster_import.pk}-{upload.name[-60:]}"  # type: ignore[index]
    roster_import.file.save(stored_name, upload, save=True)
    if _small_enough_to_run_now(upload):
        roster_import_run_stored(roster_import)
    else:
        transaction.on_commit(lambda: _enqueue(roster_import.pk))
    return roster_import


def roster_import_file(
    *, actor: User, campaign: Campaign, name: str, data: bytes, all_or_nothing: bool
) -> RosterImport:
    """`manage.py import_roster`: the import `roster_upload` starts, run at once whatever the size
    (the command waits for its outcome), the file left where it is rather than stored."""
    roster_import = _new_import(
        actor=actor, campaign=campaign, name=name, all_or_nothing=all_or_nothing
    )
    return roster_import_run(roster_import, data)


def _new_import(
    *, actor: User, campaign: Campaign, name: str, all_or_nothing: bool
) -> RosterImport:
    return RosterImport.objects.create(
        campaign=campaign,
        uploaded_by=actor,
        original_name=name[:200],
        all_or_nothing=all_or_nothing,
    )


def _small_enough_to_run_now(upload: UploadedFile[bytes]) -> bool:
    """Small files are imported within the request — unless a small workbook unpacks to much
    more (its parts' sizes, which bound what can be unpacked), which would hold a web worker."""
    if upload.size > settings.ROSTER_INLINE_BYTES:  # type: ignore[operator]  # a form's upload
        return False
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        return True  # a CSV, or not a workbook at all: read at once
    finally:
        upload.seek(0)
    return unpacked <= settings.ROSTER_INLINE_BYTES * INLINE_UNPACKED_RATIO


def _enqueue(import_id: int) -> None:
    try:
        import_roster_task.delay(import_id)
    except Exception as error:  # the broker is down: say so now rather than wait for ever
        roster_import_failed(import_id=import_id, error=error, message=_queue_unavailable())


def roster_import_run_stored(roster_import: RosterImport) -> RosterImport:
    """Run a stored import; the stored file is deleted once the import has ended."""
    try:
        with roster_import.file.open("rb") as stored:
            data = stored.read()
        return roster_import_run(roster_import, data)
    except Exception as error:  # a missing file: ended as failed, logged by id
        roster_import_failed(import_id=roster_import.pk, error=error)
        roster_import.refresh_from_db()
        return roster_import
    finally:
        _delete_file_if_ended(roster_import.pk)


def roster_import_run(roster_import: RosterImport, data: bytes) -> RosterImport:
    """Validate and store a roster (page, task and `manage.py import_roster`): whatever goes
    wrong ends the import as failed with a message, and is logged without the data."""
    try:
        return importing.run_import(roster_import, data)
    except Exception as error:  # ended as failed, logged without its data
        roster_import_failed(import_id=roster_import.pk, error=error)
        roster_import.refresh_from_db()
        return roster_import


def roster_import_failed(import_id: int, *, error: BaseException | None, message: str = "") -> None:
    """End an import that is still waiting or running as failed (nothing of it is stored: the
    storing is one transaction), log why with ids only, and delete its file. Also the failure
    hook of its task (`centre.celery.LongTask`)."""
    ended = RosterImport.objects.filter(
        pk=import_id, status__in=[RosterImport.Status.WAITING, RosterImport.Status.RUNNING]
    ).update(
        status=RosterImport.Status.FAILED,
        message=message or _failed_message(import_id),
        finished_at=timezone.now(),
        done_rows=F("total_rows"),
    )
    if ended:
        logger.error("roster import %s failed: %s", import_id, describe_error(error))
        _delete_file_if_ended(import_id)


def roster_imports_sweep() -> int:
    """Beat, every 5 minutes: end the imports that can no longer finish — running past the
    task's hard time limit (its worker was killed or lost), or waiting longer than
    ROSTER_IMPORT_WAIT_SECONDS (their message was lost)."""
    now = timezone.now()
    running_limit = datetime.timedelta(seconds=IMPORT_TIME_LIMIT + 60)
    waiting_limit = datetime.timedelta(seconds=settings.ROSTER_IMPORT_WAIT_SECONDS)
    stopped = RosterImport.objects.filter(
        Q(status=RosterImport.Status.RUNNING, started_at__lt=now - running_limit)
        | Q(status=RosterImport.Status.WAITING, created_at__lt=now - waiting_limit)
    ).values_list("pk", flat=True)
    ids = list(stopped[:500])
    for import_id in ids:
        roster_import_failed(import_id=import_id, error=None, message=_stopped_message())
    return len(ids)


def _delete_file_if_ended(import_id: int) -> None:
    roster_import = RosterImport.objects.filter(pk=import_id).first()
    if roster_import and roster_import.file and roster_import.is_finished:
        roster_import.file.delete(save=True)


def describe_error(error: BaseException | None) -> str:
    """An error as the logs may carry it: its kind, and for the database the SQLSTATE and the
    constraint, table and column — never its message, which can quote a whole row."""
    if error is None:
        return "stopped (worker killed, lost or past its time limit)"
    described = type(error).__name__
    cause = error.__cause__ if isinstance(error, DatabaseError) else error
    diagnostics = getattr(cause, "diag", None)
    if diagnostics is not None:
        parts = {
            "sqlstate": getattr(cause, "pgcode", None),
            "constraint": diagnostics.constraint_name,
            "table": diagnostics.table_name,
            "column": diagnostics.column_name,
        }
        described += "".join(f" {key}={value}" for key, value in parts.items() if value)
    if error.__traceback__ is not None:
        frame = traceback.extract_tb(error.__traceback__)[-1]
        described += f" at {Path(frame.filename).name}:{frame.lineno} in {frame.name}"
    return described


def _failed_message(import_id: int) -> str:
    return _(
        "The import failed and nothing was stored. Upload the file again; if it fails again, "
        "tell the system administrator (import %(id)s)."
    ) % {"id": import_id}


def _stopped_message() -> str:
    return _("The import stopped before it finished and nothing was stored. Upload the file again.")


def _queue_unavailable() -> str:
    return _(
        "The import could not be queued and nothing was stored. Upload the file again in a few "
        "minutes."
    )


# Undo ------------------------------------------------------------------------------------------

# What a clinician may have done to an imported result since: each keeps the result (and its
# answers, tier history, tasks and referral link) out of an undo, whoever asks for it.
WORKED_ON = {
    "interview": ~Q(cssrs_band=""),
    "tier": Exists(TierChange.objects.filter(result=OuterRef("pk")))
    | Exists(TierRequest.objects.filter(result=OuterRef("pk"))),
    "referral": Exists(
        TrackingTask.objects.filter(result=OuterRef("pk")).filter(
            Q(case__isnull=False) | Q(status=TrackingTask.Status.REFERRED)
        )
    ),
    "task": Exists(
        TrackingTask.objects.filter(result=OuterRef("pk")).filter(
            Q(status__in=[TrackingTask.Status.DONE, TrackingTask.Status.CANCELLED])
            | Q(escalated_at__isnull=False)
        )
    ),
}


@dataclass(frozen=True)
class UndoPlan:
    """What undoing an import removes and what it keeps, by the first reason that keeps it."""

    removable: int
    kept: dict[str, int]

    @property
    def kept_total(self) -> int:
        return sum(self.kept.values())

    def kept_reasons(self) -> list[tuple[str, int]]:
        labels = {
            "interview": _("the interview (C-SSRS) is recorded"),
            "tier": _("the tier was changed, or a change was asked for"),
            "referral": _("the student was referred to counselling"),
            "task": _("a task was done, cancelled or escalated"),
        }
        return [(labels[reason], count) for reason, count in self.kept.items() if count]


def _untouched(results: QuerySet[ScreeningResult]) -> QuerySet[ScreeningResult]:
    for worked in WORKED_ON.values():
        results = results.exclude(worked)
    return results


def roster_import_undo_plan(roster_import: RosterImport) -> UndoPlan:
    """Counted before the undo (its confirmation page) and by it."""
    remaining, kept = ScreeningResult.objects.filter(roster_import=roster_import), {}
    for reason, worked in WORKED_ON.items():
        kept[reason] = remaining.filter(worked).count()
        remaining = remaining.exclude(worked)
    return UndoPlan(removable=remaining.count(), kept=kept)


@transaction.atomic
def roster_import_undo(*, actor: User, roster_import: RosterImport) -> UndoPlan:
    """Remove what the import brought that nobody has worked on since: those results, their
    tasks, and the students no other result refers to. A result a clinician has worked on is
    kept with everything attached to it, so no role — and a liaison least of all — deletes
    clinical work by undoing a roster."""
    if not selectors.may_undo_import(user=actor, roster_import=roster_import):
        raise PermissionDenied
    locked = RosterImport.objects.select_for_update().filter(pk=roster_import.pk).first()
    if locked is None or locked.status != RosterImport.Status.DONE:
        raise ValidationError(_("This import cannot be undone any more."))
    # Lock the results, so an interview or a tier change recorded meanwhile waits for the undo
    # (and then finds the result gone) or is seen by it.
    results = ScreeningResult.objects.filter(roster_import=roster_import)
    list(results.select_for_update().values_list("pk", flat=True))
    plan = roster_import_undo_plan(roster_import)
    untouched = _untouched(results)
    TrackingTask.objects.filter(result__in=untouched).delete()
    untouched.delete()
    # A student with an online code stays: the class list a window was opened from.
    Student.objects.filter(first_import=roster_import, results__isnull=True).exclude(
        Exists(OnlineCode.objects.filter(student=OuterRef("pk")))
    ).delete()
    locked.status = RosterImport.Status.UNDONE
    locked.message = undo_message(plan)
    locked.save(update_fields=["status", "message"])
    roster_import.status, roster_import.message = locked.status, locked.message
    transaction.on_commit(lambda: _delete_file_if_ended(roster_import.pk))
    audit_log(
        actor=actor,
        action="screening.roster.undone",
        target=roster_import,
        data={"removed": plan.removable, "kept": plan.kept},
    )
    return plan


def undo_message(plan: UndoPlan) -> str:
    removed = _("%(count)s results removed.") % {"count": plan.removable}
    if not plan.kept_total:
        return removed
    reasons = "; ".join(
        _("%(count)s because %(reason)s") % {"count": count, "reason": reason}
        for reason, count in plan.kept_reasons()
    )
    return " ".join(
        [
            removed,
            _("%(count)s kept, with everything a clinician recorded: %(reasons)s.")
            % {"count": plan.kept_total, "reasons": reasons},
        ]
    )


# Tiers -----------------------------------------------------------------------------------------


@transaction.atomic
def result_record_cssrs(*, actor: User, result: ScreeningResult, answers: dict[str, Any]) -> str:
    """The verification interview's C-SSRS: confirms the tier (DOMAIN.md §2.2) and closes the
    crisis task; a red or orange result gets its next action. Clinicians record it, and the
    crisis team on a result at red or orange (an overdue assessment they take over)."""
    outcome = scoring.score(scoring.CSSRS, answers)
    result = _locked_result(result)
    if not selectors.may_record_cssrs(user=actor, result=result):  # the tier as it is now
        raise PermissionDenied
    hold = tiers.ScoreTier(
        tier=result.score_tier,
        provisional=result.crisis_flag,
        crisis_task_sla_hours=None,
        settled_tier=result.settled_tier,
    )
    # A tier a clinician set (raised, or lowered with a second clinician's approval) or an
    # earlier interview confirmed is the clinician tier of DOMAIN.md §2.2: the interview may
    # raise it but never lowers it (an interview recorded again with milder answers would lower
    # a red by one clinician alone; lowering is a request, `result_change_tier`).
    computed = tiers.confirmed_tier(hold, result.cssrs_band or None)
    clinician = result.tier if result.tier_confirmed or result.tier != computed else None
    confirmed = tiers.confirmed_tier(hold, outcome.band, clinician)
    answers_by_instrument = {**result.answers, scoring.CSSRS: answers}
    previous = result.tier
    ScreeningResult.objects.filter(pk=result.pk).update(
        answers=answers_by_instrument,
        cssrs_band=outcome.band,
        tier=confirmed,
        tier_confirmed=True,
    )
    result.refresh_from_db()
    band = labels.band_label(outcome.band, instrument=scoring.CSSRS)
    _log_change(result, previous, confirmed, actor, _("C-SSRS: %(band)s") % {"band": band})
    now = timezone.now()
    result.tasks.filter(
        kind=TrackingTask.Kind.CRISIS_ASSESSMENT, status=TrackingTask.Status.OPEN
    ).update(status=TrackingTask.Status.DONE, done_at=now)
    action = tiers.action_after_interview(confirmed)
    if action and not result.tasks.filter(status=TrackingTask.Status.OPEN).exists():
        kind, delay = action
        TrackingTask.objects.create(result=result, kind=kind, due_at=now + delay)
    return confirmed


@transaction.atomic
def result_change_tier(
    *, actor: User, result: ScreeningResult, tier: str, reason: str
) -> TierRequest | None:
    """A clinician may raise a tier at any time. Lowering it needs a written reason and a second
    clinician's approval (DOMAIN.md §2.2, R-TR-3): it becomes a request, and the tier stands until
    `tier_request_decide` approves it. Returns the request, or None when the tier changed now."""
    _require_clinician(actor)
    if not word_characters(reason):  # zero-width spaces and punctuation say nothing
        raise ValidationError({"reason": _("Say why the tier changes.")})
    reason = without_invisible(reason)
    result = _locked_result(result)
    if not tiers.is_downgrade(result.tier, tier):
        previous = result.tier
        ScreeningResult.objects.filter(pk=result.pk).update(tier=tier, tier_confirmed=True)
        result.tier = tier
        _log_change(result, previous, tier, actor, reason)
        return None
    if result.tier_requests.filter(status=TierRequest.Status.PENDING).exists():
        raise ValidationError(
            _("A request to lower this tier is already waiting for a second clinician.")
        )
    tier_request = TierRequest.objects.create(
        result=result,
        tier_from=result.tier,
        tier_to=tier,
        reason=reason,
        requested_by=actor,
    )
    audit_log(
        actor=actor,
        action="screening.result.downgrade_requested",
        target=result,
        data={"request": tier_request.pk, "from": result.tier, "to": tier},
    )
    for approver in _approvers(tier_request):
        reminder_plan(
            key=f"tier_request:{tier_request.pk}:{approver.pk}",
            channel=Reminder.Channel.INBOX,
            due_at=timezone.now(),
            template="screening_tier_request",
            params={"result": result.pk},
            recipient=approver,
            target=tier_request,
        )
    return tier_request


def _approvers(tier_request: TierRequest) -> QuerySet[User]:
    """The clinicians who can see the result (its school's site or a site above), not the one
    who asked."""
    return staff_of_site_tree(
        site=tier_request.result.campaign.school.site, roles=CLINICIAN_ROLES, above=True
    ).exclude(pk=tier_request.requested_by_id)


@transaction.atomic
def tier_request_decide(*, actor: User, tier_request: TierRequest, approve: bool) -> TierRequest:
    """A second clinician who can see the result approves (the tier is lowered, signed off by
    them) or declines a request to lower it. The one who asked cannot decide it. A request whose
    tier has changed since lapses (status superseded) instead of being approved."""
    _require_clinician(actor)
    locked = TierRequest.objects.select_for_update().filter(pk=tier_request.pk).first()
    if (
        locked is None
        or not selectors.result_visible_to(user=actor).filter(pk=locked.result_id).exists()
    ):
        raise PermissionDenied
    if locked.requested_by_id == actor.pk:
        raise PermissionDenied(_("A second clinician decides this request, not the one who asked."))
    if locked.status != TierRequest.Status.PENDING:
        raise ValidationError(_("This request has already been decided."))
    result = _locked_result(locked.result)
    now = timezone.now()
    if approve and result.tier != locked.tier_from:
        # Approving would lower a tier nobody asked to lower: the request lapses instead.
        _close_request(locked, TierRequest.Status.SUPERSEDED, actor, now)
        audit_log(
            actor=actor,
            action="screening.result.downgrade_lapsed",
            target=result,
            data={"request": locked.pk, "requested_by": locked.requested_by_id},
        )
        return locked
    _close_request(
        locked, TierRequest.Status.APPROVED if approve else TierRequest.Status.DECLINED, actor, now
    )
    audit_log(
        actor=actor,
        action="screening.result.downgrade_approved"
        if approve
        else "screening.result.downgrade_declined",
        target=result,
        data={"request": locked.pk, "requested_by": locked.requested_by_id},
    )
    if approve:
        ScreeningResult.objects.filter(pk=result.pk).update(
            tier=locked.tier_to, tier_confirmed=True
        )
        _log_change(
            result, locked.tier_from, locked.tier_to, locked.requested_by, locked.reason, actor
        )
        result.tier = locked.tier_to
    return locked


def _close_request(
    tier_request: TierRequest, status: str, actor: User, now: datetime.datetime
) -> None:
    tier_request.status, tier_request.decided_by, tier_request.decided_at = status, actor, now
    tier_request.save(update_fields=["status", "decided_by", "decided_at"])


def _require_clinician(actor: User) -> None:
    if not selectors.may_see_scores(user=actor):
        raise PermissionDenied


def _locked_result(result: ScreeningResult) -> ScreeningResult:
    """The result, locked until the transaction ends: one writer of its tier at a time (an undo
    of its import takes the same lock)."""
    locked = ScreeningResult.objects.select_for_update().filter(pk=result.pk).first()
    if locked is None:
        raise ValidationError(_("This result no longer exists: its import was undone."))
    return locked


def _log_change(
    result: ScreeningResult,
    previous: str,
    tier: str,
    actor: User,
    reason: str,
    signed_off_by: User | None = None,
) -> None:
    if previous == tier:
        return
    TierChange.objects.create(
        result=result,
        tier_from=previous,
        tier_to=tier,
        reason=reason,
        changed_by=actor,
        signed_off_by=signed_off_by,
    )
    audit_log(
        actor=actor,
        action="screening.result.tier_changed",
        target=result,
        data={"from": previous, "to": tier, "signed_off_by": getattr(signed_off_by, "pk", None)},
    )


@transaction.atomic
def task_refer(*, actor: User, task: TrackingTask, intake: dict[str, Any]) -> Case:
    """Refer a flagged student along the green channel: open a counselling case (the intake's
    child, guardian and consent) linked to the task."""
    from counselling.models import Case
    from counselling.services import case_open_from_intake

    if not has_any_role(actor, CLINICIAN_ROLES):
        raise PermissionDenied
    _require_open(task)
    case = case_open_from_intake(
        actor=actor,
        site=actor.site,
        client_fields=intake["client_fields"],
        guardian_fields=intake["guardian_fields"],
        consent_given_by=intake["consent_given_by"],
        consent_version=intake["consent_version"],
        case_fields={**intake["case_fields"], "source": Case.Source.SCREENING},
    )
    TrackingTask.objects.filter(pk=task.pk).update(
        status=TrackingTask.Status.REFERRED, case=case, done_at=timezone.now()
    )
    audit_log(
        actor=actor, action="screening.task.referred", target=task.result, data={"case": case.pk}
    )
    return case


@transaction.atomic
def task_complete(*, actor: User, task: TrackingTask, outcome: str, note: str = "") -> TrackingTask:
    """A school-side task (the class teacher's watch, a re-screen) done, with how it ended: by
    the school's liaison or a clinician who sees it. A concern reaches the clinicians of the
    school's site in their inbox (through the outbox): the tier is theirs to look at again."""
    if not has_any_role(actor, CAMPAIGN_ROLES):
        raise PermissionDenied
    if not selectors.result_visible_to(user=actor).filter(pk=task.result_id).exists():
        raise PermissionDenied
    if task.kind not in TrackingTask.SCHOOL_SIDE:
        raise ValidationError(_("This task is a clinician's: it is done on the student's result."))
    if outcome not in TrackingTask.Outcome.values:
        raise ValidationError({"outcome": _("Choose how the task ended.")})
    note = without_invisible(note).strip()
    if "\x00" in note or len(note) > NOTE_MAX_LENGTH:
        raise ValidationError(
            {"outcome_note": _("A note holds at most %(count)s characters.") % {"count": 1000}}
        )
    if outcome == TrackingTask.Outcome.CONCERN and not word_characters(note):
        raise ValidationError({"outcome_note": _("Say what was seen.")})
    locked = _require_open(task)
    now = timezone.now()
    locked.status, locked.done_at, locked.done_by = TrackingTask.Status.DONE, now, actor
    locked.outcome, locked.outcome_note = outcome, note
    locked.save(update_fields=["status", "done_at", "done_by", "outcome", "outcome_note"])
    audit_log(
        actor=actor,
        action="screening.task.done",
        target=locked.result,
        data={"task": locked.pk, "outcome": outcome},
    )
    if outcome == TrackingTask.Outcome.CONCERN:
        school = locked.result.campaign.school
        clinicians = staff_of_site_tree(site=school.site, roles=CLINICIAN_ROLES, above=True)
        for clinician in clinicians:
            reminder_plan(
                key=f"school_concern:{locked.pk}:{clinician.pk}",
                channel=Reminder.Channel.INBOX,
                due_at=now,
                template="screening_school_concern",
                params={"result": locked.result_id, "school": school.code},
                recipient=clinician,
                target=locked,
                site=school.site,
            )
    return locked


def _require_open(task: TrackingTask) -> TrackingTask:
    """A task is referred once: again (a second tab, a name typed otherwise so no duplicate is
    found) would open a second case and replace the task's link to the first. Locked until the
    transaction ends, so two referrals at once are one after the other."""
    locked = TrackingTask.objects.select_for_update().filter(pk=task.pk).first()
    if locked is None:
        raise ValidationError(_("This result no longer exists: its import was undone."))
    if locked.status == TrackingTask.Status.REFERRED:
        raise ValidationError(
            _("This student is already referred (case %(case)s).") % {"case": locked.case_id}
        )
    if locked.status != TrackingTask.Status.OPEN:
        raise ValidationError(_("This task is closed: refer the student from their open task."))
    return locked


def escalate_overdue_crisis_tasks() -> int:
    """Overdue crisis-assessment tasks reach the crisis team through the outbox: each task once,
    in one inbox message per member and run naming the schools concerned."""
    overdue = (
        TrackingTask.objects.filter(
            kind=TrackingTask.Kind.CRISIS_ASSESSMENT,
            status=TrackingTask.Status.OPEN,
            due_at__lt=timezone.now(),
        )
        .select_related("result__campaign__school__site")
        .order_by("due_at", "id")
    )
    team = list(User.objects.filter(groups__name=Role.CRISIS_TEAM.value, is_active=True))
    return escalation.escalate_overdue_in_batches(
        overdue, step="crisis_team", recipients=lambda task: team, notice=_crisis_batch_notice
    )


def _crisis_batch_notice(member: User, tasks: list[TrackingTask]) -> escalation.Notice:
    """How many tasks at which schools (codes, counts): no student, no score."""
    per_school: dict[str, int] = {}
    for task in tasks:
        code = task.result.campaign.school.code
        per_school[code] = per_school.get(code, 0) + 1
    return escalation.Notice(
        recipients=[member],
        template="screening_crisis_overdue_batch",
        params={
            "tasks": len(tasks),
            "schools": sorted(per_school.items(), key=lambda item: (-item[1], item[0])),
        },
    )


def _crisis_overdue(params: dict[str, Any]) -> Message:
    """One overdue task's message (the per-row form, for rows planned before batches)."""
    return Message(
        title=_("Overdue assessment at school %(school)s") % {"school": params["school"]},
        body=_("Task %(task)s is past its time. Take it over now.") % {"task": params["task"]},
        link=reverse("screening:board"),
    )


def _crisis_overdue_batch(params: dict[str, Any]) -> Message:
    count = params["tasks"]
    schools = _(", ").join(f"{code} ({number})" for code, number in params["schools"])
    return Message(
        title=ngettext(
            "%(count)s overdue assessment to take over",
            "%(count)s overdue assessments to take over",
            count,
        )
        % {"count": count},
        body=_("Schools concerned: %(schools)s. Take them over now.") % {"schools": schools},
        link=reverse("screening:board"),
    )


def _school_concern(params: dict[str, Any]) -> Message:
    return Message(
        title=_("A school reports a concern (school %(school)s)") % {"school": params["school"]},
        body=_("A school-side task ended with a concern: look at the student's result again."),
        link=reverse("screening:result", args=[params["result"]]),
    )


def _tier_request(params: dict[str, Any]) -> Message:
    return Message(
        title=_("A request waits for your approval"),
        body=_("A colleague asks a second clinician to approve a change to a screening result."),
        link=reverse("screening:result", args=[params["result"]]),
    )
