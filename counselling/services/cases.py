"""Cases: opening one (also in one step from the intake form), its presenting concerns, risk level,
status and lead counsellor."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from centre.audit import audit_log
from centre.errors import ServiceError
from centre.models import Site, User
from centre.roles import Role
from centre.text import without_invisible, word_characters
from centre.versioning import save_versioned
from counselling.models import RISK_RANK, Case, Client, Consent, Guardian, RiskChange, RiskLevel
from counselling.services.access import _grant, _revoke
from counselling.services.clients import (
    ADULT_CONSENT_AGE,
    _consent_create,
    _guardian_create,
    _require_change_of_client,
    client_register,
    consent_lapsed_at,
    consent_record,
    guardian_add,
    has_active_consent,
)
from counselling.services.follow_ups import follow_up_plan_on_status

CASE_TRANSITIONS = {
    Case.Status.INTAKE: {Case.Status.ACTIVE, Case.Status.CLOSED},
    Case.Status.ACTIVE: {Case.Status.RECOVERY, Case.Status.CLOSED},
    Case.Status.RECOVERY: {Case.Status.ACTIVE, Case.Status.CLOSED},
    Case.Status.CLOSED: {Case.Status.ACTIVE},  # reopen
}


@transaction.atomic
def case_open(
    *,
    actor: User,
    client: Client,
    site: Site | None,  # the actor's; none is refused by the model's validation
    source: str,
    presenting_concerns: str,
    counsellor: User,
    risk_level: str = RiskLevel.NONE,
    supervisor: User | None = None,
) -> Case:
    """Open a case. Under 14 it needs a guardian's consent to counselling (PIPL Art. 31). A
    child who has a case already gets another only from someone who may change one of theirs."""
    _require_change_of_client(actor=actor, client=client)
    return _case_create(
        actor=actor,
        client=client,
        site=site,
        source=source,
        presenting_concerns=presenting_concerns,
        counsellor=counsellor,
        risk_level=risk_level,
        supervisor=supervisor,
    )


def _case_create(
    *,
    actor: User,
    client: Client,
    site: Site | None,
    source: str,
    presenting_concerns: str,
    counsellor: User,
    risk_level: str,
    supervisor: User | None,
) -> Case:
    """The write of `case_open`, once the actor may write about the child."""
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


def require_consent_for_active_work(case: Case, *, field: str = "status") -> None:
    """Active work (opening the file to it, reopening, coming back from recovery) needs the
    consent to counselling in force. After a withdrawal the case stays where it is; a crisis is
    met by the crisis exception of a session or a referral, never by reactivating the case."""
    lapsed_at = consent_lapsed_at(client=case.client, purpose=Consent.Purpose.COUNSELLING)
    if lapsed_at is not None:
        raise ServiceError(
            _(
                "The consent to counselling was withdrawn on %(day)s: the case cannot return "
                "to active work until a new consent is recorded. In a crisis, log the session "
                "or the referral as the crisis exception."
            )
            % {"day": timezone.localdate(lapsed_at).isoformat()},
            code="consent_withdrawn",
            field=field,
        )


def may_return_to_active_work(case: Case) -> bool:
    return consent_lapsed_at(client=case.client, purpose=Consent.Purpose.COUNSELLING) is None


@transaction.atomic
def case_change_status(*, actor: User, case: Case, status: str, expected_version: int) -> Case:
    """Move the case along `CASE_TRANSITIONS`. Back to active work only with a consent to
    counselling in force (`require_consent_for_active_work`)."""
    if status not in CASE_TRANSITIONS[Case.Status(case.status)]:
        raise ValidationError(
            {
                "status": _("A case cannot go from %(old)s to %(new)s.")
                % {"old": case.get_status_display(), "new": Case.Status(status).label}
            }
        )
    if status == Case.Status.ACTIVE:
        require_consent_for_active_work(case)
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
    follow_up_plan_on_status(actor=actor, case=case, previous=previous)
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


def _register_with_consent(
    *,
    actor: User,
    site: Site | None,
    client_fields: dict[str, Any],
    guardian_fields: dict[str, Any] | None,
    consent_given_by: str,
    consent_version: str,
    add_guardian: Callable[..., Guardian],
    record_consent: Callable[..., Consent],
) -> Client:
    """Register a child, their guardian (if given) and the consent to counselling, the guardian's
    or the child's own, through the writers the caller may use."""
    client = client_register(actor=actor, site=site, **client_fields)
    guardian = (
        add_guardian(actor=actor, client=client, **guardian_fields) if guardian_fields else None
    )
    if consent_given_by == Consent.GivenBy.GUARDIAN and guardian is None:
        raise ValidationError({"consent_given_by": _("Name the guardian who gives the consent.")})
    record_consent(
        actor=actor,
        client=client,
        purpose=Consent.Purpose.COUNSELLING,
        given_by=consent_given_by,
        guardian=guardian,
        version=consent_version,
    )
    return client


@transaction.atomic
def case_open_from_intake(
    *,
    actor: User,
    site: Site | None,
    client_fields: dict[str, Any],
    guardian_fields: dict[str, Any] | None,
    consent_given_by: str,
    consent_version: str,
    case_fields: dict[str, Any],
) -> Case:
    """The intake form in one step: register the child, the guardian and the consent to
    counselling, and open the case with the actor as its counsellor. All or nothing."""
    client = _register_with_consent(
        actor=actor,
        site=site,
        client_fields=client_fields,
        guardian_fields=guardian_fields,
        consent_given_by=consent_given_by,
        consent_version=consent_version,
        add_guardian=guardian_add,
        record_consent=consent_record,
    )
    return case_open(actor=actor, client=client, site=site, counsellor=actor, **case_fields)


GREEN_CHANNEL_ROLES = frozenset({Role.HOTLINE_OPERATOR, Role.SUPERVISOR})


@transaction.atomic
def case_open_green_channel(
    *,
    actor: User,
    counsellor: User,
    client_fields: dict[str, Any],
    guardian_fields: dict[str, Any] | None,
    consent_given_by: str,
    consent_version: str,
    source: str,
    presenting_concerns: str,
    risk_level: str,
) -> Case:
    """The green channel from outside counselling (a hotline call): register a child who is not
    registered yet, their guardian and consent, and open their case for `counsellor`, at the
    counsellor's site (whose supervisors then see it). All or nothing.

    The actor (an operator or a supervisor of the line) writes about this child only because
    they register them here, in this transaction; a child already registered is refused
    (`DuplicateClientError`: their own clinicians open another case) and the actor is given no
    grant on the case."""
    if not any(actor.has_role(role) for role in GREEN_CHANNEL_ROLES) or actor.site is None:
        raise PermissionDenied
    if not counsellor.is_active or not counsellor.has_role(Role.COUNSELLOR):
        raise ValidationError({"counsellor": _("Cases are assigned to counsellors.")})
    if counsellor.site is None or not counsellor.site.path.startswith(actor.site.path):
        raise ValidationError({"counsellor": _("Choose a counsellor of your sites.")})
    site = counsellor.site
    # The writes without the checks of who may change the client: the actor registers them here.
    client = _register_with_consent(
        actor=actor,
        site=site,
        client_fields=client_fields,
        guardian_fields=guardian_fields,
        consent_given_by=consent_given_by,
        consent_version=consent_version,
        add_guardian=_guardian_create,
        record_consent=_consent_create,
    )
    return _case_create(
        actor=actor,
        client=client,
        site=site,
        source=source,
        presenting_concerns=presenting_concerns,
        counsellor=counsellor,
        risk_level=risk_level,
        supervisor=None,
    )
