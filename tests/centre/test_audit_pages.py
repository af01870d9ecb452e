"""The auditors' pages: the log filtered by record, user, action and dates ("who viewed case N
last week" in three clicks), its audited export, and the review of break-glass accesses — a
record of its own beside the append-only entry, overdue ones first."""

from __future__ import annotations

import re
from io import BytesIO

import pytest
import time_machine
from django.db import DatabaseError, connection, transaction
from openpyxl import load_workbook

from centre.models import AuditEntry, BreakGlassReview
from tests.support.accounts import sign_in, switch_to
from tests.support.clock import at
from tests.support.queries import count_queries

REASON = "热线转来：需要了解该生的情况以便干预。"
OTHER_ROLES = [
    "counsellor",
    "supervisor",
    "liaison",
    "operator",
    "crisis",
    "outreach",
    "stats",
    "admin",
]


def break_glass(client, case, *, username: str = "crisis") -> AuditEntry:
    """Break the glass on `case` through the page, as the crisis team does."""
    switch_to(client, username)
    answer = client.post(f"/counselling/cases/{case.pk}/break-glass/", {"reason": REASON})
    assert answer.status_code == 302, answer.status_code
    return AuditEntry.objects.filter(action="counselling.case.break_glass").latest("id")


def entry_rows(html: str) -> list[str]:
    table = html.split('id="audit-entries"')[1].split("</table>")[0].split("<tbody>")[1]
    return [row for row in table.split("<tr>")[1:] if "<td" in row and "colspan" not in row]


def test_who_viewed_case_n_last_week_takes_three_clicks(client, alice_case, bob_case, alice):
    with time_machine.travel(at(2026, 11, 2, 10), tick=False):
        sign_in(client, "counsellor")
        assert client.get(f"/counselling/cases/{alice_case.pk}/").status_code == 200  # old read
    with time_machine.travel(at(2026, 11, 20, 10), tick=False):
        switch_to(client, "supervisor")
        assert client.get(f"/counselling/cases/{alice_case.pk}/").status_code == 200
        assert client.get("/counselling/").status_code == 200  # the caseload lists it too
        assert client.get(f"/counselling/cases/{bob_case.pk}/").status_code == 200  # another case
        switch_to(client, "auditor")
        log = client.get("/audit/").text
        # Click 1: the case in any entry about it.
        wanted = f"record_type=counselling.case&amp;record_id={alice_case.pk}"
        link = re.search(rf'class="record-link" href="\?({wanted})"', log)
        assert link is not None
        case_page = client.get("/audit/?" + link.group(1).replace("&amp;", "&")).text
        assert f"#{bob_case.pk}<" not in case_page
        # Click 2: the last 7 days.
        week = re.search(r'href="\?([^"]*since=2026-11-14[^"]*)">最近 7 天', case_page)
        assert week is not None, "the last 7 days preset"
        week_page = client.get("/audit/?" + week.group(1).replace("&amp;", "&")).text
        # Click 3: reads only.
        reads = re.search(r'href="\?([^"]*reads=on[^"]*)">仅看读取', week_page)
        assert reads is not None
        answer = client.get("/audit/?" + reads.group(1).replace("&amp;", "&"))
    rows = entry_rows(answer.text)
    users = [re.search(r"\?user=([a-z0-9]+)", row).group(1) for row in rows]
    assert users == ["supervisor", "supervisor"]  # the caseload and the case file, newest first
    assert "个案档案：查看" in rows[1]  # readable, translated action labels
    assert "个案档案：列表" in rows[0]
    assert all("127.0.0.1" in row for row in rows)  # every entry carries the address


def test_the_log_filters_by_user_action_and_dates(client, alice_case):
    with time_machine.travel(at(2026, 11, 2, 10), tick=False):
        sign_in(client, "counsellor")
        client.get(f"/counselling/cases/{alice_case.pk}/")
    with time_machine.travel(at(2026, 11, 5, 10), tick=False):
        switch_to(client, "auditor")
        by_user = client.get("/audit/", {"user": "counsellor", "action": "counselling.case.viewed"})
        assert len(entry_rows(by_user.text)) == 1
        before = client.get("/audit/", {"user": "counsellor", "until": "2026-11-01"})
        assert len(entry_rows(before.text)) == 0
        on_the_day = client.get(
            "/audit/", {"user": "counsellor", "since": "2026-11-02", "until": "2026-11-02"}
        )
        assert len(entry_rows(on_the_day.text)) >= 2  # the sign-in and the read
        options = by_user.text.split('name="action"')[1].split("</select>")[0]
        assert ">个案档案：紧急调阅<" in options  # the filter's actions, labelled
        prefix = client.get("/audit/", {"action": "centre.session"})
        assert prefix.status_code == 200
        assert all("会话" in row for row in entry_rows(prefix.text))


