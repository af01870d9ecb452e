from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from centre.models import Site


@pytest.fixture
def tree(db):
    city = Site.objects.create(code="C", name="City", kind=Site.Kind.CITY_CENTRE)
    county = Site.objects.create(
        code="K1", name="County 1", kind=Site.Kind.COUNTY_CENTRE, parent=city
    )
    other = Site.objects.create(
        code="K2", name="County 2", kind=Site.Kind.COUNTY_CENTRE, parent=city
    )
    station = Site.objects.create(code="S1", name="Station", kind=Site.Kind.STATION, parent=county)
    return {"city": city, "county": county, "other": other, "station": station}


def test_a_site_knows_its_path_from_the_root(tree):
    assert tree["station"].path == "C/K1/S1/"


def test_a_site_and_the_sites_below_it_are_one_query(tree, django_assert_num_queries):
    with django_assert_num_queries(1):
        codes = sorted(tree["county"].descendants_and_self().values_list("code", flat=True))
    assert codes == ["K1", "S1"]
    assert tree["city"].descendants_and_self().count() == 4


def test_moving_a_county_centre_re_roots_its_stations(tree):
    county = tree["county"]
    county.code = "K9"
    county.save()
    tree["station"].refresh_from_db()
    assert tree["station"].path == "C/K9/S1/"


@pytest.mark.parametrize(
    ("kind", "parent_key"),
    [
        (Site.Kind.STATION, "city"),
        (Site.Kind.COUNTY_CENTRE, "station"),
        (Site.Kind.CITY_CENTRE, "city"),
        (Site.Kind.STATION, None),
    ],
)
def test_the_tree_is_city_centre_then_county_centre_then_station(tree, kind, parent_key):
    site = Site(code="X", name="X", kind=kind, parent=tree[parent_key] if parent_key else None)
    with pytest.raises(ValidationError) as raised:
        site.full_clean()
    assert "parent" in raised.value.message_dict
