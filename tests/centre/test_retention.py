"""Retention by record type (centre.retention, DOMAIN.md §5.5): with the clock at NOW, each
type has a row a day past its window (it goes) and a row a day inside it (it stays); a dry run
counts and changes nothing; erasure reaches guardian grants, reminders and their notifications
and the uploaded roster files; every run is an audit entry of counts; the summed statistics of
the erased months stay what they were."""

from __future__ import annotations

import datetime
import json
import os
from io import StringIO

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.utils import timezone
from guardian.shortcuts import assign_perm

from centre import statistics
from centre.models import AuditEntry, Notification, Reminder, StaleMonth
from centre.retention import cutoff, policies, retention_run
from counselling.models import Case, CaseUserObjectPermission, Client, Consent, Guardian
from hotline.models import Call
from screening.models import Campaign, RosterImport, ScreeningResult, Student
from tests.support.clock import at
from tests.support.process import run_python

NOW = at(2026, 6, 15)
DAY = datetime.timedelta(days=1)


def policy(record_type: str):
    return next(policy for policy in policies() if policy.record_type == record_type)


def boundary(record_type: str) -> tuple[datetime.datetime, datetime.datetime]:
    """(a day past the window, a day inside it) for the type, at NOW."""
    moment = cutoff(policy(record_type), now=NOW)
    return moment - DAY, moment + DAY


def test_the_windows_are_the_legal_minimums_by_default():
    assert cutoff(policy("counselling.case"), now=NOW) == at(2016, 6, 15)
    assert cutoff(policy("hotline.call"), now=NOW) == at(2023, 6, 15)
    assert cutoff(policy("screening.screeningresult"), now=NOW) == at(2025, 6, 15)
    # A consent outlives the case files it covers by 3 years.
    assert cutoff(policy("counselling.client"), now=NOW) == at(2013, 6, 15)
    assert cutoff(policy("centre.auditentry"), now=NOW) == at(2023, 6, 15)


@pytest.mark.parametrize(
    ("name", "below"),
    [
        ("COUNSELLING_RETENTION_YEARS", "9"),
        ("SCREENING_ITEM_RETENTION_MONTHS", "11"),
        ("CONSENT_RETENTION_YEARS", "2"),
        ("AUDIT_RETENTION_YEARS", "2"),
    ],
)
def test_start_up_stops_below_a_legal_minimum(tmp_path, name, below):
    environment = dict(os.environ)
    environment.update({name: below, "PORTAL_VAR_DIR": str(tmp_path)})
    finished = run_python("manage.py", "check", env=environment)
    assert finished.returncode == 1
    assert finished.stderr.strip().startswith(f"Configuration error: {name}")


@pytest.fixture
def closed_cases(make_case, alice):
    """Two of alice's cases: one closed a day past the 10 years, one a day inside them."""
    past, inside = boundary("counselling.case")
    cases = {}
    for name, closed_at in (("past", past), ("inside", inside)):
        case = make_case(counsellor=alice)
        Case.objects.filter(pk=case.pk).update(
            opened_at=closed_at - 30 * DAY, closed_at=closed_at, status=Case.Status.CLOSED
        )
        cases[name] = Case.objects.get(pk=case.pk)
    return cases


@pytest.fixture
def calls(make_call, operator):
    """Two calls: one a day past the 3 years, one a day inside them."""
    past, inside = boundary("hotline.call")
    made = {}
    for name, moment in (("past", past), ("inside", inside)):
        with time_machine.travel(moment, tick=False):
            made[name] = make_call(operator, ended_at=moment + datetime.timedelta(minutes=5))
    return made


@pytest.fixture
def operator(account):
    return account("operator")


@pytest.fixture
def make_call():
    from hotline.services import call_save, call_start

    def make(operator, **fields):
        call = call_start(actor=operator)
        return call_save(
            actor=operator,
            call=call,
            expected_version=call.version,
            contact_type="child_about_self",
            **fields,
        )

    return make


def student(school, number: str) -> Student:
    return Student.objects.create(school=school, student_no=number, full_name=f"学生{number}")


