"""Holes found by attacking the fixes of issue 11 (a review as an outsider and an insider): each
test failed before its fix."""

from __future__ import annotations

from screening import services
from tests.screening.test_clinical_work import flagged, imported, sign_in  # noqa: F401


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