@pytest.mark.parametrize(
    "params",
    [
        {"since": "0001-01-01"},
        {"until": "9999-12-31"},
        {"since": "2026-11-05", "until": "2026-11-01"},
        {"record_type": "counselling.case", "record_id": "²"},
        {"record_type": "counselling.case", "record_id": "9" * 30},
        {"record_id": "12"},
        {"record_type": "nothing.here", "record_id": "12"},
        {"action": "counselling\x00"},
        {"action": "x" * 10_000},
        {"user": "a\x00b"},
        {"user": "u" * 10_000},
    ],
)
def test_a_filter_that_means_nothing_is_told_not_a_500(client, demo_network, params):
    sign_in(client, "auditor")
    for url in ("/audit/", "/audit/export.xlsx"):
        answer = client.get(url, params)
        assert answer.status_code == 400, (url, params)
    assert not AuditEntry.objects.filter(action="centre.audit_log.exported").exists()


def test_the_filtered_log_is_exported_and_the_export_audited(client, alice_case):
    sign_in(client, "supervisor")
    client.get(f"/counselling/cases/{alice_case.pk}/")
    switch_to(client, "auditor")
    params = {"record_type": "counselling.case", "record_id": str(alice_case.pk)}
    answer = client.get("/audit/export.xlsx", params)
    assert answer.status_code == 200
    sheet = load_workbook(BytesIO(answer.content)).active
    assert sheet.title == "审计日志"
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0][:3] == ["时间", "用户", "操作"]
    assert {row[3] for row in rows[1:]} <= {"counselling.case.viewed", "counselling.case.opened"}
    assert "counselling.case.viewed" in {row[3] for row in rows[1:]}
    assert all(row[4] == f"个案档案 #{alice_case.pk}" for row in rows[1:])
    export = AuditEntry.objects.get(action="centre.audit_log.exported")
    assert export.data["filters"] == params
    assert export.data["rows"] == len(rows) - 1
    assert export.ip_address == "127.0.0.1"


def test_break_glass_accesses_wait_for_review_overdue_first(client, alice_case, bob_case):
    with time_machine.travel(at(2026, 11, 1, 9), tick=False):
        old = break_glass(client, alice_case)
    with time_machine.travel(at(2026, 11, 2, 10), tick=False):
        new = break_glass(client, bob_case)
        switch_to(client, "auditor")
        page = client.get("/audit/break-glass/").text
    waiting = page.split('id="waiting"')[1].split("</ul>")[0]
    assert waiting.index(f'id="access-{old.pk}"') < waiting.index(f'id="access-{new.pk}"')
    old_item = waiting.split(f'id="access-{old.pk}"')[1].split("</li>")[0]
    new_item = waiting.split(f'id="access-{new.pk}"')[1].split("</li>")[0]
    assert "超过 24 小时" in old_item
    assert "超过 24 小时" not in new_item
    assert REASON in old_item
    assert "127.0.0.1" in old_item  # the address of the access
    assert old.ip_address == "127.0.0.1"


def test_an_auditor_marks_an_access_reviewed_with_a_note(client, alice_case, account):
    entry = break_glass(client, alice_case)
    switch_to(client, "auditor")
    form = {"entry": entry.pk, f"e{entry.pk}-note": "已核对：热线来电记录与原因一致。"}
    for note in ("", "ok", "。。。。。。。。。。。", "a\x00bcdefghijkl", "长" * 10_000):
        refused = client.post("/audit/break-glass/", {**form, f"e{entry.pk}-note": note})
        assert refused.status_code == 400, note[:20]
    assert not BreakGlassReview.objects.exists()
    answer = client.post("/audit/break-glass/", form)
    assert answer.status_code == 302
    review = BreakGlassReview.objects.get()
    assert (review.entry, review.reviewer, review.note) == (
        entry,
        account("auditor"),
        form[f"e{entry.pk}-note"],
    )
    again = client.post("/audit/break-glass/", form, follow=True)
    assert "已经审核过" in again.text
    assert BreakGlassReview.objects.count() == 1
    page = client.get("/audit/break-glass/").text
    assert "每一次紧急调阅都已审核" in page
    reviewed = page.split('id="reviewed"')[1].split("</table>")[0]
    assert "auditor" in reviewed
    assert form[f"e{entry.pk}-note"] in reviewed
    # The entry itself is unchanged; the review is audited.
    assert AuditEntry.objects.get(pk=entry.pk).reason == REASON
    logged = AuditEntry.objects.get(action="centre.break_glass_review.created")
    assert (logged.target_type, logged.target_id) == ("centre.auditentry", str(entry.pk))
    assert logged.ip_address == "127.0.0.1"


