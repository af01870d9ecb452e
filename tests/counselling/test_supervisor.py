"""The supervisor's working day (issue 13): pickers name people by name, role and site; the case
conference lists cases by masked name, risk and counsellor and shows what past conferences
discussed; a case shows whom it is shared with and a share can be revoked (audited, the grants
gone, the colleague then answered 404); overdue follow-ups arrive as one inbox message per batch
naming the counsellors concerned; the inbox sorts by due time."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from centre import reminders
from centre.forms import staff_label
from centre.models import AuditEntry, AuditRecord, Notification, Reminder
from counselling import services
from counselling.models import CaseUserObjectPermission, FollowUp
from tests.support.accounts import sign_in, switch_to
from tests.support.queries import count_queries
from tests.support.worker import finished, wait_for

pytestmark = pytest.mark.django_db


def overdue(case, *, days: int = 3) -> FollowUp:
    follow_up = services.follow_up_add(actor=case.counsellor, case=case, due_at=timezone.now())
    FollowUp.objects.filter(pk=follow_up.pk).update(
        due_at=timezone.now() - datetime.timedelta(days=days)
    )
    return follow_up


def batches():
    return Reminder.objects.filter(template="follow_ups_overdue").order_by("id")


# Pickers ----------------------------------------------------------------------------------------


def test_pickers_name_people_by_name_role_and_site_not_username(client, sam, alice, alice_case):
    label = staff_label(alice)
    assert alice.get_full_name() in label
    assert alice.site.name in label
    assert "counsellor" not in label  # no username, no role code
    sign_in(client, "supervisor")
    for url, field in [
        (f"/counselling/cases/{alice_case.pk}/share/", "user"),
        (f"/counselling/cases/{alice_case.pk}/assign/", "counsellor"),
        ("/counselling/conferences/", "participants"),
    ]:
        response = client.get(url)
        choices = {
            str(value): str(text) for value, text in response.context["form"].fields[field].choices
        }
        assert alice.get_full_name() in choices[str(alice.pk)], url
        assert "心理咨询师" in choices[str(alice.pk)], url  # the role, in the page's language
        assert alice.site.name in choices[str(alice.pk)], url
        assert f">{alice.username}<" not in response.text, url


def test_the_conference_lists_cases_by_masked_name_risk_and_counsellor(
    client, sam, alice, make_case
):
    case = make_case(counsellor=alice, risk_level="high")
    sign_in(client, "supervisor")
    page = client.get("/counselling/conferences/").text
    assert f"个案 {case.pk} · 学同学 · 高 · {alice.get_full_name()}" in page
    assert case.client.full_name not in page  # masked: the family name only

    response = client.post(
        "/counselling/conferences/",
        {
            "held_on": timezone.localdate().isoformat(),
            "participants": [sam.pk, alice.pk],
            "cases": [case.pk],
            "decisions": "本月加强随访，联系家长面谈。",
        },
    )
    assert response.status_code == 302
    page = client.get("/counselling/conferences/").text
    history = page.split('id="conferences"')[1].split("</ol>")[0]
    assert f"个案 {case.pk} · 学同学" in history  # which cases were discussed
    assert "本月加强随访，联系家长面谈。" in history  # and the decisions
    # The page names cases: a list read of each, in "who viewed this file".
    listed = AuditEntry.objects.filter(actor=sam, action="counselling.case.listed")
    assert AuditRecord.objects.filter(
        entry__in=listed, target_type="counselling.case", target_id=str(case.pk)
    ).exists()


def test_the_conference_page_needs_a_fixed_number_of_queries(client, sam, alice, make_case):
    sign_in(client, "supervisor")
    first = count_queries(client, "/counselling/conferences/")
    cases = [make_case(counsellor=alice, risk_level="moderate") for _ in range(4)]
    services.case_conference_record(
        actor=sam,
        site=sam.site,
        held_on=timezone.localdate(),
        participants=[sam, alice],
        cases=cases,
        decisions="继续观察",
    )
    assert first == 16
    assert count_queries(client, "/counselling/conferences/") == 19  # + its cases, participants


# Shares and their revocation --------------------------------------------------------------------


def test_a_case_shows_whom_it_is_shared_with(client, alice, bob, alice_case):
    services.case_share(actor=alice, case=alice_case, user=bob)
    sign_in(client, "counsellor")
    page = client.get(f"/counselling/cases/{alice_case.pk}/").text
    shares = page.split('id="share-list"')[1].split("</ul>")[0]
    assert bob.get_full_name() in shares
    assert "只读" in shares
    assert f"/counselling/cases/{alice_case.pk}/shares/{bob.pk}/revoke/" in shares


def test_revoking_a_share_takes_the_grants_away_and_the_colleague_gets_404(
    client, alice, bob, alice_case
):
    services.case_share(actor=alice, case=alice_case, user=bob, can_change=True)
    url = f"/counselling/cases/{alice_case.pk}/shares/{bob.pk}/revoke/"
    sign_in(client, "counsellor2")
    assert client.get(f"/counselling/cases/{alice_case.pk}/").status_code == 200

    switch_to(client, "counsellor")
    confirmation = client.get(url)
    assert confirmation.status_code == 200
    assert 'id="revoke-form"' in confirmation.text
    assert CaseUserObjectPermission.objects.filter(user=bob).exists()  # a GET changes nothing
    response = client.post(url)
    assert response.status_code == 302
    assert not CaseUserObjectPermission.objects.filter(user=bob, content_object=alice_case).exists()
    entry = AuditEntry.objects.get(action="counselling.case.unshared")
    assert (entry.actor, entry.target_id, entry.data["user"]) == (alice, str(alice_case.pk), bob.pk)
    assert client.post(url).status_code == 404  # nothing left to revoke

    switch_to(client, "counsellor2")
    assert client.get(f"/counselling/cases/{alice_case.pk}/").status_code == 404
    assert client.get(f"/api/v1/counselling/cases/{alice_case.pk}/").status_code == 404


def test_a_supervisor_of_the_site_revokes_a_share(client, alice, bob, alice_case):
    services.case_share(actor=alice, case=alice_case, user=bob)
    sign_in(client, "supervisor")
    assert (
        client.post(f"/counselling/cases/{alice_case.pk}/shares/{bob.pk}/revoke/").status_code
        == 302
    )
    assert not CaseUserObjectPermission.objects.filter(user=bob).exists()


@pytest.mark.parametrize(
    ("username", "status"),
    [
        ("counsellor2", 403),  # the read-only colleague: may read the file, not revoke
        ("crisis", 404),  # may open case pages, not this one (no break-glass)
        ("liaison", 404),  # other roles: a record page they cannot have answers 404
        ("operator", 404),
        ("stats", 404),
        ("auditor", 404),
        ("outreach", 404),
        ("admin", 404),
    ],
)
def test_nobody_else_revokes_a_share(client, alice, bob, alice_case, staff_at, username, status):
    services.case_share(actor=alice, case=alice_case, user=bob)
    sign_in(client, username)
    url = f"/counselling/cases/{alice_case.pk}/shares/{bob.pk}/revoke/"
    assert client.get(url).status_code == status
    assert client.post(url).status_code == status
    assert CaseUserObjectPermission.objects.filter(user=bob, content_object=alice_case).exists()


def test_a_counsellor_of_another_site_and_odd_ids_get_404(client, alice, bob, alice_case, staff_at):
    services.case_share(actor=alice, case=alice_case, user=bob)
    staff_at("k02_counsellor", "counsellor", "K02")
    sign_in(client, "k02_counsellor")
    base = f"/counselling/cases/{alice_case.pk}/shares"
    assert client.post(f"{base}/{bob.pk}/revoke/").status_code == 404
    switch_to(client, "counsellor")
    assert client.get(f"{base}/{alice.pk}/revoke/").status_code == 404  # the lead: no share
    assert client.get(f"{base}/999999999999999999/revoke/").status_code == 404
    assert client.get(f"{base}/²/revoke/").status_code == 404
    assert (
        client.get(f"/counselling/cases/{alice_case.pk}/shares/{bob.pk}/revoke/").status_code == 200
    )


def test_the_revoke_page_needs_a_fixed_number_of_queries(client, alice, bob, alice_case):
    services.case_share(actor=alice, case=alice_case, user=bob)
    sign_in(client, "counsellor")
    assert (
        count_queries(client, f"/counselling/cases/{alice_case.pk}/shares/{bob.pk}/revoke/") == 16
    )


# Escalation in batches ---------------------------------------------------------------------------


def test_overdue_follow_ups_arrive_as_one_message_naming_the_counsellors(
    alice, bob, sam, make_case
):
    for _ in range(20):
        overdue(make_case(counsellor=alice))
    for _ in range(4):
        overdue(make_case(counsellor=bob), days=5)
    assert services.escalate_overdue() == 24
    assert services.escalate_overdue() == 0  # each row once
    (message,) = batches()
    assert message.recipient == sam
    assert message.params["follow_ups"] == 24
    assert message.params["counsellors"] == [[alice.pk, 20], [bob.pk, 4]]
    text = reminders.render(
        template=message.template, params=message.params, language="zh-hans", channel="inbox"
    )
    assert f"{alice.get_full_name()} (20)" in text.body
    assert f"{bob.get_full_name()} (4)" in text.body
    assert "24" in text.title
    assert "学生" not in text.title + text.body  # no child's name, no case number
    english = reminders.render(
        template=message.template, params=message.params, language="en", channel="inbox"
    )
    assert english.title == "24 overdue follow-ups in your site"

    later = overdue(make_case(counsellor=bob))  # a new one: a new batch, of that one only
    assert services.escalate_overdue() == 1
    assert [row.params["follow_ups"] for row in batches()] == [24, 1]
    later.refresh_from_db()
    assert later.escalated_at is not None


def test_a_name_the_content_filter_refuses_does_not_stop_the_escalation(alice, sam, make_case):
    alice.last_name, alice.first_name = "药", "师"
    alice.save(update_fields=["last_name", "first_name"])
    overdue(make_case(counsellor=alice))
    assert services.escalate_overdue() == 1
    (message,) = batches()
    text = reminders.render(
        template=message.template, params=message.params, language="zh-hans", channel="inbox"
    )
    assert f"{alice.username} (1)" in text.body


@pytest.mark.django_db(transaction=True)
def test_the_real_worker_delivers_one_batch_message(celery_worker, alice, bob, sam, make_case):
    from counselling.tasks import escalate_overdue_follow_ups

    for counsellor in (alice, alice, bob):
        overdue(make_case(counsellor=counsellor))
    runs = finished(escalate_overdue_follow_ups)
    for tick in range(1, 3):
        escalate_overdue_follow_ups.delay()
        wait_for(lambda tick=tick: finished(escalate_overdue_follow_ups) == runs + tick)
        reminders.reminders_dispatch()
        wait_for(lambda: not batches().exclude(status="sent").exists())
    (message,) = batches()
    (notification,) = Notification.objects.filter(user=sam)
    assert notification.reminder == message
    assert alice.get_full_name() in notification.body
    assert bob.get_full_name() in notification.body
    assert FollowUp.objects.filter(escalated_at__isnull=True).count() == 0


def test_the_inbox_sorts_by_due_time(client, sam):
    now = timezone.now()
    for key, hours in [("early", -30), ("late", -1), ("middle", -10)]:
        reminder = reminders.reminder_plan(
            key=f"test:{key}",
            channel=Reminder.Channel.INBOX,
            due_at=now + datetime.timedelta(hours=hours),
            template="case_conference_due",
            params={"month": key},
            recipient=sam,
        )
        Notification.objects.create(user=sam, reminder=reminder, title=key)
    sign_in(client, "supervisor")
    with CaptureQueriesContext(connection):
        page = client.get("/inbox/").text
    positions = [page.index(f">{title}<") for title in ("late", "middle", "early")]
    assert positions == sorted(positions)
