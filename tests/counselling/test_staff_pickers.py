"""Staff pickers (share, assign, conference participants) offer the staff of the actor's site
and the sites below it only, from one selector (`centre.selectors.staff_of_site_tree`); a tier
change's approvers are the clinicians who see the school's site (it or a site above)."""

from __future__ import annotations

from centre.models import School, Site
from centre.roles import CLINICIAN_ROLES
from centre.selectors import staff_of_site_tree
from counselling.models import CaseUserObjectPermission


def offered(response, field: str) -> set:
    """The people a page's form offers in `field`."""
    return set(response.context["form"].fields[field].queryset)


def test_the_share_picker_lists_colleagues_of_the_site_tree_only(
    client, alice, bob, alice_case, staff_at
):
    elsewhere = staff_at("k02_counsellor", "counsellor", "K02")
    below = staff_at("station_counsellor", "counsellor", "K01-S001")
    client.force_login(alice)
    people = offered(client.get(f"/counselling/cases/{alice_case.pk}/share/"), "user")
    assert {alice, bob, below} <= people
    assert elsewhere not in people
    response = client.post(f"/counselling/cases/{alice_case.pk}/share/", {"user": elsewhere.pk})
    assert response.status_code == 400
    assert not CaseUserObjectPermission.objects.filter(user=elsewhere).exists()


def test_the_assign_picker_lists_counsellors_of_the_supervisors_site_tree(
    client, sam, alice_case, staff_at
):
    elsewhere = staff_at("k03_counsellor", "counsellor", "K03")
    client.force_login(sam)
    people = offered(client.get(f"/counselling/cases/{alice_case.pk}/assign/"), "counsellor")
    assert alice_case.counsellor in people
    assert elsewhere not in people
    assert sam not in people  # a supervisor only: cases are led by counsellors


def test_conference_participants_are_of_the_supervisors_site_tree(client, sam, alice, staff_at):
    elsewhere = staff_at("k02_supervisor", "supervisor", "K02")
    client.force_login(sam)
    people = offered(client.get("/counselling/conferences/"), "participants")
    assert {alice, sam} <= people
    assert elsewhere not in people


def test_approvers_are_the_clinicians_of_the_site_and_above(demo_network, staff_at):
    station = Site.objects.get(code="K01-S001")
    city = staff_at("city_supervisor", "supervisor", "CITY")
    county = staff_at("k01_counsellor", "counsellor", "K01")
    other = staff_at("k02_counsellor_2", "counsellor", "K02")
    below = staff_at("k01_station_2", "counsellor", "K01-S002")
    above = set(staff_of_site_tree(site=station, roles=CLINICIAN_ROLES, above=True))
    assert {city, county} <= above
    assert not {other, below} & above
    assert School.objects.filter(site=station).exists()
    assert staff_of_site_tree(site=None, roles=CLINICIAN_ROLES).count() == 0
