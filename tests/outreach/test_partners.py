"""Partner organisations and their service agreements: the list (site-scoped, by kind, the
agreements expiring within 60 days and the "expiring" filter), creating and editing a partner and
its agreements, the partner's events — persona by persona (other sites 404, other roles 403 or
404), bad input answered 400 with what was typed kept."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from centre.models import AuditEntry, Site
from outreach import selectors, services
from outreach.models import Agreement, Event, Partner, Topic

pytestmark = pytest.mark.django_db


@pytest.fixture
def coordinator(account):
    return account("outreach")


@pytest.fixture
def other_site(k01):
    """A county centre outside K01's tree."""
    return (
        Site.objects.exclude(path__startswith=k01.path)
        .exclude(kind=Site.Kind.CITY_CENTRE)
        .order_by("path")
        .first()
    )


def make_partner(site, name="东湖社区", kind=Partner.Kind.COMMUNITY, **fields):
    return Partner.objects.create(site=site, name=name, kind=kind, **fields)


def agreement(partner, *, ends_in: int, started: int = 100, **fields):
    today = timezone.localdate()
    return Agreement.objects.create(
        partner=partner,
        starts_on=today - datetime.timedelta(days=started),
        ends_on=today + datetime.timedelta(days=ends_in),
        **fields,
    )


def test_the_list_is_scoped_to_the_site_tree_and_filters_by_kind(
    client, coordinator, k01, other_site
):
    ours = make_partner(k01, "区教育局", Partner.Kind.AGENCY)
    enterprise = make_partner(k01, "某科技公司", Partner.Kind.ENTERPRISE)
    theirs = make_partner(other_site, "别处社区")
    client.force_login(coordinator)
    page = client.get(reverse("outreach:partners")).content.decode()
    assert f'data-partner="{ours.pk}"' in page
    assert f'data-partner="{enterprise.pk}"' in page
    assert f'data-partner="{theirs.pk}"' not in page
    agencies = client.get(reverse("outreach:partners"), {"kind": "agency"}).content.decode()
    assert f'data-partner="{ours.pk}"' in agencies
    assert f'data-partner="{enterprise.pk}"' not in agencies


@pytest.mark.parametrize("kind", ["nonsense", "x" * 1000, "agency\x00"])
def test_a_bad_kind_is_a_400(client, coordinator, kind):
    client.force_login(coordinator)
    assert client.get(reverse("outreach:partners"), {"kind": kind}).status_code == 400


def test_agreements_expiring_within_60_days_are_listed_and_filtered(client, coordinator, k01):
    soon = make_partner(k01, "快到期")
    later = make_partner(k01, "还早")
    ended = make_partner(k01, "已结束")
    expiring = agreement(soon, ends_in=59)
    agreement(later, ends_in=61)
    agreement(ended, ends_in=-1)
    assert list(selectors.expiring_agreements(user=coordinator).filter(partner__site=k01)) == [
        expiring
    ]
    client.force_login(coordinator)
    page = client.get(reverse("outreach:partners")).content.decode()
    expiring_section = page.split('id="expiring"')[1].split("</section>")[0]
    assert f'data-agreement="{expiring.pk}"' in expiring_section
    assert "快到期" in expiring_section
    assert "还早" not in expiring_section
    filtered = client.get(reverse("outreach:partners"), {"expiring": "1"}).content.decode()
    table = filtered.split('id="partners"')[1]
    assert f'data-partner="{soon.pk}"' in table
    assert f'data-partner="{later.pk}"' not in table
    assert f'data-partner="{ended.pk}"' not in table


def test_create_and_edit_a_partner_through_the_pages(client, coordinator, k01, school):
    client.force_login(coordinator)
    assert client.get(reverse("outreach:partner_new")).status_code == 200
    created = client.post(
        reverse("outreach:partner_new"),
        {
            "site": k01.pk,
            "name": "东湖实验中学",
            "kind": "school",
            "school": school.pk,
            "contact_person": "李老师",
            "contact_phone": "027-12345678",
            "active": "on",
        },
    )
    assert created.status_code == 302
    partner = Partner.objects.get(name="东湖实验中学")
    assert (partner.site, partner.kind, partner.school, partner.active) == (
        k01,
        "school",
        school,
        True,
    )
    assert created.headers["Location"] == reverse("outreach:partner", args=[partner.pk])
    assert AuditEntry.objects.filter(
        action="outreach.partner.created", target_id=str(partner.pk)
    ).exists()
    edit = reverse("outreach:partner_edit", args=[partner.pk])
    assert client.get(edit).status_code == 200
    saved = client.post(
        edit, {"name": "东湖实验中学", "kind": "school", "contact_person": "王老师"}
    )
    assert saved.status_code == 302
    partner.refresh_from_db()
    assert (partner.contact_person, partner.active, partner.school) == ("王老师", False, None)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", ""),
        ("name", "名" * 201),
        ("name", "东湖\x00社区"),
        ("contact_phone", "²²²²²"),
        ("contact_phone", "call me"),
        ("kind", "castle"),
    ],
)
def test_bad_partner_input_is_a_400_keeping_what_was_typed(client, coordinator, k01, field, value):
    client.force_login(coordinator)
    data = {"site": k01.pk, "name": "某社区", "kind": "community", "contact_person": "张三"}
    data[field] = value
    refused = client.post(reverse("outreach:partner_new"), data)
    assert refused.status_code == 400
    assert "张三" in refused.content.decode()
    assert not Partner.objects.filter(contact_person="张三").exists()


