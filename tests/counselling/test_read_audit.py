"""Every answer that shows a child's record is audited (`centre.audit.audit_read`): API lists and
the caseload as one entry per page naming the records shown; the case's form pages, the consent
withdrawal and the follow-up page as reads of the file; and "who viewed this file" shows them
all, client reads included."""

from __future__ import annotations

import pytest
from django.utils import timezone, translation

from centre.models import AuditEntry, AuditRecord
from counselling import selectors, services
from tests.support.accounts import sign_in

API = "/api/v1/counselling"


@pytest.fixture
def alice_session(alice, alice_case):
    return services.session_log(
        actor=alice,
        case=alice_case,
        held_at=timezone.now(),
        modality="phone",
        kind="follow_up",
        attendance="attended",
    )


@pytest.fixture
def alice_referral(alice, alice_case):
    return services.referral_create(
        actor=alice, case=alice_case, destination="school", reason="返校"
    )


def new_entries(client, url: str) -> list[AuditEntry]:
    """The entries one GET of `url` writes."""
    last = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
    assert client.get(url).status_code == 200
    return list(AuditEntry.objects.filter(id__gt=last).exclude(action__startswith="centre.session"))


def recorded(entry: AuditEntry) -> list[tuple[str, str]]:
    return list(AuditRecord.objects.filter(entry=entry).values_list("target_type", "target_id"))


@pytest.mark.parametrize(
    ("path", "action", "record"),
    [
        ("cases/", "counselling.case.listed", "case"),
        ("clients/", "counselling.client.listed", "client"),
        ("sessions/", "counselling.session.listed", "session"),
        ("referrals/", "counselling.referral.listed", "referral"),
    ],
)
def test_an_api_list_writes_one_entry_naming_the_records_shown(
    client, alice, make_case, alice_case, alice_session, alice_referral, path, action, record
):
    other = make_case(counsellor=alice)
    records = {
        "case": ("counselling.case", [alice_case.pk, other.pk]),
        "client": ("counselling.client", [alice_case.client_id, other.client_id]),
        "session": ("counselling.counsellingsession", [alice_session.pk]),
        "referral": ("counselling.referral", [alice_referral.pk]),
    }[record]
    sign_in(client, "counsellor")
    [entry] = new_entries(client, f"{API}/{path}")
    assert (entry.action, entry.actor, entry.data["records"]) == (action, alice, len(records[1]))
    assert entry.ip_address == "127.0.0.1"
    target_type, ids = records
    assert sorted(recorded(entry)) == sorted((target_type, str(pk)) for pk in ids)


def test_the_caseload_writes_one_entry_for_the_page(client, alice, make_case, alice_case):
    for _ in range(3):
        make_case(counsellor=alice)
    sign_in(client, "counsellor")
    [entry] = new_entries(client, "/counselling/")
    assert entry.action == "counselling.case.listed"
    assert entry.data["records"] == 4
    assert ("counselling.case", str(alice_case.pk)) in recorded(entry)


def test_the_case_form_pages_and_the_follow_up_page_are_reads_of_the_file(
    client, alice, alice_case
):
    consent = alice_case.client.consents.first()
    follow_up = services.follow_up_add(actor=alice, case=alice_case, due_at=timezone.now())
    base = f"/counselling/cases/{alice_case.pk}/"
    pages = {
        f"{base}sessions/new/": "counselling.case.viewed",
        f"{base}referrals/new/": "counselling.case.viewed",
        f"{base}guardians/new/": "counselling.case.viewed",
        f"{base}consents/new/": "counselling.case.viewed",
        f"{base}share/": "counselling.case.viewed",
        f"{base}follow-ups/new/": "counselling.case.viewed",
        f"{base}consents/{consent.pk}/withdraw/": "counselling.case.viewed",
        f"/counselling/follow-ups/{follow_up.pk}/": "counselling.follow_up.viewed",
    }
    sign_in(client, "counsellor")
    for url, action in pages.items():
        [entry] = new_entries(client, url)
        assert (entry.action, entry.target_id) == (action, str(alice_case.pk)), url


def test_a_refused_form_shows_the_file_again_and_is_a_read(client, alice_case):
    sign_in(client, "counsellor")
    before = AuditEntry.objects.filter(action="counselling.case.viewed").count()
    answer = client.post(f"/counselling/cases/{alice_case.pk}/guardians/new/", {})
    assert answer.status_code == 400
    assert AuditEntry.objects.filter(action="counselling.case.viewed").count() == before + 1


def test_who_viewed_this_file_shows_client_reads_and_lists(client, alice_case, sam):
    sign_in(client, "supervisor")
    client.get(f"{API}/clients/{alice_case.client_id}/")
    client.get(f"{API}/clients/")
    client.get("/counselling/")
    client.logout()
    sign_in(client, "counsellor")
    page = client.get(f"/counselling/cases/{alice_case.pk}/viewers/")
    assert page.status_code == 200
    rows = [entry for entry in page.context["entries"] if entry.actor_username == "supervisor"]
    assert [entry.action for entry in rows] == [
        "counselling.case.listed",
        "counselling.client.listed",
        "counselling.client.viewed",
    ]
    with translation.override("en"):
        assert [str(entry.what) for entry in rows] == [
            "a list showing it",
            "a list showing it",
            "the child's details",
        ]


def test_a_list_shows_in_who_viewed_only_the_files_it_showed(
    client, alice, bob, alice_case, bob_case
):
    sign_in(client, "counsellor")
    client.get("/counselling/")
    alice_viewers = [entry.action for entry in selectors.case_viewers(case=alice_case)]
    bob_viewers = [entry.action for entry in selectors.case_viewers(case=bob_case)]
    assert "counselling.case.listed" in alice_viewers
    assert "counselling.case.listed" not in bob_viewers
