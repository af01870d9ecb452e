"""Reads, always scoped to the acting user. Every list, page, export and API starts from
`case_visible_to(user=...)`; a case the user may not see is answered exactly like a missing one.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import (
    CharField,
    Exists,
    Manager,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Cast
from django.utils import timezone

from centre.errors import NotFoundError, first_or_not_found
from centre.models import AuditEntry, Site, User
from centre.roles import Role
from centre.selectors import site_paths_above
from counselling.models import (
    RISK_RANK,
    Appointment,
    BreakGlassAccess,
    Case,
    CaseConference,
    CaseGroupObjectPermission,
    CaseUserObjectPermission,
    Client,
    Consent,
    CounsellingSession,
    FollowUp,
    Guardian,
    Referral,
    ReferralEvent,
    RiskLevel,
    SafetyPlan,
)

VIEW_CASE = "view_case"
CHANGE_CASE = "change_case"


def _granted_case_ids(*, user: User, codename: str) -> QuerySet[Any, Any]:
    """Case ids from direct-FK guardian grants, the user's and their groups', as one UNION.

    A hand-written UNION lets Postgres start from the user's small grant set instead of walking
    the case table (ENGINEERING.md §2.2: 16 ms against 103 ms for guardian's own filter)."""
    return (
        CaseUserObjectPermission.objects.filter(user=user, permission__codename=codename)
        .values("content_object_id")
        .union(
            CaseGroupObjectPermission.objects.filter(
                group__user=user, permission__codename=codename
            ).values("content_object_id")
        )
    )


def case_visibility(*, user: User) -> Q | None:
    """The condition on Case that a user's visibility amounts to; None when they see nothing."""
    if not user.is_authenticated or not user.is_active:
        return None
    roles = set(user.roles())
    condition = Q()
    has_any = False
    if Role.COUNSELLOR in roles or Role.SUPERVISOR in roles:
        condition |= Q(pk__in=_granted_case_ids(user=user, codename=VIEW_CASE))
        has_any = True
    if Role.SUPERVISOR in roles and user.site is not None:
        condition |= Q(site__path__startswith=user.site.path)
        has_any = True
    if Role.SUPERVISOR in roles or Role.CRISIS_TEAM in roles:
        condition |= Q(
            pk__in=BreakGlassAccess.objects.filter(user=user, expires_at__gt=timezone.now()).values(
                "case_id"
            )
        )
        has_any = True
    return condition if has_any else None


def case_visible_to(*, user: User) -> QuerySet[Case]:
    condition = case_visibility(user=user)
    if condition is None:
        return Case.objects.none()
    return Case.objects.filter(condition)


def case_list(*, user: User, status: str = "", risk_level: str = "") -> QuerySet[Case]:
    """Cases by urgency: the highest risk first; within a risk, the earliest due follow-up first
    (so the overdue ones lead), then cases with none due, the newest first (`Case.attention`).
    Each with `needs_safety_plan`, `overdue_follow_up`, `crisis_follow_up` (one after a crisis or
    discharge is due), `next_follow_up_at` and `last_session_at` (subqueries Postgres runs for
    the page's rows only, after the LIMIT)."""
    cases = (
        case_visible_to(user=user)
        .select_related("client", "client__school", "counsellor", "site")
        .annotate(
            needs_safety_plan=Q(risk_rank__gte=RISK_RANK[RiskLevel.MODERATE])
            & ~Exists(SafetyPlan.objects.filter(case=OuterRef("pk"))),
            overdue_follow_up=Exists(
                FollowUp.objects.filter(
                    case=OuterRef("pk"), status=FollowUp.Status.DUE, due_at__lt=timezone.now()
                )
            ),
            crisis_follow_up=Exists(
                FollowUp.objects.filter(
                    case=OuterRef("pk"),
                    status=FollowUp.Status.DUE,
                    pathway=FollowUp.Pathway.CRISIS,
                )
            ),
            next_follow_up_at=Subquery(
                FollowUp.objects.filter(case=OuterRef("pk"), status=FollowUp.Status.DUE)
                .order_by("due_at")
                .values("due_at")[:1]
            ),
            last_session_at=Subquery(
                CounsellingSession.objects.filter(case=OuterRef("pk"))
                .order_by("-held_at")
                .values("held_at")[:1]
            ),
        )
    )
    if status:
        cases = cases.filter(status=status)
    if risk_level:
        cases = cases.filter(risk_level=risk_level)
    return cases.order_by("-risk_rank", "-attention", "-id")


CASELOAD_ALL = "all"


def caseload(*, user: User, status: str = "", risk_level: str = "") -> QuerySet[Case]:
    """The caseload page in `case_list`'s urgency order (keyset-paged on the index
    `counselling_case_urgency`); closed cases only when `status` asks for them (`closed`, or
    `all`). Each row flags an overdue follow-up and a planned appointment still to log."""
    cases = case_list(
        user=user, status="" if status == CASELOAD_ALL else status, risk_level=risk_level
    )
    if not status:
        cases = cases.exclude(status=Case.Status.CLOSED)
    return cases.annotate(
        next_appointment_at=Subquery(
            Appointment.objects.filter(case=OuterRef("pk"), status=Appointment.Status.PLANNED)
            .order_by("starts_at")
            .values("starts_at")[:1]
        )
    )


SEARCH_LIMIT = 50


def caseload_search(*, user: User, text: str, include_closed: bool = False) -> QuerySet[Case]:
    """The user's cases whose child's name or school's name contains `text`, or whose student
    number is `text`: at most SEARCH_LIMIT, by urgency. Only cases the user sees."""
    text = text.strip()
    if not text:
        return Case.objects.none()
    matches = (
        Q(client__full_name__icontains=text)
        | Q(client__student_no=text)
        | Q(client__school__name__icontains=text)
        | Q(client__school__code__iexact=text)
    )
    cases = caseload(user=user, status=CASELOAD_ALL if include_closed else "").filter(matches)
    return cases.order_by("-risk_rank", "-attention", "-id")


def appointment_visible_to(*, user: User) -> QuerySet[Appointment]:
    return Appointment.objects.filter(case__in=case_visible_to(user=user))


def get_appointment_for_user(*, user: User, appointment_id: int) -> Appointment:
    """An appointment of a case the user sees, with its case, or 404."""
    return first_or_not_found(
        appointment_visible_to(user=user)
        .filter(pk=appointment_id)
        .select_related("case", "case__client", "counsellor")
    )


def appointments_of_case(*, case: Case) -> QuerySet[Appointment]:
    """The case's planned appointments, the next first (the case was read for the user)."""
    return case.appointments.filter(status=Appointment.Status.PLANNED).select_related("counsellor")


def _end_of_today() -> datetime.datetime:
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    return timezone.make_aware(datetime.datetime.combine(tomorrow, datetime.time()))


def today_follow_ups(*, user: User, limit: int = 50) -> QuerySet[FollowUp]:
    """Follow-ups of the user's own cases (they lead them) due today or overdue, oldest first."""
    return (
        FollowUp.objects.filter(
            case__in=case_visible_to(user=user).filter(counsellor=user),
            status=FollowUp.Status.DUE,
            due_at__lt=_end_of_today(),
        )
        .select_related("case", "case__client")
        .order_by("due_at", "id")[:limit]
    )


def today_appointments(*, user: User, limit: int = 50) -> QuerySet[Appointment]:
    """The user's planned appointments today, and earlier ones not yet logged, by time."""
    return (
        Appointment.objects.filter(
            case__in=case_visible_to(user=user),
            counsellor=user,
            status=Appointment.Status.PLANNED,
            starts_at__lt=_end_of_today(),
        )
        .select_related("case", "case__client")
        .order_by("starts_at", "id")[:limit]
    )


def get_follow_up_for_user(*, user: User, follow_up_id: int) -> FollowUp:
    return first_or_not_found(
        FollowUp.objects.filter(
            case__in=case_visible_to(user=user), pk=follow_up_id
        ).select_related("case")
    )


def get_referral_for_user(*, user: User, referral_id: int) -> Referral:
    return first_or_not_found(referral_visible_to(user=user).filter(pk=referral_id))


def get_open_consent_for_case(*, case: Case, consent_id: int) -> Consent:
    """A consent of the case's child not yet withdrawn (the case was read for the user), or 404."""
    return first_or_not_found(case.client.consents.filter(pk=consent_id, withdrawn_at__isnull=True))


def get_guardian_for_case(*, case: Case, guardian_id: int) -> Guardian:
    """A guardian of the case's child (the case was read for the user), or 404."""
    return first_or_not_found(case.client.guardians.filter(pk=guardian_id))


def case_summary(*, case: Case) -> dict[str, Any]:
    """What the printed case summary shows, read in a fixed number of queries: the file without
    the session notes (dates, kinds and attendance only)."""
    return {
        "guardians": list(case.client.guardians.all()),
        "consents": list(case.client.consents.select_related("guardian")),
        "risk_changes": list(case.risk_changes.select_related("changed_by")),
        "safety_plan": case.safety_plans.first(),
        "sessions": list(case.sessions.select_related("counsellor").order_by("held_at", "id")),
        "referrals": list(case.referrals.all()),
        "follow_ups": list(case.follow_ups.exclude(status=FollowUp.Status.CANCELLED)),
    }


def referral_letter(*, referral: Referral) -> dict[str, Any]:
    """What the referral letter to the hospital needs, and no more (minimal exposure, DOMAIN.md
    §5.2): the guardian to contact — the one who consented to sharing with the hospital, else
    the first recorded — and the basis on which the child's details are shared."""
    client = referral.case.client
    consent = (
        client.consents.filter(purpose=Consent.Purpose.SHARE_WITH_HOSPITAL, withdrawn_at=None)
        .select_related("guardian")
        .first()
    )
    guardian = consent.guardian if consent is not None and consent.guardian else None
    return {
        "consent": consent,
        "guardian": guardian or client.guardians.first(),
    }


def site_cases_for_conference(*, user: User) -> QuerySet[Case]:
    """The open cases of a supervisor's site and the sites below, for the case conference: not
    a case of another site they read through a share or break-glass."""
    if user.site is None:
        return Case.objects.none()
    return (
        case_visible_to(user=user)
        .filter(site__path__startswith=user.site.path)
        .exclude(status=Case.Status.CLOSED)
        .select_related("client", "counsellor")
        .order_by("-risk_rank", "-attention", "-id")
    )


def conferences_for_user(*, user: User) -> QuerySet[CaseConference]:
    """The case conferences of the user's site and the sites below, newest first."""
    if user.site is None:
        return CaseConference.objects.none()
    return (
        CaseConference.objects.filter(site__path__startswith=user.site.path)
        .select_related("site", "recorded_by")
        .prefetch_related(
            "participants",
            Prefetch(
                "cases",
                queryset=Case.objects.select_related("client", "counsellor").order_by("id"),
            ),
        )
    )


CRISIS_SEARCH_LIMIT = 50


def crisis_case_search(*, user: User, name: str, school_id: int | None = None) -> QuerySet[Case]:
    """For the crisis team, the cases to break the glass on: open cases at high or imminent risk
    of their site and the sites below (DOMAIN.md §5.3: active high-risk cases), whose child's
    name holds `name`, at `school_id` if given; the most urgent first. Anyone else finds none."""
    if not user.has_role(Role.CRISIS_TEAM) or user.site is None or not name.strip():
        return Case.objects.none()
    cases = Case.objects.filter(
        site__path__startswith=user.site.path,
        risk_level__in=[RiskLevel.HIGH, RiskLevel.IMMINENT],
        client__full_name__icontains=name.strip(),
    ).exclude(status=Case.Status.CLOSED)
    if school_id is not None:
        cases = cases.filter(client__school_id=school_id)
    return cases.select_related("client", "client__school", "site").order_by(
        "-risk_rank", "-attention", "-id"
    )[:CRISIS_SEARCH_LIMIT]


def get_case_for_break_glass(*, case_id: int) -> Case:
    """Any case, for a break-glass request (its reason is audited and announced), or 404."""
    return first_or_not_found(Case.objects.filter(pk=case_id))


def get_case_for_user(*, user: User, case_id: int, for_write: bool = False) -> Case:
    """The case, or NotFoundError (404) — the same for a missing case and one the user may not see.

    `for_write` raises PermissionDenied when the user may see but not change the case: a
    supervisor of the site, a change grant, never break-glass (which opens reading only)."""
    case = (
        case_visible_to(user=user)
        .select_related("client", "client__school", "counsellor", "supervisor", "site")
        .filter(pk=case_id)
        .first()
    )
    if case is None:
        raise NotFoundError
    if for_write and not user_may_change_case(user=user, case=case):
        raise PermissionDenied
    return case


@dataclass(frozen=True)
class CaseShare:
    """A colleague the case is shared with (a direct guardian grant), and whether they write."""

    user: User
    can_change: bool


def case_shares(*, case: Case) -> list[CaseShare]:
    """Whom the case is shared with, besides its lead counsellor: one query, by name."""
    grants = (
        CaseUserObjectPermission.objects.filter(
            content_object=case, permission__codename__in=[VIEW_CASE, CHANGE_CASE]
        )
        .exclude(user_id=case.counsellor_id)
        .select_related("user", "user__site", "permission")
    )
    people: dict[int, User] = {}
    writers: set[int] = set()
    for grant in grants:
        if grant.permission.codename == VIEW_CASE:
            people[grant.user_id] = grant.user
        else:
            writers.add(grant.user_id)
    return sorted(
        (CaseShare(user=user, can_change=user.pk in writers) for user in people.values()),
        key=lambda share: (share.user.last_name, share.user.first_name, share.user.username),
    )


def get_case_share(*, case: Case, user_id: int) -> CaseShare:
    """One share of a case the user already reads (`get_case_for_user`), or 404."""
    for share in case_shares(case=case):
        if share.user.pk == user_id:
            return share
    raise NotFoundError


def user_may_change_case(*, user: User, case: Case) -> bool:
    if not user.has_perm("counselling.change_case"):
        return False
    if (
        user.has_role(Role.SUPERVISOR)
        and user.site is not None
        and case.site.path.startswith(user.site.path)
    ):
        return True
    return (
        CaseUserObjectPermission.objects.filter(
            user=user, permission__codename=CHANGE_CASE, content_object=case
        ).exists()
        or CaseGroupObjectPermission.objects.filter(
            group__user=user, permission__codename=CHANGE_CASE, content_object=case
        ).exists()
    )


def user_may_change_client(*, user: User, client: Client) -> bool:
    """Opening a case for a child already registered, and changing their guardians or consents,
    needs the right to change one of their cases, or supervising the site they are registered
    at: a read-only grant on a case never opens a way to write about the child. A child with no
    case yet (just registered) is open to the clinical staff of the site that registered them."""
    if not user.has_perm("counselling.change_case") or user.site is None:
        return False
    at_site = client.site.path.startswith(user.site.path)
    if user.has_role(Role.SUPERVISOR) and at_site:
        return True
    cases = Case.objects.filter(client=client)
    if not cases.exists():
        return at_site
    changeable = Q(pk__in=_granted_case_ids(user=user, codename=CHANGE_CASE))
    if user.has_role(Role.SUPERVISOR):
        changeable |= Q(site__path__startswith=user.site.path)
    return cases.filter(changeable).exists()


def break_glass_active(*, user: User, case: Case) -> BreakGlassAccess | None:
    return BreakGlassAccess.objects.filter(
        user=user, case=case, expires_at__gt=timezone.now()
    ).first()


def break_glass_open_case_ids(*, user: User, cases: list[Case]) -> set[int]:
    """Which of `cases` the user holds an open break-glass grant on (one query)."""
    return set(
        BreakGlassAccess.objects.filter(
            user=user, case__in=cases, expires_at__gt=timezone.now()
        ).values_list("case_id", flat=True)
    )


def guardians_of_cases(*, case_ids: list[int]) -> QuerySet[Guardian]:
    """The guardians of the children of these cases: the contacts the crisis team calls when it
    takes over a referred student's overdue assessment (the caller checks their remit)."""
    return (
        Guardian.objects.filter(client__cases__in=case_ids)
        .select_related("client")
        .distinct()
        .order_by("client_id", "id")
    )


def client_visible_to(*, user: User) -> QuerySet[Client]:
    """Clients with a case the user sees."""
    return Client.objects.filter(
        pk__in=case_visible_to(user=user).values("client_id")
    ).select_related("school")


def get_client_for_user(*, user: User, client_id: int) -> Client:
    return first_or_not_found(client_visible_to(user=user).filter(pk=client_id))


def client_search(
    *, full_name: str, date_of_birth: date, school_id: int | None
) -> QuerySet[Client]:
    """Possible duplicates of a child about to be registered: same name and date of birth.

    Answers existence only (the intake form shows "already registered, ask the case's
    counsellor"), never another counsellor's case content."""
    return Client.objects.filter(full_name=full_name.strip(), date_of_birth=date_of_birth).filter(
        Q(school_id=school_id) | Q(school__isnull=True) if school_id else Q()
    )


def supervisors_to_ask(*, site: Site) -> list[User]:
    """Whom to ask about a child registered at `site`: the supervisors of the nearest site, that
    one or above it, that has any (they see the site's files and may share them)."""
    paths = site_paths_above(site)
    supervisors = list(
        User.objects.filter(
            groups__name=Role.SUPERVISOR.value, is_active=True, site__path__in=paths
        )
        .select_related("site")
        .distinct()
        .order_by("last_name", "first_name", "username")
    )
    for path in paths:
        nearest = [user for user in supervisors if user.site is not None and user.site.path == path]
        if nearest:
            return nearest
    return []


def session_visible_to(*, user: User) -> QuerySet[CounsellingSession]:
    return CounsellingSession.objects.filter(case__in=case_visible_to(user=user))


def session_list_visible_to(*, user: User) -> QuerySet[CounsellingSession]:
    """Sessions for a list, without their notes: a note is read one at a time, audited, and
    the encrypted notes of a list are never decrypted."""
    return (
        session_visible_to(user=user)
        .select_related("counsellor")
        .defer(*CounsellingSession.NOTE_FIELDS)
    )


def get_session_for_user(*, user: User, session_id: int) -> CounsellingSession:
    return first_or_not_found(
        session_visible_to(user=user).select_related("case", "counsellor").filter(pk=session_id)
    )


def referral_visible_to(*, user: User) -> QuerySet[Referral]:
    return Referral.objects.filter(case__in=case_visible_to(user=user))


READ_ACTIONS = r"\.(viewed|listed|exported|printed|searched)$"


def _ids_as_text(records: Manager[Any]) -> QuerySet[Any, dict[str, Any]]:
    return records.annotate(as_text=Cast("pk", CharField())).values("as_text")


def case_audit_targets(*, case: Case) -> Q:
    """The audit targets that are this file: the case, its child, its sessions and referrals."""
    return (
        Q(target_type="counselling.case", target_id=str(case.pk))
        | Q(target_type="counselling.client", target_id=str(case.client_id))
        | Q(target_type="counselling.counsellingsession", target_id__in=_ids_as_text(case.sessions))
        | Q(target_type="counselling.referral", target_id__in=_ids_as_text(case.referrals))
    )


def case_viewers(*, case: Case) -> QuerySet[AuditEntry]:
    """Who read this case file and when, on its own pages or in a list, an API answer or an
    export (`centre.audit.audit_read`): for the case's counsellor and supervisor."""
    from centre.models import AuditRecord

    targets = case_audit_targets(case=case)
    # A UNION of two indexed lookups (target_type, target_id), not an OR Postgres would scan for.
    direct = AuditEntry.objects.filter(targets).order_by().values("pk")
    listed = AuditRecord.objects.filter(targets).order_by().values("entry_id")
    return (
        AuditEntry.objects.filter(pk__in=direct.union(listed))
        .filter(action__regex=READ_ACTIONS)
        .order_by("-at", "-id")[:200]
    )


def case_session_notes(*, case: Case) -> dict[str, CounsellingSession]:
    """The case's sessions by their id as the audit log writes it, for "who viewed this file"
    to say which note an entry read (one query, whatever the entries)."""
    return {str(session.pk): session for session in case.sessions.only("pk", "case", "held_at")}


def case_timeline(*, case: Case) -> list[dict[str, Any]]:
    """Sessions, risk changes, referral steps and safety-plan versions of a case, newest first.
    The timeline shows no note, reason or plan text: those encrypted columns stay unread."""
    sessions = case.sessions.select_related("counsellor").defer(*CounsellingSession.NOTE_FIELDS)
    events = [{"at": session.held_at, "kind": "session", "record": session} for session in sessions]
    events += [
        {"at": change.changed_at, "kind": "risk", "record": change}
        for change in case.risk_changes.select_related("changed_by").defer("reason")
    ]
    events += [
        {"at": event.at, "kind": "referral", "record": event}
        for event in ReferralEvent.objects.filter(referral__case=case)
        .select_related("referral", "actor")
        .defer("referral__reason", "referral__feedback_to_school")
    ]
    events += [
        {"at": plan.created_at, "kind": "safety_plan", "record": plan}
        for plan in case.safety_plans.select_related("created_by").defer(*SafetyPlan.TEXT_FIELDS)
    ]
    return sorted(events, key=lambda event: event["at"], reverse=True)


def case_may_see_viewers(*, user: User, case: Case) -> bool:
    """The "who viewed this file" tab: for the case's counsellor and its supervisors."""
    if user.pk in {case.counsellor_id, case.supervisor_id}:
        return True
    return bool(
        user.has_role(Role.SUPERVISOR)
        and user.site is not None
        and case.site.path.startswith(user.site.path)
    )


def get_client_for_opening(*, user: User, client_id: int) -> Client:
    """A client the user may open a case for: one whose file they see, or a child registered at
    their site (or below) who has no case yet; anything else answers 404. A child they only read
    about raises PermissionDenied (`user_may_change_client`)."""
    newly_registered = Q(cases__isnull=True)
    if user.site is not None:
        newly_registered &= Q(site__path__startswith=user.site.path)
    else:
        newly_registered = Q(pk__in=[])
    client = (
        Client.objects.filter(
            Q(pk__in=case_visible_to(user=user).values("client_id")) | newly_registered
        )
        .filter(pk=client_id)
        .first()
    )
    if client is None:
        raise NotFoundError
    if not user_may_change_client(user=user, client=client):
        raise PermissionDenied
    return client