def test_a_partner_is_made_only_in_ones_own_site_tree(client, coordinator, other_site):
    client.force_login(coordinator)
    refused = client.post(
        reverse("outreach:partner_new"),
        {"site": other_site.pk, "name": "别处", "kind": "community"},
    )
    assert refused.status_code == 400
    assert not Partner.objects.filter(name="别处").exists()


def test_agreements_are_added_and_edited_with_their_period_checked(client, coordinator, k01):
    partner = make_partner(k01)
    client.force_login(coordinator)
    add = reverse("outreach:agreement_new", args=[partner.pk])
    assert client.get(add).status_code == 200
    today = timezone.localdate()
    backwards = client.post(
        add,
        {
            "starts_on": today.isoformat(),
            "ends_on": (today - datetime.timedelta(days=1)).isoformat(),
            "services": "讲座",
        },
    )
    assert backwards.status_code == 400
    assert not partner.agreements.exists()
    for bad in ("0001-01-01", "9999-12-31", "2026-02-30", "x"):
        assert client.post(add, {"starts_on": bad, "ends_on": today.isoformat()}).status_code == 400
    saved = client.post(
        add,
        {
            "starts_on": today.isoformat(),
            "ends_on": (today + datetime.timedelta(days=365)).isoformat(),
            "services": "心理健康讲座、团体辅导",
            "contact_person": "赵主任",
        },
    )
    assert saved.status_code == 302
    made = partner.agreements.get()
    assert (made.services, made.contact_person) == ("心理健康讲座、团体辅导", "赵主任")
    page = client.get(reverse("outreach:partner", args=[partner.pk])).content.decode()
    assert f'data-agreement="{made.pk}"' in page
    assert "心理健康讲座" in page
    edit = reverse("outreach:agreement_edit", args=[made.pk])
    assert client.get(edit).status_code == 200
    soon = today + datetime.timedelta(days=30)
    changed = client.post(
        edit, {"starts_on": today.isoformat(), "ends_on": soon.isoformat(), "services": "讲座"}
    )
    assert changed.status_code == 302
    made.refresh_from_db()
    assert (made.ends_on, made.services, made.contact_person) == (soon, "讲座", "")
    page = client.get(reverse("outreach:partner", args=[partner.pk])).content.decode()
    assert "即将到期" in page or "Expiring soon" in page


def test_the_partner_page_lists_its_events_seen(client, coordinator, k01):
    partner = make_partner(k01)
    topic = Topic.objects.get_or_create(
        code="emotion-management", defaults={"name_zh": "情绪管理", "name_en": "Emotions"}
    )[0]
    event = services.event_create(
        actor=coordinator,
        site=k01,
        kind=Event.Kind.PARTNER_SERVICE,
        venue_type="community",
        partner=partner,
        title="社区讲座",
        topic=topic,
        starts_at=timezone.now() + datetime.timedelta(days=3),
    )
    other = make_partner(k01, "另一个")
    client.force_login(coordinator)
    page = client.get(reverse("outreach:partner", args=[partner.pk])).content.decode()
    assert f'data-event="{event.pk}"' in page
    assert "社区讲座" in page
    other_page = client.get(reverse("outreach:partner", args=[other.pk])).content.decode()
    assert f'data-event="{event.pk}"' not in other_page
    assert AuditEntry.objects.filter(action="outreach.event.listed").exists()


