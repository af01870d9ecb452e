"""Holes found by attacking the fixes of issue 11 (a review as an outsider and an insider): each
test failed before its fix."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from counselling import selectors, services
from counselling.models import CaseConference, Referral
from tests.counselling.test_access import API, ZERO_WIDTH, sign_in


def test_a_referral_needs_a_reason_in_words_on_every_path(client, alice, alice_case):
    """The reason a hospital or social worker reads: zero-width spaces or punctuation alone said
    nothing and were stored, by the page and the API alike."""
    sign_in(client, "counsellor")
    page = client.post(
        f"/counselling/cases/{alice_case.pk}/referrals/new/",
        {"destination": "social_work", "reason": ZERO_WIDTH},
    )
    assert page.status_code == 400
    assert "请说明转介的原因" in page.text
    api = client.post(
        f"{API}/referrals/",
        {"case": alice_case.pk, "destination": "social_work", "reason": ZERO_WIDTH + "。！"},
        "application/json",
    )
    assert api.status_code == 400
    assert "reason" in api.json()
    assert not Referral.objects.exists()
    referral = services.referral_create(
        actor=alice, case=alice_case, destination="social_work", reason="\u200b社工支持 "
    )
    assert referral.reason == "社工支持"


def test_a_case_conference_needs_decisions_in_words(client, sam, alice, alice_case):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    sign_in(client, "supervisor")
    response = client.post(
        "/counselling/conferences/",
        {
            "held_on": yesterday.isoformat(),
            "participants": [sam.pk, alice.pk],
            "cases": [alice_case.pk],
            "decisions": ZERO_WIDTH,
        },
    )
    assert response.status_code == 400
    with pytest.raises(ValidationError):
        services.case_conference_record(
            actor=sam,
            site=sam.site,
            held_on=yesterday,
            participants=[sam],
            cases=[alice_case],
            decisions="……" + ZERO_WIDTH,
        )
    assert not CaseConference.objects.exists()


def test_sharing_again_as_read_only_takes_the_right_to_write_away(client, alice, bob, alice_case):
    """The share form's "may also write" unticked for a colleague who could write left them
    writing: the grant was only ever added to. The lead counsellor is not made read-only."""
    services.case_share(actor=alice, case=alice_case, user=bob, can_change=True)
    assert selectors.user_may_change_case(user=bob, case=alice_case)
    sign_in(client, "counsellor")
    answer = client.post(f"/counselling/cases/{alice_case.pk}/share/", {"user": bob.pk})
    assert answer.status_code == 302
    assert not selectors.user_may_change_case(user=bob, case=alice_case)
    assert selectors.case_visible_to(user=bob).filter(pk=alice_case.pk).exists()
    answer = client.post(f"/counselling/cases/{alice_case.pk}/share/", {"user": alice.pk})
    assert answer.status_code == 400
    assert selectors.user_may_change_case(user=alice, case=alice_case)