def test_only_break_glass_entries_are_reviewed_and_only_by_auditors(client, alice_case):
    entry = break_glass(client, alice_case)
    note = {"entry": entry.pk, f"e{entry.pk}-note": "已核对：热线来电记录与原因一致。"}
    for username in OTHER_ROLES:
        switch_to(client, username)
        for url in ("/audit/", "/audit/export.xlsx", "/audit/break-glass/"):
            assert client.get(url).status_code == 404, (username, url)
        assert client.post("/audit/break-glass/", note).status_code == 404, username
    assert not BreakGlassReview.objects.exists()
    switch_to(client, "auditor")
    sign_in_entry = AuditEntry.objects.filter(action="centre.session.login").latest("id")
    for entry_id in (sign_in_entry.pk, 10**17, "²"):
        answer = client.post(
            "/audit/break-glass/",
            {"entry": entry_id, f"e{entry_id}-note": note[f"e{entry.pk}-note"]},
        )
        assert answer.status_code in (404, 400), entry_id
    assert not BreakGlassReview.objects.exists()


def test_a_review_is_append_only_like_the_log(client, alice_case, account):
    entry = break_glass(client, alice_case)
    review = BreakGlassReview.objects.create(
        entry=entry, reviewer=account("auditor"), note="已核对：原因与来电一致。"
    )
    with pytest.raises(PermissionError):
        review.save()
    with pytest.raises(PermissionError):
        BreakGlassReview.objects.filter(pk=review.pk).update(note="changed")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE centre_breakglassreview SET note = 'x' WHERE id = %s", [review.pk])
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM centre_breakglassreview WHERE id = %s", [review.pk])


def test_the_auditors_pages_take_a_fixed_number_of_queries(client, alice_case, bob_case):
    for case in (alice_case, bob_case):
        break_glass(client, case)
    switch_to(client, "auditor")
    filtered = f"/audit/?record_type=counselling.case&record_id={alice_case.pk}&reads=on"
    counts = {
        "log": count_queries(client, "/audit/"),
        "filtered": count_queries(client, filtered),
        "break-glass": count_queries(client, "/audit/break-glass/"),
    }
    assert counts == {"log": 8, "filtered": 8, "break-glass": 9}
    entry = AuditEntry.objects.filter(action="counselling.case.break_glass").latest("id")
    client.post(
        "/audit/break-glass/",
        {"entry": entry.pk, f"e{entry.pk}-note": "已核对：热线来电记录与原因一致。"},
    )
    for _ in range(20):
        switch_to(client, "counsellor")
        client.get(f"/counselling/cases/{alice_case.pk}/")
    switch_to(client, "auditor")
    assert count_queries(client, "/audit/") == counts["log"]
    assert count_queries(client, filtered) == counts["filtered"]
    assert count_queries(client, "/audit/break-glass/") == counts["break-glass"]


def test_a_printed_referral_letter_is_found_by_its_record_and_is_a_read(
    client, alice_case, alice_referral
):
    sign_in(client, "counsellor")
    assert client.get(f"/counselling/referrals/{alice_referral.pk}/letter/").status_code == 200
    switch_to(client, "auditor")
    page = client.get("/audit/")
    options = page.text.split('name="record_type"')[1].split("</select>")[0]
    assert 'value="counselling.referral"' in options
    query = {"record_type": "counselling.referral", "record_id": alice_referral.pk}
    by_record = client.get("/audit/", query)
    assert by_record.status_code == 200
    printed = [row for row in entry_rows(by_record.text) if "打印" in row]
    assert len(printed) == 1
    # "Reads only" keeps the printout (a read of the letter, written by audit_read) and drops
    # the referral's creation.
    reads = client.get("/audit/", {**query, "reads": "on"})
    rows = entry_rows(reads.text)
    assert len(rows) == 1
    assert "打印" in rows[0]