def result(campaign, number: str, **fields) -> ScreeningResult:
    return ScreeningResult.objects.create(
        campaign=campaign,
        student=student(campaign.school, number),
        answers={"PHQ-A": [0, 1, 0, 0, 0, 0, 0, 0, 0]},
        scores={"PHQ-A": {"total": 1, "items": [0, 1]}},
        phq_total=1,
        **fields,
    )


@pytest.fixture
def campaigns(school, account):
    """Two closed campaigns, one closed a day past the 12 months, one a day inside; each with an
    unflagged result, a flagged one, and an uploaded roster file."""
    past, inside = boundary("screening.screeningresult")
    made = {}
    for name, moment in (("past", past), ("inside", inside)):
        closes_on = moment.date()
        campaign = Campaign.objects.create(
            school=school,
            name=f"筛查 {name}",
            instruments=["PHQ-A"],
            opens_on=closes_on - 30 * DAY,
            closes_on=closes_on,
            liaison=account("liaison"),
        )
        roster = RosterImport.objects.create(
            campaign=campaign, uploaded_by=account("liaison"), original_name="roster.csv"
        )
        roster.file.save("roster.csv", ContentFile("学号,姓名\n1,张三\n".encode()))
        made[name] = {
            "campaign": campaign,
            "unflagged": result(campaign, f"{name}-1"),
            "flagged": result(campaign, f"{name}-2", tier="yellow", score_tier="yellow"),
            "roster": roster,
        }
    return made


def test_a_dry_run_counts_each_type_and_changes_nothing(closed_cases, calls, campaigns):
    with time_machine.travel(NOW, tick=False):
        counts = retention_run(dry_run=True)
    assert counts["counselling.case"] == 1
    assert counts["hotline.call"] == 1
    assert counts["screening.screeningresult"] == 1
    assert counts["screening.rosterimport"] == 1
    assert Case.objects.filter(pk=closed_cases["past"].pk).exists()
    assert Call.objects.filter(pk=calls["past"].pk).exists()
    assert ScreeningResult.objects.get(pk=campaigns["past"]["unflagged"].pk).answers
    entry = AuditEntry.objects.get(action="centre.retention.previewed")
    assert entry.data["counts"] == counts


def test_the_command_reports_counts_per_type_never_names(closed_cases):
    output = StringIO()
    with time_machine.travel(NOW, tick=False):
        call_command("retention", "--dry-run", "--json", stdout=output)
    report = json.loads(output.getvalue())
    assert report["dry_run"] is True
    assert report["counts"]["counselling.case"] == 1
    assert closed_cases["past"].client.full_name not in output.getvalue()
    assert Case.objects.filter(pk=closed_cases["past"].pk).exists()
    with time_machine.travel(NOW, tick=False):
        call_command("retention", "--dry-run", stdout=(text := StringIO()))
    assert "counselling.case" in text.getvalue()
    assert "would go" in text.getvalue()


def test_case_files_go_a_day_past_the_window_and_stay_a_day_inside(closed_cases, alice):
    past, inside = closed_cases["past"], closed_cases["inside"]
    assert CaseUserObjectPermission.objects.filter(content_object=past).exists()
    with time_machine.travel(NOW, tick=False):
        counts = retention_run(dry_run=False)
    assert counts["counselling.case"] == 1
    assert not Case.objects.filter(pk=past.pk).exists()
    assert Case.objects.filter(pk=inside.pk).exists()
    # The direct-FK guardian grants went with the case; the inside case keeps its own.
    assert not CaseUserObjectPermission.objects.filter(content_object_id=past.pk).exists()
    assert CaseUserObjectPermission.objects.filter(content_object=inside).exists()
    # The child's registration and consents stay 3 more years, knowing when the file closed.
    client = Client.objects.get(pk=past.client_id)
    assert client.last_case_closed_at == past.closed_at
    assert Consent.objects.filter(client=client).exists()
    entry = AuditEntry.objects.get(action="centre.retention.applied")
    assert entry.data["counts"] == counts
    assert entry.target_id == ""


def reminder_about(record, *, recipient) -> Reminder:
    """An inbox reminder about `record` (its type and id), as the services plan them."""
    return Reminder.objects.create(
        idempotency_key=f"retention-{record._meta.label_lower}-{record.pk}",
        channel=Reminder.Channel.INBOX,
        due_at=NOW,
        recipient=recipient,
        template="follow_up_due",
        target_type=record._meta.label_lower,
        target_id=str(record.pk),
    )


