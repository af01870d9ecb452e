"""Holes found by attacking the fixes of issue 11 (a review as an outsider and an insider): each
test failed before its fix."""

from __future__ import annotations

from screening import services
from screening.models import TierChange
from tests.screening.test_clinical_work import CSSRS_NONE, flagged, imported, sign_in  # noqa: F401


def test_a_tier_request_number_that_is_no_id_answers_400(client, imported, account):  # noqa: F811
    """`²` is a digit to str.isdigit, not to int(): the decision form read it raw (a 500)."""
    result = flagged()
    services.result_change_tier(
        actor=account("counsellor"), result=result, tier="blue", reason="复评后好转"
    )
    sign_in(client, "supervisor")
    response = client.post(
        f"/screening/results/{result.pk}/", {"action": "approve", "request": "²"}
    )
    assert response.status_code == 400
    result.refresh_from_db()
    assert result.tier == "orange"


CSSRS_HIGH = {
    "action": "cssrs",
    "q1": "yes",
    "q2": "yes",
    "q3": "no",
    "q4": "yes",
    "q5": "no",
    "q6": "no",
}


def test_a_second_interview_never_lowers_the_tier_the_first_confirmed(client, imported):  # noqa: F811
    """Recording the C-SSRS again with "no" answers lowered a red (high suicide risk) result at
    once, by one clinician alone: the downgrade that must wait for a second clinician."""
    result = flagged()
    url = f"/screening/results/{result.pk}/"
    sign_in(client, "counsellor")
    assert client.post(url, CSSRS_HIGH).status_code == 302
    result.refresh_from_db()
    assert result.tier == "red"
    assert client.post(url, CSSRS_NONE).status_code == 302
    result.refresh_from_db()
    assert result.tier == "red"
    assert not TierChange.objects.filter(result=result, tier_from="red").exists()
