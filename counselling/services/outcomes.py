"""Recording a follow-up's outcome. It sits above cases and follow-up planning: a higher risk
raises the case's and can bring the case back to active work."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from centre.audit import audit_log
from centre.models import User
from centre.reminders import reminders_cancel
from centre.versioning import save_versioned
from counselling.models import RISK_RANK, Case, FollowUp, RiskLevel
from counselling.services.cases import (
    case_change_risk,
    case_change_status,
    may_return_to_active_work,
    require_consent_for_active_work,
)
from counselling.services.follow_ups import _require_due


@transaction.atomic
def follow_up_record_outcome(
    *,
    actor: User,
    follow_up: FollowUp,
    expected_version: int,
    attended: bool,
    outcome: str,
    risk_assessed: str = "",
    reopen: bool = False,
) -> FollowUp:
    """Done (or missed). A higher risk than the case's raises it; a risk of moderate or above,
    or `reopen`, brings a case in recovery or closed back to active work — only with a consent
    to counselling in force: after a withdrawal `reopen` is refused (nothing saved), and a
    serious risk is recorded and raises the case's risk but leaves its status (the page says
    so; a crisis is met by the crisis exception)."""
    _require_due(follow_up)
    if reopen and follow_up.case.status in {Case.Status.RECOVERY, Case.Status.CLOSED}:
        require_consent_for_active_work(follow_up.case, field="reopen")
    status = FollowUp.Status.DONE if attended else FollowUp.Status.MISSED
    save_versioned(
        follow_up,
        expected_version=expected_version,
        fields={
            "status": status,
            "outcome": outcome.strip(),
            "risk_assessed": risk_assessed,
            "done_at": timezone.now(),
            "done_by": actor,
        },
    )
    reminders_cancel(target=follow_up)
    audit_log(
        actor=actor,
        action=f"counselling.follow_up.{status}",
        target=follow_up.case,
        data={"follow_up": follow_up.pk, "risk_assessed": risk_assessed},
    )
    case = Case.objects.select_for_update().get(pk=follow_up.case_id)
    raised = risk_assessed and RISK_RANK[RiskLevel(risk_assessed)] > case.risk_rank
    if raised:
        case_change_risk(
            actor=actor,
            case=case,
            level=risk_assessed,
            reason=_("Assessed at the follow-up of %(day)s")
            % {"day": timezone.localdate().isoformat()},
            expected_version=case.version,
        )
    serious = raised and RISK_RANK[RiskLevel(risk_assessed)] >= RISK_RANK[RiskLevel.MODERATE]
    reactivate = reopen or (serious and may_return_to_active_work(case))
    if reactivate and case.status in {Case.Status.RECOVERY, Case.Status.CLOSED}:
        case_change_status(
            actor=actor, case=case, status=Case.Status.ACTIVE, expected_version=case.version
        )
    return follow_up