def test_erasure_reaches_reminders_notifications_and_generic_grants(closed_cases, alice):
    past, inside = closed_cases["past"], closed_cases["inside"]
    follow_up = past.follow_ups.create(due_at=past.closed_at, step="7d")
    reminders = {}
    for name, case in (("past", past), ("inside", inside)):
        reminders[name] = reminder_about(case, recipient=alice)
        Notification.objects.create(user=alice, reminder=reminders[name], title="提醒")
    about_follow_up = reminder_about(follow_up, recipient=alice)
    # A generic grant (no direct-FK table) on the child: nothing cascades to it.
    assign_perm("counselling.view_client", alice, past.client)
    with time_machine.travel(NOW, tick=False):
        retention_run(dry_run=False)
    assert not Reminder.objects.filter(pk=reminders["past"].pk).exists()
    assert not Reminder.objects.filter(pk=about_follow_up.pk).exists()
    assert not Notification.objects.filter(reminder_id=reminders["past"].pk).exists()
    assert Notification.objects.filter(reminder=reminders["inside"]).exists()
    # The client stays (consents), so does its grant; erase the client to see the grant go.
    from guardian.models import UserObjectPermission

    client_grants = UserObjectPermission.objects.filter(object_pk=str(past.client_id))
    assert client_grants.exists()
    Client.objects.filter(pk=past.client_id).update(
        last_case_closed_at=boundary("counselling.client")[0]
    )
    with time_machine.travel(NOW, tick=False):
        counts = retention_run(dry_run=False)
    assert counts["counselling.client"] == 1
    assert not Client.objects.filter(pk=past.client_id).exists()
    assert not Guardian.objects.filter(client_id=past.client_id).exists()
    assert not Consent.objects.filter(client_id=past.client_id).exists()
    assert not client_grants.exists()


def test_registrations_go_three_years_after_their_last_case_file(closed_cases):
    past, inside = boundary("counselling.client")
    kept = closed_cases["inside"].client
    gone = closed_cases["past"].client
    Case.objects.filter(client__in=[kept, gone]).delete()
    Client.objects.filter(pk=gone.pk).update(last_case_closed_at=past)
    Client.objects.filter(pk=kept.pk).update(last_case_closed_at=inside)
    with time_machine.travel(NOW, tick=False):
        counts = retention_run(dry_run=False)
    assert counts["counselling.client"] == 1
    assert not Client.objects.filter(pk=gone.pk).exists()
    assert Client.objects.filter(pk=kept.pk).exists()
    assert Consent.objects.filter(client=kept).exists()


def test_calls_go_a_day_past_three_years_and_stay_a_day_inside(calls):
    with time_machine.travel(NOW, tick=False):
        counts = retention_run(dry_run=False)
    assert counts["hotline.call"] == 1
    assert not Call.objects.filter(pk=calls["past"].pk).exists()
    assert Call.objects.filter(pk=calls["inside"].pk).exists()


def test_unflagged_answers_are_de_identified_and_roster_files_removed(
    campaigns, django_capture_on_commit_callbacks
):
    past, inside = campaigns["past"], campaigns["inside"]
    past_file = past["roster"].file.name
    assert default_storage.exists(past_file)
    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        counts = retention_run(dry_run=False)
        assert default_storage.exists(past_file)  # until the run commits
    assert counts["screening.screeningresult"] == 1
    assert counts["screening.rosterimport"] == 1
    unflagged = ScreeningResult.objects.get(pk=past["unflagged"].pk)
    assert unflagged.answers == {}
    assert unflagged.scores == {}
    assert unflagged.phq_total == 1  # the total stays for the counts
    assert ScreeningResult.objects.get(pk=past["flagged"].pk).answers
    assert ScreeningResult.objects.get(pk=inside["unflagged"].pk).answers
    assert not default_storage.exists(past_file)
    assert RosterImport.objects.get(pk=past["roster"].pk).file.name == ""
    assert default_storage.exists(inside["roster"].file.name)


