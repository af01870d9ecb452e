"""Safety plans: numbered versions, earlier ones kept unchanged."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Max

from centre.audit import audit_log
from centre.models import User
from counselling.models import RISK_RANK, Case, RiskLevel, SafetyPlan


def case_needs_safety_plan(*, case: Case) -> bool:
    return RISK_RANK[RiskLevel(case.risk_level)] >= RISK_RANK[RiskLevel.MODERATE] and not (
        case.safety_plans.exists()
    )


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
