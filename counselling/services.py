"""Writes. Every change goes through one of these: they check the business rules, give and take
django-guardian grants, write the audit entry and refuse a stale edit.

Callers (views, APIs, commands) have already checked that the actor may see the record, with
the selectors; preconditions beyond that are in each docstring.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from guardian.shortcuts import assign_perm, remove_perm

from centre.audit import audit_log
from centre.content_filter import forbidden_words
from centre.errors import ConflictError
from centre.models import Reminder, User
from centre.reminders import Message, reminder_plan
from centre.roles import BREAK_GLASS_ROLES, CLINICIAN_ROLES, Role, has_any_role
from centre.text import without_invisible, word_characters
from centre.versioning import save_versioned
from counselling import follow_ups
from counselling.models import (
    RISK_RANK,
    BreakGlassAccess,
    Case,
    CaseConference,
    Client,
    Consent,
    CounsellingSession,
    Guardian,
    Referral,
    ReferralEvent,
    RiskChange,
    RiskLevel,
    SafetyPlan,
)
from counselling.selectors import client_search, user_may_change_client

ADULT_CONSENT_AGE = 14  # PIPL Art. 31: under 14, a guardian consents
REASON_MINIMUM = 10  # letters or digits in a break-glass or crisis-exception reason


class DuplicateClientError(ConflictError):
    code = "duplicate_client"
    default_message = gettext_lazy("This child is already registered.")

    def __init__(self, existing: Client) -> None:
        super().__init__()
        self.existing = existing


CASE_TRANSITIONS = {
    Case.Status.INTAKE: {Case.Status.ACTIVE, Case.Status.CLOSED},
    Case.Status.ACTIVE: {Case.Status.RECOVERY, Case.Status.CLOSED},
    Case.Status.RECOVERY: {Case.Status.ACTIVE, Case.Status.CLOSED},
    Case.Status.CLOSED: {Case.Status.ACTIVE},  # reopen
}


# Clients, guardians, consent -------------------------------------------------------------------


def _require_change_of_client(*, actor: User, client: Client) -> None:
    """Writes about the child (guardians, consents, another case) need the right to change one
    of their cases, whatever page or endpoint they come from (`user_may_change_client`)."""
    if not user_may_change_client(user=actor, client=client):
        raise PermissionDenied


@transaction.atomic
def client_register(*, actor: User, site, **fields: Any) -> Client:
    """Register a minor after searching for the same child (name + date of birth + school)."""
    existing = client_search(
        full_name=fields["full_name"],
        date_of_birth=fields["date_of_birth"],
        school_id=fields["school"].pk if fields.get("school") else None,
    ).first()
    if existing is not None:
        raise DuplicateClientError(existing)
    client = Client(site=site, **fields)
    client.full_name = client.full_name.strip()
    client.full_clean()
    client.save()
    audit_log(actor=actor, action="counselling.client.created", target=client)
    return client


@transaction.atomic
def guardian_add(
    *, actor: User, client: Client, relationship: str, full_name: str, phone: str
) -> Guardian:
    _require_change_of_client(actor=actor, client=client)
    guardian = Guardian(client=client, relationship=relationship, full_name=full_name, phone=phone)
    guardian.full_clean()
    guardian.save()
    audit_log(actor=actor, action="counselling.guardian.added", target=client)
    return guardian


@transaction.atomic
def consent_record(
    *,
    actor: User,
    client: Client,
    purpose: str,
    given_by: str,
    guardian: Guardian | None,
    version: str,
    given_at: datetime.datetime | None = None,
) -> Consent:
    _require_change_of_client(actor=actor, client=client)
    if guardian is not None and guardian.client_id != client.pk:
        raise ValidationError({"guardian": _("This guardian belongs to another child.")})
    if given_by == Consent.GivenBy.CLIENT and client.age < ADULT_CONSENT_AGE:
        raise ValidationError(
            {"given_by": _("Under 14, consent is given by a guardian (PIPL Art. 31).")}
        )
    consent = Consent(
        client=client,
        purpose=purpose,
        given_by=given_by,
        guardian=guardian,
        version=version,
        given_at=given_at or timezone.now(),
        recorded_by=actor,
    )
    consent.full_clean()
    consent.save()
    audit_log(
        actor=actor,
        action="counselling.consent.given",
        target=client,
        data={"purpose": purpose, "given_by": given_by, "version": version},
    )
    return consent


@transaction.atomic
def consent_withdraw(*, actor: User, consent: Consent) -> Consent:
    _require_change_of_client(actor=actor, client=consent.client)
    if consent.withdrawn_at is None:
        consent.withdrawn_at = timezone.now()
        consent.save(update_fields=["withdrawn_at", "updated_at"])
        audit_log(
            actor=actor,
            action="counselling.consent.withdrawn",
            target=consent.client,
            data={"purpose": consent.purpose},
        )
    return consent


def has_active_consent(*, client: Client, purpose: str) -> bool:
    """An unwithdrawn consent for `purpose`; under 14 it must come from a guardian."""
    consents = client.consents.filter(purpose=purpose, withdrawn_at__isnull=True)
    if client.age < ADULT_CONSENT_AGE:
        consents = consents.filter(given_by=Consent.GivenBy.GUARDIAN)
    return consents.exists()


def consent_lapsed_at(*, client: Client, purpose: str) -> datetime.datetime | None:
    """When the consent to `purpose` stopped being in force (its last withdrawal; the child's
    registration if none was ever given), or None while one is in force."""
    if has_active_consent(client=client, purpose=purpose):
        return None
    withdrawn = client.consents.filter(purpose=purpose).aggregate(at=Max("withdrawn_at"))["at"]
    return withdrawn or client.created_at


def _crisis_exception(*, actor: User, case: Case, reason: str, lapsed_at, work: str) -> None:
    """Work on a case without a consent to counselling in force: only in a crisis (DOMAIN.md
    §5.2, PIPL Art. 13(4)/18), for a reason in words, which the audit log keeps."""
    if word_characters(reason) < REASON_MINIMUM:
        raise ValidationError(
            {
                "crisis_reason": _(
                    "The consent to counselling was withdrawn on %(day)s. Go on only in a "
                    "crisis, and give the reason in a sentence (10 characters or more)."
                )
                % {"day": timezone.localdate(lapsed_at).isoformat()}
            },
            code="consent_withdrawn",
        )
    audit_log(
        actor=actor,
        action="counselling.consent.crisis_exception",
        target=case,
        reason=without_invisible(reason),
        data={"purpose": Consent.Purpose.COUNSELLING, "for": work},
    )


# Cases -----------------------------------------------------------------------------------------


def _grant(case: Case, user: User, *, can_change: bool) -> None:
    assign_perm("counselling.view_case", user, case)
    if can_change:
        assign_perm("counselling.change_case", user, case)


def _revoke(case: Case, user: User) -> None:
    remove_perm("counselling.view_case", user, case)
    remove_perm("counselling.change_case", user, case)


@transaction.atomic
def case_open(
    *,
    actor: User,
    client: Client,
    site,
    source: str,
    presenting_concerns: str,
    counsellor: User,
    risk_level: str = RiskLevel.NONE,
    supervisor: User | None = None,
) -> Case:
    """Open a case. Under 14 it needs a guardian's consent to counselling (PIPL Art. 31). A
    child who has a case already gets another only from someone who may change one of theirs."""
    _require_change_of_client(actor=actor, client=client)
    if not has_active_consent(client=client, purpose=Consent.Purpose.COUNSELLING):
        if client.age < ADULT_CONSENT_AGE:
            message = _("Under 14, a case needs a guardian's consent to counselling first.")
        else:
            message = _("A case needs a consent to counselling first.")
        raise ValidationError(message, code="consent_missing")
    if not counsellor.has_role(Role.COUNSELLOR):
        raise ValidationError({"counsellor": _("Cases are assigned to counsellors.")})
    case = Case(
        client=client,
        site=site,
        source=source,
        presenting_concerns=presenting_concerns,
        counsellor=counsellor,
        supervisor=supervisor,
        risk_level=risk_level,
        risk_rank=RISK_RANK[RiskLevel(risk_level)],
    )
    case.full_clean()
    case.save()
    _grant(case, counsellor, can_change=True)
    if risk_level != RiskLevel.NONE:
        RiskChange.objects.create(
            case=case,
            level_from=RiskLevel.NONE,
            level_to=risk_level,
            changed_by=actor,
            reason=_("Assessed at intake"),
        )
    audit_log(
        actor=actor,
        action="counselling.case.opened",
        target=case,
        data={"counsellor_id": counsellor.pk, "source": source},
    )
    return case


@transaction.atomic
def case_update(
    *, actor: User, case: Case, expected_version: int, presenting_concerns: str
) -> Case:
    save_versioned(
        case,
        expected_version=expected_version,
        fields={"presenting_concerns": presenting_concerns},
    )
    audit_log(
        actor=actor,
        action="counselling.case.changed",
        target=case,
        data={"fields": ["presenting_concerns"]},
    )
    return case


@transaction.atomic
def case_change_risk(
    *, actor: User, case: Case, level: str, reason: str, expected_version: int
) -> Case:
    if not word_characters(reason):
        raise ValidationError({"reason": _("Say why the risk level changes.")})
    previous = case.risk_level
    if previous == level:
        return case
    save_versioned(
        case,
        expected_version=expected_version,
        fields={"risk_level": level, "risk_rank": RISK_RANK[RiskLevel(level)]},
    )
    RiskChange.objects.create(
        case=case,
        level_from=previous,
        level_to=level,
        changed_by=actor,
        reason=without_invisible(reason),
    )
    audit_log(
        actor=actor,
        action="counselling.case.risk_changed",
        target=case,
        data={"from": previous, "to": level},
    )
    return case


@transaction.atomic
def case_change_status(*, actor: User, case: Case, status: str, expected_version: int) -> Case:
    if status not in CASE_TRANSITIONS[Case.Status(case.status)]:
        raise ValidationError(
            {
                "status": _("A case cannot go from %(old)s to %(new)s.")
                % {"old": case.get_status_display(), "new": Case.Status(status).label}
            }
        )
    previous = case.status
    closed_at = timezone.now() if status == Case.Status.CLOSED else None
    save_versioned(
        case,
        expected_version=expected_version,
        fields={"status": status, "closed_at": closed_at},
    )
    action = (
        "counselling.case.reopened"
        if previous == Case.Status.CLOSED
        else ("counselling.case.status_changed")
    )
    audit_log(actor=actor, action=action, target=case, data={"from": previous, "to": status})
    follow_ups.follow_up_plan_on_status(actor=actor, case=case, previous=previous)
    return case


@transaction.atomic
def case_assign(*, actor: User, case: Case, counsellor: User, expected_version: int) -> Case:
    """Make `counsellor` the lead: they get the grants, the previous lead loses theirs."""
    if not counsellor.has_role(Role.COUNSELLOR):
        raise ValidationError({"counsellor": _("Cases are assigned to counsellors.")})
    previous = case.counsellor
    save_versioned(case, expected_version=expected_version, fields={"counsellor": counsellor})
    if previous.pk != counsellor.pk:
        _revoke(case, previous)
    _grant(case, counsellor, can_change=True)
    audit_log(
        actor=actor,
        action="counselling.case.assigned",
        target=case,
        data={"from": previous.pk, "to": counsellor.pk},
    )
    return case


@transaction.atomic
def case_share(*, actor: User, case: Case, user: User, can_change: bool = False) -> None:
    """Share a case with a colleague (a co-counsellor, a psychiatrist, a substitute)."""
    if not has_any_role(user, CLINICIAN_ROLES):
        raise ValidationError({"user": _("Cases are shared with clinical staff only.")})
    if user.pk == case.counsellor_id and not can_change:
        raise ValidationError(
            {"user": _("The lead counsellor writes in the file: they cannot be made read-only.")}
        )
    _grant(case, user, can_change=can_change)
    if not can_change:  # shared again as read-only: the right to write goes
        remove_perm("counselling.change_case", user, case)
    audit_log(
        actor=actor,
        action="counselling.case.shared",
        target=case,
        data={"user": user.pk, "can_change": can_change},
    )


@transaction.atomic
def case_unshare(*, actor: User, case: Case, user: User) -> None:
    if user.pk == case.counsellor_id:
        raise ValidationError({"user": _("Assign another lead counsellor first.")})
    _revoke(case, user)
    audit_log(actor=actor, action="counselling.case.unshared", target=case, data={"user": user.pk})


def case_needs_safety_plan(*, case: Case) -> bool:
    return RISK_RANK[RiskLevel(case.risk_level)] >= RISK_RANK[RiskLevel.MODERATE] and not (
        case.safety_plans.exists()
    )


# Reading, break-glass --------------------------------------------------------------------------


def case_record_read(*, actor: User, case: Case, request=None, what: str = "case") -> None:
    """Audit a read of the case file (`what`: case, session, export); break-glass reads carry
    their reason."""
    access = BreakGlassAccess.objects.filter(
        user=actor, case=case, expires_at__gt=timezone.now()
    ).first()
    audit_log(
        actor=actor,
        action=f"counselling.{what}.viewed",
        target=case,
        request=request,
        reason=access.reason if access else "",
        data={"break_glass": access is not None},
    )


@transaction.atomic
def break_glass_open(*, actor: User, case: Case, reason: str, request=None) -> BreakGlassAccess:
    """Time-boxed reading access to a case outside the actor's grants, for a stated reason.

    One grant at a time per user and case: going on after it expires is a new decision, with its
    own reason and audit entry. The case's lead counsellor and supervisor are told in their
    inbox."""
    if not has_any_role(actor, BREAK_GLASS_ROLES):
        raise PermissionDenied
    if word_characters(reason) < REASON_MINIMUM:
        raise ValidationError(
            {"reason": _("Give the reason in a sentence (10 characters or more).")}
        )
    Case.objects.select_for_update().filter(pk=case.pk).first()  # one grant at a time
    active = BreakGlassAccess.objects.filter(
        user=actor, case=case, expires_at__gt=timezone.now()
    ).first()
    if active is not None:
        raise ValidationError(
            _("Your break-glass access to this case is open until %(until)s.")
            % {"until": timezone.localtime(active.expires_at).strftime("%Y-%m-%d %H:%M")},
            code="break_glass_open",
        )
    hours = settings.BREAK_GLASS_HOURS
    access = BreakGlassAccess.objects.create(
        user=actor,
        case=case,
        reason=without_invisible(reason),
        expires_at=timezone.now() + datetime.timedelta(hours=hours),
    )
    audit_log(
        actor=actor,
        action="counselling.case.break_glass",
        target=case,
        request=request,
        reason=access.reason,
        data={"hours": hours},
    )
    _tell_of_break_glass(access)
    return access


def _tell_of_break_glass(access: BreakGlassAccess) -> None:
    """The lead counsellor's and the supervisor's inbox (ids and times only: who and why are in
    the case's "who viewed this file" tab)."""
    case = access.case
    for recipient in {case.counsellor, *follow_ups.supervisors_of(case)}:
        if recipient.pk == access.user_id:
            continue
        reminder_plan(
            key=f"break_glass:{access.pk}:{recipient.pk}",
            channel=Reminder.Channel.INBOX,
            due_at=access.granted_at,
            template="break_glass_opened",
            params={
                "case": case.pk,
                "until": timezone.localtime(access.expires_at).strftime("%Y-%m-%d %H:%M"),
            },
            recipient=recipient,
            target=case,
            site=case.site,
        )


def _break_glass_opened(params: dict) -> Message:
    return Message(
        title=_("Break-glass access to case %(number)s") % {"number": params["case"]},
        body=_(
            "Someone opened this case outside their grants, until %(until)s. Who and why are in "
            "the case's “Who viewed this file” tab."
        )
        % {"until": params["until"]},
        link=reverse("counselling:case-viewers", args=[params["case"]]),
    )


# Sessions and safety plans ---------------------------------------------------------------------

SESSION_NOTE_FIELDS = ["note_presenting", "note_intervention", "note_plan"]


@transaction.atomic
def session_log(
    *,
    actor: User,
    case: Case,
    held_at: datetime.datetime,
    modality: str,
    kind: str,
    attendance: str,
    duration_minutes: int = 50,
    note_presenting: str = "",
    note_intervention: str = "",
    note_plan: str = "",
    risk_assessed: str = "",
    crisis_reason: str = "",
    case_version: int | None = None,
) -> CounsellingSession:
    """Record a session. A risk assessed at the session that differs from the case's moves the
    case's risk level, with the session as the reason: refused as a stale edit (and nothing
    logged) if the case was saved since `case_version` was read (the form's; the case as loaded
    when not given).

    A session held after the consent to counselling was withdrawn is refused, unless it is the
    crisis exception (`crisis_reason`, audited)."""
    lapsed_at = consent_lapsed_at(client=case.client, purpose=Consent.Purpose.COUNSELLING)
    # Sessions are logged to the minute: one in the minute of the withdrawal counts as after it.
    if lapsed_at is not None and held_at >= lapsed_at.replace(second=0, microsecond=0):
        _crisis_exception(
            actor=actor, case=case, reason=crisis_reason, lapsed_at=lapsed_at, work="session"
        )
    session = CounsellingSession(
        case=case,
        counsellor=actor,
        held_at=held_at,
        modality=modality,
        kind=kind,
        attendance=attendance,
        duration_minutes=duration_minutes,
        note_presenting=note_presenting,
        note_intervention=note_intervention,
        note_plan=note_plan,
        risk_assessed=risk_assessed,
    )
    session.full_clean()
    session.save()
    audit_log(
        actor=actor,
        action="counselling.session.logged",
        target=case,
        data={"session": session.pk, "kind": kind, "attendance": attendance},
    )
    if risk_assessed and risk_assessed != case.risk_level:
        case_change_risk(
            actor=actor,
            case=case,
            level=risk_assessed,
            expected_version=case.version if case_version is None else case_version,
            reason=_("Assessed at the session of %(day)s")
            % {"day": timezone.localtime(held_at).date().isoformat()},
        )
    return session


@transaction.atomic
def session_update(
    *, actor: User, session: CounsellingSession, expected_version: int, **fields: Any
) -> CounsellingSession:
    unknown = set(fields) - {*SESSION_NOTE_FIELDS, "attendance", "duration_minutes"}
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    save_versioned(session, expected_version=expected_version, fields=fields)
    audit_log(
        actor=actor,
        action="counselling.session.changed",
        target=session.case,
        data={"session": session.pk, "fields": sorted(fields)},
    )
    return session


@transaction.atomic
def safety_plan_save(*, actor: User, case: Case, **fields: Any) -> SafetyPlan:
    """Save a new version of the safety plan; earlier versions are kept unchanged."""
    Case.objects.select_for_update().filter(pk=case.pk).first()  # one writer of numbers
    latest = case.safety_plans.aggregate(number=Max("number"))["number"] or 0
    plan = SafetyPlan(case=case, number=latest + 1, created_by=actor, **fields)
    plan.full_clean()
    plan.save()
    audit_log(
        actor=actor,
        action="counselling.safety_plan.saved",
        target=case,
        data={"version": plan.number},
    )
    return plan


# Referrals along the green channel -------------------------------------------------------------


def referral_sla_hours(*, risk_level: str) -> int:
    """Hours from `created` to the first clinical visit (DOMAIN.md §2.4; configurable policy)."""
    return int(settings.REFERRAL_SLA_HOURS[risk_level])


@transaction.atomic
def referral_create(
    *, actor: User, case: Case, destination: str, reason: str, crisis_reason: str = ""
) -> Referral:
    """Refer along the green channel. Without a consent to counselling in force only as the
    crisis exception (`crisis_reason`, audited); to the hospital also with a consent to share
    with it, or at high or imminent risk."""
    lapsed_at = consent_lapsed_at(client=case.client, purpose=Consent.Purpose.COUNSELLING)
    if lapsed_at is not None:
        _crisis_exception(
            actor=actor, case=case, reason=crisis_reason, lapsed_at=lapsed_at, work="referral"
        )
    to_hospital = destination in {
        Referral.Destination.HOSPITAL_PSYCHIATRY,
        Referral.Destination.OUTPATIENT,
    }
    # A high or imminent risk is the emergency exception (PIPL Art. 13(4)/18).
    emergency = RISK_RANK[RiskLevel(case.risk_level)] >= RISK_RANK[RiskLevel.HIGH]
    consented = has_active_consent(client=case.client, purpose=Consent.Purpose.SHARE_WITH_HOSPITAL)
    if to_hospital and not (consented or emergency):
        raise ValidationError(
            _("Referring to the hospital needs consent to share with it."), code="consent_missing"
        )
    if not word_characters(
        reason
    ):  # zero-width spaces and punctuation tell the next service nothing
        raise ValidationError({"reason": _("Say why the child is referred.")})
    now = timezone.now()
    referral = Referral(
        case=case,
        destination=destination,
        reason=without_invisible(reason),
        created_by=actor,
        due_at=now + datetime.timedelta(hours=referral_sla_hours(risk_level=case.risk_level)),
    )
    referral.full_clean()
    referral.save()
    ReferralEvent.objects.create(referral=referral, status=referral.status, actor=actor, at=now)
    audit_log(
        actor=actor,
        action="counselling.referral.created",
        target=case,
        data={"referral": referral.pk, "destination": destination},
    )
    return referral


@transaction.atomic
def referral_advance(
    *,
    actor: User,
    referral: Referral,
    status: str,
    scheduled_for: datetime.datetime | None = None,
    feedback_to_school: str = "",
) -> Referral:
    allowed = Referral.NEXT_STATUSES[Referral.Status(referral.status)]
    if status not in allowed:
        raise ValidationError(
            {
                "status": _("A referral cannot go from %(old)s to %(new)s.")
                % {"old": referral.get_status_display(), "new": Referral.Status(status).label}
            }
        )
    fields = ["status", "updated_at"]
    if status == Referral.Status.SCHEDULED:
        if scheduled_for is None:
            raise ValidationError({"scheduled_for": _("Give the appointment's date and time.")})
        referral.scheduled_for = scheduled_for
        fields.append("scheduled_for")
    if status == Referral.Status.FEEDBACK:
        words = forbidden_words(feedback_to_school)
        if not word_characters(feedback_to_school) or words:
            raise ValidationError(
                {
                    "feedback_to_school": _(
                        "Feedback to a school carries attendance, return-to-school advice and "
                        "accommodations only; remove: %(words)s"
                    )
                    % {"words": "、".join(words) or "—"}
                }
            )
        referral.feedback_to_school = without_invisible(feedback_to_school)
        fields.append("feedback_to_school")
    if status == Referral.Status.CLOSED:
        referral.closed_at = timezone.now()
        fields.append("closed_at")
    previous = referral.status
    referral.status = status
    referral.save(update_fields=fields)
    ReferralEvent.objects.create(referral=referral, status=status, actor=actor)
    audit_log(
        actor=actor,
        action="counselling.referral.advanced",
        target=referral.case,
        data={"referral": referral.pk, "from": previous, "to": status},
    )
    return referral


# Case conferences ------------------------------------------------------------------------------


@transaction.atomic
def case_conference_record(
    *, actor: User, site, held_on: datetime.date, participants, cases, decisions: str
) -> CaseConference:
    """A site's conference discusses that site's cases (and those of the sites below) only:
    never a case of another site the actor happens to read (a share, break-glass)."""
    outside = Case.objects.filter(pk__in=[case.pk for case in cases]).exclude(
        site__path__startswith=site.path
    )
    if outside.exists():
        raise ValidationError(
            {"cases": _("A case conference discusses the cases of its own site only.")}
        )
    if not word_characters(decisions):
        raise ValidationError({"decisions": _("Write down what the conference decided.")})
    conference = CaseConference.objects.create(
        site=site, held_on=held_on, decisions=without_invisible(decisions), recorded_by=actor
    )
    conference.participants.set(participants)
    conference.cases.set(cases)
    audit_log(
        actor=actor,
        action="counselling.case_conference.recorded",
        target=conference,
        data={"cases": [case.pk for case in cases]},
    )
    return conference


@transaction.atomic
def case_open_from_intake(
    *,
    actor: User,
    site,
    client_fields: dict[str, Any],
    guardian_fields: dict[str, Any] | None,
    consent_given_by: str,
    consent_version: str,
    case_fields: dict[str, Any],
) -> Case:
    """The intake form in one step: register the child, the guardian and the consent to
    counselling, and open the case with the actor as its counsellor. All or nothing."""
    client = client_register(actor=actor, site=site, **client_fields)
    guardian = None
    if guardian_fields:
        guardian = guardian_add(actor=actor, client=client, **guardian_fields)
    if consent_given_by == Consent.GivenBy.GUARDIAN and guardian is None:
        raise ValidationError({"consent_given_by": _("Name the guardian who gives the consent.")})
    consent_record(
        actor=actor,
        client=client,
        purpose=Consent.Purpose.COUNSELLING,
        given_by=consent_given_by,
        guardian=guardian,
        version=consent_version,
    )
    return case_open(actor=actor, client=client, site=site, counsellor=actor, **case_fields)