def test_audit_entries_past_the_window_are_counted_and_kept(db):
    with time_machine.travel(boundary("centre.auditentry")[0], tick=False):
        old = AuditEntry.objects.create(action="centre.test.old")
    with time_machine.travel(NOW, tick=False):
        counts = retention_run(dry_run=False)
    assert counts["centre.auditentry"] >= 1
    assert AuditEntry.objects.filter(pk=old.pk).exists()


def test_the_summed_figures_of_erased_months_stay_what_they_were(calls, settings):
    settings.CENTRE_OPENED_MONTH = "2023-01"
    window = statistics.Window.parse("2023-06", "2023-06")
    with time_machine.travel(NOW, tick=False):
        statistics.rollup_refresh()
        before = statistics.figures(window)
        assert before["hotline_calls"] == 2
        retention_run(dry_run=False)
        assert not StaleMonth.objects.filter(month=datetime.date(2023, 6, 1)).exists()
        statistics.rollup_refresh()
        after = statistics.figures(window)
    assert not Call.objects.filter(pk=calls["past"].pk).exists()
    assert after["hotline_calls"] == before["hotline_calls"]
    # Changes after the run are marked again as always.
    Call.objects.filter(pk=calls["inside"].pk).delete()
    assert StaleMonth.objects.filter(month=datetime.date(2023, 6, 1)).exists()


def test_the_beat_applies_retention_monthly(db):
    from django_celery_beat.models import PeriodicTask

    entry = PeriodicTask.objects.get(task="centre.tasks.apply_retention")
    assert entry.crontab.day_of_month == "2"
    assert entry.crontab.hour == "3"


def test_a_real_worker_applies_retention_on_the_stats_queue(celery_worker, make_call, operator):
    from centre.tasks import apply_retention
    from tests.support.worker import wait_for

    call = make_call(operator)
    past = cutoff(policy("hotline.call"), now=timezone.now()) - DAY
    Call.objects.filter(pk=call.pk).update(started_at=past, ended_at=past)
    apply_retention.delay()
    wait_for(lambda: AuditEntry.objects.filter(action="centre.retention.applied").exists())
    assert not Call.objects.filter(pk=call.pk).exists()
    entry = AuditEntry.objects.get(action="centre.retention.applied")
    assert entry.data["counts"]["hotline.call"] == 1


# --- Statistics of months before the roll-up's horizon -------------------------------------


def test_an_old_months_figures_stay_when_its_records_go_whatever_the_opening_month(calls, settings):
    # The centre "opened" long after the calls: their month, 2023-06, is before the roll-up's
    # horizon and was counted from the records until retention rolled it up.
    settings.CENTRE_OPENED_MONTH = "2026-01"
    window = statistics.Window.parse("2023-06", "2023-06")
    with time_machine.travel(NOW, tick=False):
        statistics.rollup_refresh()
        before = statistics.figures(window)
        trend_before = statistics.trend(window)
        assert before["hotline_calls"] == 2
        retention_run(dry_run=False)
        statistics.rollup_refresh()
        after = statistics.figures(window)
        trend_after = statistics.trend(window)
    assert not Call.objects.filter(pk=calls["past"].pk).exists()
    assert after["hotline_calls"] == before["hotline_calls"] == 2
    assert trend_after == trend_before


# --- Batches: short transactions, resumable ------------------------------------------------


def bulk_calls(count: int, *, started_at: datetime.datetime, operator) -> list[int]:
    """`count` saved calls picked up at `started_at`, in one INSERT; their ids in order."""
    calls = Call.objects.bulk_create(
        Call(
            site=operator.site,
            operator=operator,
            started_at=started_at,
            ended_at=started_at + datetime.timedelta(minutes=5),
            status=Call.Status.SAVED,
            contact_type="child_about_self",
        )
        for _ in range(count)
    )
    return sorted(call.pk for call in calls)


REFUSE_DELETE = """
CREATE FUNCTION retention_test_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'retention test: this call cannot go'; END $$;
CREATE TRIGGER retention_test_refuse BEFORE DELETE ON hotline_call
FOR EACH ROW WHEN (OLD.id = %s) EXECUTE FUNCTION retention_test_refuse();
"""