def test_the_waiting_list_is_paged_oldest_first_beside_the_reviewed(client, alice_case):
    """Issue 13: the waiting list was cut at 200, unpaged; it now pages by position (its own
    `waiting-` parameters), the reviewed list keeping its place."""
    from centre.audit import BREAK_GLASS_ACTION, audit_log

    with time_machine.travel(at(2026, 11, 1, 9), tick=True):
        entries = [
            audit_log(actor=None, action=BREAK_GLASS_ACTION, target=alice_case, reason=REASON)
            for _ in range(53)
        ]
    switch_to(client, "auditor")

    def waiting_ids(html: str) -> list[int]:
        waiting = html.split('id="waiting"')[1].split("</ul>")[0]
        return [int(found) for found in re.findall(r'id="access-(\d+)"', waiting)]

    first = client.get("/audit/break-glass/")
    assert first.status_code == 200
    assert waiting_ids(first.text) == [entry.pk for entry in entries[:50]]
    older = re.search(r'href="\?waiting-older=([^"]+)" rel="next"', first.text)
    assert older, "no link to the rest of the waiting list"
    second = client.get(f"/audit/break-glass/?waiting-older={older.group(1)}")
    assert waiting_ids(second.text) == [entry.pk for entry in entries[50:]]
    newer = re.search(r'href="\?waiting-newer=([^"]+)" rel="prev"', second.text)
    assert newer
    back = client.get(f"/audit/break-glass/?waiting-newer={newer.group(1)}")
    assert waiting_ids(back.text) == waiting_ids(first.text)
    for forged in ("x", "2026-11-01T09:00:00+00:00~²", "\x00", "9" * 10_000):
        answer = client.get("/audit/break-glass/", {"waiting-older": forged})
        assert answer.status_code == 400, forged[:20]


def test_the_log_is_exported_as_csv_excel_reads_audited_like_the_xlsx(client, alice_case):
    """Issue 13: a CSV beside the XLSX — UTF-8 with a BOM (Chinese Excel), no formula run."""
    import csv
    import io

    from centre.audit import audit_log

    hostile = '=HYPERLINK("http://evil.example","点我")'
    audit_log(actor=None, action="counselling.case.viewed", target=alice_case, reason=hostile)
    audit_log(actor=None, action="counselling.case.viewed", target=alice_case, reason="a\x07b")
    switch_to(client, "auditor")
    params = {"record_type": "counselling.case", "record_id": str(alice_case.pk)}
    page = client.get("/audit/", params).text
    assert 'href="/audit/export.csv?record_type=counselling.case&amp;record_id=' in page
    answer = client.get("/audit/export.csv", params)
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/csv")
    assert 'filename="audit-log-' in answer["Content-Disposition"]
    assert answer["Content-Disposition"].endswith('.csv"')
    assert answer.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["时间", "用户", "操作"]
    assert all(row[4] == f"个案档案 #{alice_case.pk}" for row in rows[1:])
    reasons = {row[7] for row in rows[1:]}
    assert "'" + hostile in reasons
    assert hostile not in reasons
    assert "a\ufffdb" in reasons
    export = AuditEntry.objects.get(action="centre.audit_log.exported")
    assert export.data["filters"] == params
    assert export.data["rows"] == len(rows) - 1
    assert export.data["file"].endswith(".csv")
    assert export.ip_address == "127.0.0.1"
    bad = client.get("/audit/export.csv", {"since": "0001-13-01"})
    assert bad.status_code == 400
    for username in OTHER_ROLES:
        switch_to(client, username)
        assert client.get("/audit/export.csv", params).status_code == 404, username
    assert AuditEntry.objects.filter(action="centre.audit_log.exported").count() == 1


@pytest.mark.parametrize("url", ["/audit/export.csv", "/audit/export.xlsx"])
def test_a_hostile_reads_tick_exports_and_is_recorded_as_on(client, alice_case, url):
    """The 'reads only' box takes any value as yes: a NUL or 10,000 characters in it must not
    reach the export's audit entry as typed (Postgres refuses a NUL in JSON: a 500)."""
    switch_to(client, "auditor")
    for value in ("\x00", "x" * 10_000):
        answer = client.get(url, {"reads": value})
        assert answer.status_code == 200
        export = AuditEntry.objects.filter(action="centre.audit_log.exported").latest("id")
        assert export.data["filters"] == {"reads": "on"}
    client.get(url, {"reads": "false", "user": "counsellor"})
    export = AuditEntry.objects.filter(action="centre.audit_log.exported").latest("id")
    assert export.data["filters"] == {"user": "counsellor"}
