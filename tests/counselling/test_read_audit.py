"""Every answer that shows a child's record is audited (`centre.audit.audit_read`): API lists and
the caseload as one entry per page naming the records shown; the case's form pages, the consent
withdrawal and the follow-up page as reads of the file; and "who viewed this file" shows them
all, client reads included."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.utils import timezone, translation

from centre.models import AuditEntry, AuditRecord
from counselling import selectors, services
from tests.support.accounts import sign_in
from tests.support.counselling import session_edit

API = "/api/v1/counselling"


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


# A session note: its read names the session ------------------------------------------------------


def note_reads(session) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(
            action="counselling.session.viewed",
            target_type="counselling.counsellingsession",
            target_id=str(session.pk),
        ).order_by("id")
    )


def held(session) -> str:
    return timezone.localtime(session.held_at).strftime("%Y-%m-%d %H:%M")


def test_a_note_read_on_its_page_and_in_the_api_names_the_session(
    client, alice, alice_case, alice_session
):
    other = services.session_log(
        actor=alice,
        case=alice_case,
        held_at=timezone.now() - timezone.timedelta(days=7),
        modality="phone",
        kind="follow_up",
        attendance="attended",
    )
    sign_in(client, "supervisor")
    [page] = new_entries(client, f"/counselling/sessions/{alice_session.pk}/")
    [api] = new_entries(client, f"{API}/sessions/{other.pk}/")
    for entry, session in [(page, alice_session), (api, other)]:
        assert (entry.action, entry.target_type, entry.target_id) == (
            "counselling.session.viewed",
            "counselling.counsellingsession",
            str(session.pk),
        )
        assert entry.data == {"break_glass": False}
        assert entry.ip_address == "127.0.0.1"
    client.logout()
    sign_in(client, "counsellor")
    zh = client.get(f"/counselling/cases/{alice_case.pk}/viewers/").text
    assert f'<a href="/counselling/sessions/{other.pk}/">{held(other)} 的咨询记录</a>' in zh
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(f"/counselling/cases/{alice_case.pk}/viewers/")
    rows = [entry for entry in page.context["entries"] if entry.actor_username == "supervisor"]
    assert [(str(entry.what), entry.link) for entry in rows] == [
        (f"the session note of {held(session)}", f"/counselling/sessions/{session.pk}/")
        for session in [other, alice_session]
    ]


def test_a_refused_save_of_a_note_shows_it_again_and_is_a_read_of_that_note(client, alice_session):
    sign_in(client, "counsellor")
    answer = client.post(
        f"/counselling/sessions/{alice_session.pk}/",
        session_edit(alice_session, version=alice_session.version + 5),
    )
    assert answer.status_code == 409
    assert len(note_reads(alice_session)) == 1


def test_a_break_glass_read_of_a_note_carries_its_reason_into_who_viewed(
    client, alice_case, alice_session
):
    sign_in(client, "crisis")
    reason = "热线来电，学生正处于危险之中。"
    assert (
        client.post(f"/counselling/cases/{alice_case.pk}/break-glass/", {"reason": reason})
    ).status_code == 302
    assert client.get(f"/counselling/sessions/{alice_session.pk}/").status_code == 200
    [entry] = note_reads(alice_session)
    assert (entry.reason, entry.data) == (reason, {"break_glass": True})
    client.logout()
    sign_in(client, "counsellor")
    page = client.get(f"/counselling/cases/{alice_case.pk}/viewers/")
    [row] = [
        entry
        for entry in page.context["entries"]
        if entry.actor_username == "crisis" and entry.action == "counselling.session.viewed"
    ]
    assert row.reason == reason
    assert row.link == f"/counselling/sessions/{alice_session.pk}/"


@pytest.mark.parametrize(
    "persona", ["counsellor2", "liaison", "operator", "crisis", "stats", "auditor", "outreach"]
)
def test_a_note_one_may_not_see_answers_404_and_writes_no_read(client, alice_session, persona):
    sign_in(client, persona)
    assert client.get(f"/counselling/sessions/{alice_session.pk}/").status_code in (403, 404)
    assert client.get(f"{API}/sessions/{alice_session.pk}/").status_code in (403, 404)
    assert note_reads(alice_session) == []


def test_a_note_one_may_not_see_is_404_for_a_clinician(client, alice_session):
    sign_in(client, "counsellor2")
    assert client.get(f"/counselling/sessions/{alice_session.pk}/").status_code == 404
    assert client.get(f"{API}/sessions/{alice_session.pk}/").status_code == 404


@pytest.mark.parametrize("session_id", ["0", str(2**63), "9" * 30])
def test_a_note_id_out_of_range_answers_404(client, alice_session, session_id):
    sign_in(client, "counsellor")
    assert client.get(f"/counselling/sessions/{session_id}/").status_code == 404
    assert client.get(f"{API}/sessions/{session_id}/").status_code == 404


def test_the_intake_search_shows_in_who_viewed_for_the_file_it_found(client, alice_case, bob_case):
    child = alice_case.client
    sign_in(client, "supervisor")
    query = {"full_name": child.full_name, "date_of_birth": child.date_of_birth.isoformat()}
    assert client.post("/counselling/intake/", {"step": "search", **query}).status_code == 200
    client.logout()
    sign_in(client, "counsellor")
    page = client.get(f"/counselling/cases/{alice_case.pk}/viewers/")
    with translation.override("en"):
        found = [
            str(entry.what)
            for entry in page.context["entries"]
            if entry.action == "counselling.client.searched"
        ]
    assert found == ["an intake search that found the child"]
    searched = [entry.action for entry in selectors.case_viewers(case=bob_case)]
    assert "counselling.client.searched" not in searched


def test_a_read_is_audited_for_the_requests_own_user_only(rf, alice, bob, alice_case):
    request = rf.get("/")
    request.user = bob
    with pytest.raises(ValueError, match="own user"):
        services.case_record_read(actor=alice, case=alice_case, request=request)
    assert not AuditEntry.objects.filter(action="counselling.case.viewed").exists()


def test_pages_and_apis_audit_reads_through_audit_read_only():
    """`centre.audit.audit_read`/`audit_export` (and `case_record_read`, which calls it) are how a
    page, an API answer or an export is audited; `audit_log` is for services' changes."""
    import ast
    from pathlib import Path

    import centre

    root = Path(centre.__file__).parent.parent
    modules = [
        path
        for app in ["centre", "counselling", "screening", "hotline", "outreach"]
        for path in sorted((root / app).rglob("*.py"))
        if path.stem in {"views", "apis", "api"}
    ]
    assert len(modules) >= 6
    calls = [
        f"{path.relative_to(root)}:{node.lineno}"
        for path in modules
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Name | ast.Attribute)
        and "audit_log" in {getattr(node, "id", None), getattr(node, "attr", None)}
    ]
    assert calls == []