@pytest.fixture
def refused_delete():
    """Make one call's DELETE fail in the database, as a broken row or a lost connection would."""
    from django.db import connection

    def refuse(call_id: int) -> None:
        with connection.cursor() as cursor:
            cursor.execute(REFUSE_DELETE % int(call_id))

    yield refuse
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER IF EXISTS retention_test_refuse ON hotline_call")
        cursor.execute("DROP FUNCTION IF EXISTS retention_test_refuse()")


def erased_batches(record_type: str) -> list[int]:
    entries = AuditEntry.objects.filter(action="centre.retention.erased").order_by("id")
    return [entry.data["count"] for entry in entries if entry.data["record_type"] == record_type]


def test_a_run_commits_in_batches_and_a_failure_leaves_the_rest_for_the_next_run(
    transactional_db, demo_network, account, settings, refused_delete
):
    from django.db import DatabaseError, connection

    settings.RETENTION_BATCH_ROWS = 1000
    operator = account("operator")
    past = boundary("hotline.call")[0]
    ids = bulk_calls(2500, started_at=past, operator=operator)
    kept = bulk_calls(3, started_at=boundary("hotline.call")[1], operator=operator)
    refused_delete(ids[1499])  # in the second batch
    with time_machine.travel(NOW, tick=False), pytest.raises(DatabaseError):
        retention_run(dry_run=False)
    # The first batch is committed and audited; the failing batch rolled back whole.
    assert Call.objects.filter(pk__in=ids).count() == 1500
    assert not Call.objects.filter(pk__in=ids[:1000]).exists()
    assert erased_batches("hotline.call") == [1000]
    failed = AuditEntry.objects.get(action="centre.retention.failed")
    assert failed.data["stopped_at"] == "hotline.call"
    assert failed.data["counts"]["hotline.call"] == 1000
    # The row is repaired: the next run carries on from there.
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER retention_test_refuse ON hotline_call")
    with time_machine.travel(NOW, tick=False):
        counts = retention_run(dry_run=False)
    assert counts["hotline.call"] == 1500
    assert erased_batches("hotline.call") == [1000, 1000, 500]
    assert not Call.objects.filter(pk__in=ids).exists()
    assert Call.objects.filter(pk__in=kept).count() == 3


# --- Attacks ----------------------------------------------------------------------------------


def row_counts() -> dict[str, int]:
    """Every table's row count."""
    from django.db import connection

    with connection.cursor() as cursor:
        counts = {}
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f'SELECT count(*) FROM "{table}"')  # noqa: S608 - names from the catalogue
            counts[table] = cursor.fetchone()[0]
    return counts


def test_a_dry_run_writes_nothing_but_its_own_audit_entry(closed_cases, calls, campaigns):
    before = row_counts()
    files = [made["roster"].file.name for made in campaigns.values()]
    with time_machine.travel(NOW, tick=False):
        counts = retention_run(dry_run=True)
    assert counts["counselling.case"] == counts["hotline.call"] == 1
    after = row_counts()
    assert after.pop("centre_auditentry") == before.pop("centre_auditentry") + 1
    assert after == before
    assert AuditEntry.objects.filter(action__startswith="centre.retention.").count() == 1
    assert all(default_storage.exists(name) for name in files)
    assert ScreeningResult.objects.get(pk=campaigns["past"]["unflagged"].pk).answers


def test_a_second_run_does_nothing(closed_cases, calls, campaigns):
    with time_machine.travel(NOW, tick=False):
        first = retention_run(dry_run=False)
        between = row_counts()
        second = retention_run(dry_run=False)
    assert first["counselling.case"] == first["hotline.call"] == 1
    assert {name: count for name, count in second.items() if name != "centre.auditentry"} == {
        name: 0 for name in second if name != "centre.auditentry"
    }
    after = row_counts()
    # The second run's summary entry, and nothing else: no batch was written.
    assert after.pop("centre_auditentry") == between.pop("centre_auditentry") + 1
    assert after == between


def test_an_erasure_is_audited_by_type_and_count_never_by_what_went(closed_cases, calls):
    from centre.models import AuditRecord

    gone = closed_cases["past"]
    with time_machine.travel(NOW, tick=False):
        retention_run(dry_run=False)
    entries = AuditEntry.objects.filter(action__startswith="centre.retention.")
    assert {entry.action for entry in entries} == {
        "centre.retention.erased",
        "centre.retention.applied",
    }
    for entry in entries:
        assert entry.target_type == entry.target_id == ""
        assert set(entry.data) in ({"record_type", "count"}, {"counts", "at"})
        assert gone.client.full_name not in json.dumps(entry.data, ensure_ascii=False)
    assert not AuditRecord.objects.filter(entry__in=entries).exists()
    assert erased_batches("counselling.case") == [1]
    assert erased_batches("hotline.call") == [1]


