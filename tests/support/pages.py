"""The main pages of a role, on the demo records: what tests that walk every page open (the
language of every page, its Content-Security-Policy in a browser)."""

from __future__ import annotations

from django.urls import reverse

# One account of each role (the second counsellor, liaison and crisis account see the same
# pages as the first).
ROLES = [
    "counsellor",
    "supervisor",
    "liaison",
    "operator",
    "crisis",
    "outreach",
    "stats",
    "auditor",
    "admin",
]


def pages_of(user) -> list[str]:
    """The role's main pages: home, inbox, its navigation, and a record of each kind it opens."""
    from centre.navigation import items_for
    from centre.roles import CAMPAIGN_ROLES, has_any_role
    from counselling.selectors import case_visible_to
    from screening.models import RosterImport
    from screening.selectors import campaign_visible_to, result_visible_to

    urls = [reverse("home"), reverse("inbox"), *(item["url"] for item in items_for(user))]
    if user.has_role("counsellor") or user.has_role("supervisor"):
        cases = case_visible_to(user=user)
        for status in ("active", "recovery", "closed"):
            case = cases.filter(status=status).order_by("pk").first()
            urls += [f"/counselling/cases/{case.pk}/", f"/counselling/cases/{case.pk}/viewers/"]
        case = cases.filter(status="active", risk_rank__gte=2).order_by("pk").first()
        urls += [
            f"/counselling/cases/{case.pk}/sessions/new/",
            f"/counselling/cases/{case.pk}/safety-plan/",
            f"/counselling/sessions/{case.sessions.order_by('pk').first().pk}/",
            reverse("counselling:intake"),
        ]
        follow_up = cases.filter(follow_ups__isnull=False).order_by("pk").first()
        urls.append(f"/counselling/follow-ups/{follow_up.follow_ups.first().pk}/")
    if user.has_role("supervisor"):
        urls.append(reverse("counselling:conferences"))
    campaign = campaign_visible_to(user=user).order_by("pk").first()
    if campaign is not None and has_any_role(user, CAMPAIGN_ROLES):
        roster = RosterImport.objects.filter(campaign=campaign).first()
        urls += [f"/screening/campaigns/{campaign.pk}/", f"/screening/imports/{roster.pk}/"]
    results = result_visible_to(user=user).exclude(tier="none")
    # The interviewed one (its tier history says what the C-SSRS found) and a crisis flag.
    for result in (
        results.filter(tier_confirmed=True).order_by("pk").first(),
        results.filter(crisis_flag=True, tier_confirmed=False).order_by("pk").first(),
    ):
        if result is not None:
            urls.append(f"/screening/results/{result.pk}/")
    if user.is_staff:
        urls += [
            "/admin/",
            "/admin/centre/user/",
            f"/admin/centre/user/{user.pk}/change/",
            "/admin/auth/group/",
        ]
    return list(dict.fromkeys([*urls, reverse("api-docs")]))