def test_personas(client, account, coordinator, k01, other_site, staff_at):
    ours = make_partner(k01)
    theirs = make_partner(other_site, "别处社区")
    mine = agreement(ours, ends_in=100)
    foreign = agreement(theirs, ends_in=100)
    record_pages = [
        reverse("outreach:partner", args=[ours.pk]),
        reverse("outreach:partner_edit", args=[ours.pk]),
        reverse("outreach:agreement_new", args=[ours.pk]),
        reverse("outreach:agreement_edit", args=[mine.pk]),
    ]
    foreign_pages = [
        reverse("outreach:partner", args=[theirs.pk]),
        reverse("outreach:partner_edit", args=[theirs.pk]),
        reverse("outreach:agreement_new", args=[theirs.pk]),
        reverse("outreach:agreement_edit", args=[foreign.pk]),
        reverse("outreach:partner", args=[999_999_999]),
    ]
    lists = [reverse("outreach:partners"), reverse("outreach:partner_new")]
    # The site's coordinator and supervisor, and the city centre's coordinator above: they see.
    city_coordinator = staff_at("city-outreach", "outreach_coordinator", "CITY")
    for user in (coordinator, account("supervisor"), city_coordinator):
        client.force_login(user)
        for url in lists + record_pages:
            assert client.get(url).status_code == 200, (user.username, url)
        if user is not city_coordinator:
            for url in foreign_pages:
                assert client.get(url).status_code == 404, (user.username, url)
    # A coordinator of another county sees its partner, never ours.
    client.force_login(staff_at("far-outreach", "outreach_coordinator", other_site.code))
    assert client.get(reverse("outreach:partner", args=[theirs.pk])).status_code == 200
    for url in record_pages:
        assert client.get(url).status_code == 404, url
    assert client.post(record_pages[1], {"name": "改名", "kind": "agency"}).status_code == 404
    # Other roles: no list (403), no record (404); the statistics administrator included.
    for username in ("counsellor", "liaison", "operator", "crisis", "stats", "auditor", "admin"):
        client.force_login(account(username))
        for url in lists:
            assert client.get(url).status_code == 403, (username, url)
        for url in record_pages:
            assert client.get(url).status_code == 404, (username, url)
        assert client.post(record_pages[1], {"name": "改名", "kind": "agency"}).status_code == 404
    ours.refresh_from_db()
    assert ours.name == "东湖社区"
    client.logout()
    assert client.get(lists[0]).status_code == 302


def test_the_pages_need_no_query_per_row(client, coordinator, k01):
    from tests.support.queries import count_queries

    partner = make_partner(k01, "甲单位")
    agreement(partner, ends_in=10)
    topic = Topic.objects.get_or_create(
        code="emotion-management", defaults={"name_zh": "情绪管理", "name_en": "Emotions"}
    )[0]

    def serve(n):
        Event.objects.create(
            site=k01,
            kind=Event.Kind.PARTNER_SERVICE,
            venue_type="community",
            partner=partner,
            title=f"服务{n}",
            topic=topic,
            starts_at=timezone.now(),
            created_by=coordinator,
        )

    serve(0)
    client.force_login(coordinator)
    urls = {
        "list": reverse("outreach:partners"),
        "partner": reverse("outreach:partner", args=[partner.pk]),
    }
    before = {name: count_queries(client, url) for name, url in urls.items()}
    for n in range(1, 6):
        other = make_partner(k01, f"单位{n}")
        agreement(other, ends_in=20 + n)
        agreement(partner, ends_in=100 + n)
        serve(n)
    after = {name: count_queries(client, url) for name, url in urls.items()}
    assert after == before


def test_an_event_serves_only_a_partner_of_its_site_tree(coordinator, k01, other_site):
    from django.core.exceptions import ValidationError

    theirs = make_partner(other_site, "别处社区")
    topic = Topic.objects.get_or_create(
        code="emotion-management", defaults={"name_zh": "情绪管理", "name_en": "Emotions"}
    )[0]
    fields = {
        "kind": Event.Kind.PARTNER_SERVICE,
        "venue_type": "community",
        "title": "社区服务",
        "topic": topic,
        "starts_at": timezone.now() + datetime.timedelta(days=1),
    }
    with pytest.raises(ValidationError) as refused:
        services.event_create(actor=coordinator, site=k01, partner=theirs, **fields)
    assert "partner" in refused.value.message_dict
    ours = make_partner(k01)
    event = services.event_create(actor=coordinator, site=k01, partner=ours, **fields)
    with pytest.raises(ValidationError):
        services.event_update(
            actor=coordinator, event=event, expected_version=event.version, partner=theirs
        )
    event.refresh_from_db()
    assert event.partner == ours


def test_the_list_pages_by_name_with_the_shared_pager(client, coordinator, k01):
    Partner.objects.bulk_create(
        Partner(site=k01, name=f"单位{n:03d}", kind=Partner.Kind.COMMUNITY) for n in range(60)
    )
    client.force_login(coordinator)
    first = client.get(reverse("outreach:partners"), {"kind": "community"}).content.decode()
    assert "单位000" in first
    assert "单位049" in first
    assert "单位050" not in first
    older = re.search(r'href="\?([^"]*older=[^"]+)"', first).group(1).replace("&amp;", "&")
    assert "kind=community" in older
    second = client.get(f"{reverse('outreach:partners')}?{older}").content.decode()
    assert "单位050" in second
    assert "单位059" in second
    assert "单位049" not in second
    assert client.get(reverse("outreach:partners"), {"older": "garbage~x"}).status_code == 400