def test_an_open_crisis_or_case_is_never_erased(calls, closed_cases, operator, make_case, alice):
    from hotline.models import CrisisAlert

    past_call = calls["past"]
    open_alert = CrisisAlert.objects.create(
        site=past_call.site,
        call=past_call,
        raised_by=operator,
        raised_at=past_call.started_at,
        acknowledge_by=past_call.started_at,
        status=CrisisAlert.Status.ACKNOWLEDGED,
    )
    # A call of the same day about a case file still open stays with it.
    (with_case,) = bulk_calls(1, started_at=past_call.started_at, operator=operator)
    open_case = make_case(counsellor=alice)
    Call.objects.filter(pk=with_case).update(case=open_case)
    # A case closed past the window and reopened: open, whatever its old closing moment says.
    reopened = closed_cases["past"]
    Case.objects.filter(pk=reopened.pk).update(status=Case.Status.ACTIVE)
    with time_machine.travel(NOW, tick=False):
        counts = retention_run(dry_run=False)
    assert counts["hotline.call"] == counts["hotline.crisisalert"] == 0
    assert counts["counselling.case"] == 0
    assert Call.objects.filter(pk__in=[past_call.pk, with_case]).count() == 2
    assert CrisisAlert.objects.filter(pk=open_alert.pk).exists()
    assert Case.objects.filter(pk=reopened.pk).exists()
    # Once the crisis is closed, the call and its alert go at the next run.
    CrisisAlert.objects.filter(pk=open_alert.pk).update(status=CrisisAlert.Status.CLOSED)
    with time_machine.travel(NOW, tick=False):
        counts = retention_run(dry_run=False)
    assert counts["hotline.crisisalert"] == 1
    assert counts["hotline.call"] == 1
    assert not Call.objects.filter(pk=past_call.pk).exists()
    assert Call.objects.filter(pk=with_case).exists()


def test_a_calls_generic_grants_and_the_flag_on_its_number_go(calls, operator, alice):
    from guardian.models import UserObjectPermission

    from hotline.models import CallerFlag

    past, inside = calls["past"], calls["inside"]
    for call in (past, inside):
        assign_perm("hotline.view_call", alice, call)
    flags = {
        name: CallerFlag.objects.create(
            site=operator.site,
            until=moment,
            set_by=operator,
            call=past,
        )
        for name, moment in zip("ab", boundary("hotline.callerflag"), strict=True)
    }
    with time_machine.travel(NOW, tick=False):
        counts = retention_run(dry_run=False)
    assert counts["hotline.callerflag"] == 1
    assert not CallerFlag.objects.filter(pk=flags["a"].pk).exists()
    assert CallerFlag.objects.get(pk=flags["b"].pk).call_id is None  # its call went
    grants = UserObjectPermission.objects.filter(content_type__model="call")
    assert set(grants.values_list("object_pk", flat=True)) == {str(inside.pk)}


def test_retention_never_deletes_an_audit_entry(closed_cases, calls):
    from centre.audit_chain import audit_chain_seal, audit_chain_verify

    with time_machine.travel(boundary("centre.auditentry")[0], tick=False):
        old = AuditEntry.objects.create(action="centre.test.old")
    before = AuditEntry.objects.count()
    with time_machine.travel(NOW, tick=False):
        counts = retention_run(dry_run=False)
    assert counts["centre.auditentry"] >= 1
    assert AuditEntry.objects.filter(pk=old.pk).exists()
    assert AuditEntry.objects.count() > before
    audit_chain_seal()
    assert audit_chain_verify().ok


# --- Legal holds ------------------------------------------------------------------------------


@pytest.fixture
def hold(account):
    from centre.legal_holds import legal_hold_place

    def place(record, reason: str = "法院调取 2026-17"):
        return legal_hold_place(
            actor=account("auditor"),
            target_type=record._meta.label_lower,
            target_id=str(record.pk),
            reason=reason,
        )

    return place


def test_a_held_record_is_never_erased_nor_what_would_take_it_along(
    closed_cases, calls, hold, account
):
    from centre.legal_holds import legal_hold_release
    from counselling.models import FollowUp

    past_case = closed_cases["past"]
    held_follow_up = past_case.follow_ups.create(due_at=past_case.closed_at, step="7d")
    hold(held_follow_up)  # erasing the case would cascade to it: the case stays whole
    call_hold = hold(calls["past"])
    output = StringIO()
    with time_machine.travel(NOW, tick=False):
        call_command("retention", stdout=output)
    assert Case.objects.filter(pk=past_case.pk).exists()
    assert FollowUp.objects.filter(pk=held_follow_up.pk).exists()
    assert Call.objects.filter(pk=calls["past"].pk).exists()
    assert "kept: legal hold" in output.getvalue()
    applied = AuditEntry.objects.get(action="centre.retention.applied")
    assert applied.data["counts"]["counselling.case"] == 0
    assert applied.data["counts"]["hotline.call"] == 0
    # Released, the call goes at the next run; the case still waits for its follow-up's hold.
    legal_hold_release(actor=account("auditor"), hold=call_hold)
    with time_machine.travel(NOW, tick=False):
        counts = retention_run(dry_run=False)
    assert counts["hotline.call"] == 1
    assert not Call.objects.filter(pk=calls["past"].pk).exists()
    assert Case.objects.filter(pk=past_case.pk).exists()


def test_a_hold_on_the_child_keeps_their_case_files_and_registration(closed_cases, hold):
    past_case = closed_cases["past"]
    hold(past_case.client)
    Client.objects.filter(pk=past_case.client_id).update(
        last_case_closed_at=boundary("counselling.client")[0]
    )
    with time_machine.travel(NOW, tick=False):
        dry = retention_run(dry_run=True)
        counts = retention_run(dry_run=False)
    assert dry["counselling.case"] == counts["counselling.case"] == 0
    assert Case.objects.filter(pk=past_case.pk).exists()
    assert Client.objects.filter(pk=past_case.client_id).exists()


def test_only_an_auditor_places_a_hold_on_a_record_that_exists_once(
    closed_cases, hold, account, alice
):
    from django.core.exceptions import PermissionDenied

    from centre.errors import ConflictError, NotFoundError, ServiceError
    from centre.legal_holds import legal_hold_place

    case = closed_cases["past"]
    for who in (alice, account("admin"), account("stats")):
        with pytest.raises(PermissionDenied):
            legal_hold_place(
                actor=who, target_type="counselling.case", target_id=str(case.pk), reason="x"
            )
    for target_type, target_id in (
        ("counselling.case", "999999999"),
        ("counselling.case", "not a number"),
        ("nowhere.record", "1"),
        ("counselling", "1"),
    ):
        with pytest.raises(NotFoundError):
            legal_hold_place(
                actor=account("auditor"),
                target_type=target_type,
                target_id=target_id,
                reason="x",
            )
    with pytest.raises(ServiceError):
        hold(case, reason="   ")
    placed = hold(case)
    with pytest.raises(ConflictError):
        hold(case)
    entry = AuditEntry.objects.get(action="centre.legal_hold.placed")
    assert entry.data == {"target_type": "counselling.case", "target_id": str(case.pk)}
    assert entry.target_id == str(placed.pk)


def test_the_command_places_lists_and_releases_holds(closed_cases, account):
    case = closed_cases["past"]
    output = StringIO()
    call_command(
        "legal_hold", "--by", "auditor", "place", "counselling.case", str(case.pk),
        "--reason", "投诉调查", stdout=output,
    )  # fmt: skip
    call_command("legal_hold", "--by", "auditor", "list", stdout=output)
    assert f"counselling.case {case.pk}" in output.getvalue()
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="not an auditor"):
        call_command(
            "legal_hold", "--by", "counsellor", "release", "counselling.case", str(case.pk)
        )
    call_command("legal_hold", "--by", "auditor", "release", "counselling.case", str(case.pk))
    assert AuditEntry.objects.filter(action="centre.legal_hold.released").count() == 1
