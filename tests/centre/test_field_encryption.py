"""Field-level encryption (centre/encryption.py): the system administrator's dump shows no
clinical text (counselling's, screening's, the hotline's) and no guardian's, child's or caller's
number; rotation re-encrypts everything
and every value reads back, and recomputes the blind indexes; the migrations encrypt in place
and decrypt backwards; encrypted columns are never searched or sorted; keys are refused when
they are weak, missing in production or SECRET_KEY again."""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models import CheckConstraint, Q
from django.test import override_settings
from django.utils import timezone

from centre import encryption
from centre.bulk import insert_rows
from centre.models import Reminder
from centre.settings import environment as env
from counselling import services
from counselling.models import (
    Case,
    CaseConference,
    Client,
    CounsellingSession,
    Guardian,
    Referral,
    RiskChange,
    SafetyPlan,
)
from hotline import services as hotline_services
from hotline.caller import caller_hash
from hotline.models import AlertEvent, Call, ShiftHandover
from hotline.selectors import caller_history
from screening import services as screening_services
from screening.models import ScreeningResult, Student, TierChange, TierRequest, TrackingTask
from tests.support.counselling import consent_to_reminders, session

OLD_KEY = "dGVzdC1vbmx5LWZpZWxkLWtleS0wMDAwMDAwMDAwMDA="  # centre.settings.test's
NEW_KEY = "bmV3LXRlc3Qta2V5LW9mLXRoZS1yb3RhdGlvbi0wMDA="
GUARDIAN_PHONE = "13912345678"

# One marker per encrypted value, each searched for in the raw rows of every table.
CLINICAL_TEXT = {
    "presenting_concerns": "标记甲：反复失眠，说活着没意思",
    "note_presenting": "标记乙：本周与同学冲突",
    "note_intervention": "标记丙：认知重构练习",
    "note_plan": "标记丁：两周后复诊",
    "warning_signs": "标记戊：把心爱的东西送人",
    "coping_strategies": "标记己：听音乐画画",
    "people_and_places": "标记庚：外婆家",
    "professional_contacts": "标记辛：医院急诊",
    "means_safety": "标记壬：家长收好药品",
    "reason": "标记癸：评估用药",
    "feedback_to_school": "可正常返校，标记子",
    "summary": "标记丑：来电者情绪激动，已安抚",
    "risk_reason": "标记寅：自述有具体自杀计划",
    "follow_up_outcome": "标记卯：回访时情绪平稳",
    "caller_name": "标记辰来电者",
    "alert_note": "标记巳：已派警到场",
    "callback_outcome": "标记午：回访已接通",
    "handover_note": "标记未：留意今晚的重复来电者",
    "conference_decisions": "标记申：该生每周随访，联系家长面谈",
    "tier_reason": "标记酉：访谈中自述有自伤念头",
    "tier_request_reason": "标记戌：复评后明显好转",
    "task_note": "标记亥：班主任见其课间独自哭泣",
}
# Numbers: the child's own, and the one a caller gave (typed with spaces, as callers give it).
CHILD_PHONE = "13698765432"
CALLER_PHONE = "137 1234 5678"
CALLER_DIGITS = "13712345678"


@pytest.fixture
def clinical_records(alice, alice_case, account, campaign, sam):
    """Every kind of encrypted value, written through the services as the pages write them."""
    case = alice_case
    services.case_update(
        actor=alice,
        case=case,
        expected_version=case.version,
        presenting_concerns=CLINICAL_TEXT["presenting_concerns"],
    )
    guardian = case.client.guardians.get()
    services.guardian_update(
        actor=alice, guardian=guardian, expected_version=guardian.version, phone=GUARDIAN_PHONE
    )
    # A follow-up done before the consent to reminders (so it has no text message of its own).
    done = services.follow_up_add(actor=alice, case=case, due_at=timezone.now())
    services.follow_up_record_outcome(
        actor=alice,
        follow_up=done,
        expected_version=done.version,
        attended=True,
        outcome=CLINICAL_TEXT["follow_up_outcome"],
    )
    consent_to_reminders(alice, case)
    services.follow_up_add(actor=alice, case=case, due_at=timezone.now() + datetime.timedelta(7))
    note_fields = ("note_presenting", "note_intervention", "note_plan")
    session(alice, case, timezone.now(), **{name: CLINICAL_TEXT[name] for name in note_fields})
    plan_fields = ["warning_signs", "coping_strategies", "people_and_places"]
    plan_fields += ["professional_contacts", "means_safety"]
    services.safety_plan_save(
        actor=alice, case=case, **{name: CLINICAL_TEXT[name] for name in plan_fields}
    )
    referral = services.referral_create(
        actor=alice, case=case, destination="school", reason=CLINICAL_TEXT["reason"]
    )
    Referral.objects.filter(pk=referral.pk).update(
        feedback_to_school=CLINICAL_TEXT["feedback_to_school"]
    )
    case.refresh_from_db()
    services.case_change_risk(
        actor=alice,
        case=case,
        level="moderate",
        reason=CLINICAL_TEXT["risk_reason"],
        expected_version=case.version,
    )
    Client.objects.filter(pk=case.client_id).update(phone=CHILD_PHONE)
    services.case_conference_record(
        actor=sam,
        site=sam.site,
        held_on=timezone.localdate(),
        participants=[sam, alice],
        cases=[case],
        decisions=CLINICAL_TEXT["conference_decisions"],
    )
    return SimpleNamespace(
        case=case, call=hotline_records(account), result=screening_records(campaign, account)
    )


def hotline_records(account) -> Call:
    """A call with its caller's name and number, an alert with a note, a callback with its
    outcome and a handover note, through hotline's services."""
    operator, crisis = account("operator"), account("crisis")
    call = Call.objects.create(
        site=operator.site,
        operator=operator,
        summary=CLINICAL_TEXT["summary"],
        caller_name=CLINICAL_TEXT["caller_name"],
        caller_phone=CALLER_PHONE,
        callback_wanted=True,
        callback_consent=True,
    )
    hotline_services.caller_flag_set(actor=operator, call=call, days=7)
    alert = hotline_services.raise_alert(actor=operator, call=call, site=operator.site)
    hotline_services.add_action(actor=crisis, alert=alert, note=CLINICAL_TEXT["alert_note"])
    callback = hotline_services.plan_callback(actor=operator, call=call)
    hotline_services.record_outcome(
        actor=operator,
        callback=callback,
        status="done",
        note=CLINICAL_TEXT["callback_outcome"],
        expected_version=callback.version,
    )
    hotline_services.handover_write(
        actor=operator,
        note=CLINICAL_TEXT["handover_note"],
        shift_ends_at=timezone.now() + datetime.timedelta(hours=2),
    )
    return call


def screening_records(campaign, account) -> ScreeningResult:
    """A flagged student's result with a tier raised (its reason), a request to lower it (its
    reason) and a class teacher's watch done with a note, through screening's services."""
    counsellor, liaison = account("counsellor"), account("liaison")
    student = Student.objects.create(school=campaign.school, student_no="E0001", full_name="加密")
    result = ScreeningResult.objects.create(
        campaign=campaign, student=student, answers={}, scores={}, tier="orange"
    )
    screening_services.result_change_tier(
        actor=counsellor, result=result, tier="red", reason=CLINICAL_TEXT["tier_reason"]
    )
    screening_services.result_change_tier(
        actor=counsellor, result=result, tier="blue", reason=CLINICAL_TEXT["tier_request_reason"]
    )
    watch = TrackingTask.objects.create(
        result=result, kind=TrackingTask.Kind.WATCH, due_at=timezone.now()
    )
    screening_services.task_complete(
        actor=liaison, task=watch, outcome="concern", note=CLINICAL_TEXT["task_note"]
    )
    return result


def raw_rows(table: str) -> list[str]:
    """Every row of `table` as the database holds it, one text a row (what a dump shows)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT t::text FROM {connection.ops.quote_name(table)} t")  # noqa: S608
        return [row[0] for row in cursor.fetchall()]


def raw_values(table: str, column: str) -> list[str]:
    quoted = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {quoted(column)} FROM {quoted(table)} WHERE {quoted(column)} <> ''"  # noqa: S608
        )
        return [row[0] for row in cursor.fetchall()]


def test_the_database_dump_shows_no_clinical_text_and_no_guardians_number(clinical_records):
    case = clinical_records.case
    markers = [*CLINICAL_TEXT.values(), GUARDIAN_PHONE, CHILD_PHONE, CALLER_PHONE, CALLER_DIGITS]
    for table in connection.introspection.table_names():
        dump = "\n".join(raw_rows(table))
        found = [marker for marker in markers if marker in dump]
        assert not found, f"{table} holds {found} in plain text"
    # …while the portal reads every one of them.
    plan = SafetyPlan.objects.get(case=case)
    call = Call.objects.get(pk=clinical_records.call.pk)
    result = clinical_records.result
    note = CounsellingSession.objects.get(case=case)
    referral = Referral.objects.get(case=case)
    read = {
        "presenting_concerns": Case.objects.get(pk=case.pk).presenting_concerns,
        **{name: getattr(note, name) for name in ("note_presenting", "note_intervention")},
        "note_plan": note.note_plan,
        **{name: getattr(plan, name) for name in ("warning_signs", "coping_strategies")},
        "people_and_places": plan.people_and_places,
        "professional_contacts": plan.professional_contacts,
        "means_safety": plan.means_safety,
        "reason": referral.reason,
        "feedback_to_school": referral.feedback_to_school,
        "summary": call.summary,
        "risk_reason": RiskChange.objects.filter(case=case, level_to="moderate").get().reason,
        "follow_up_outcome": case.follow_ups.get(status="done").outcome,
        "caller_name": call.caller_name,
        "alert_note": AlertEvent.objects.get(alert__call=call, kind="action").note,
        "callback_outcome": call.callbacks.get().outcome_note,
        "handover_note": ShiftHandover.objects.get().note,
        "conference_decisions": CaseConference.objects.get(cases=case).decisions,
        "tier_reason": TierChange.objects.get(result=result).reason,
        "tier_request_reason": TierRequest.objects.get(result=result).reason,
        "task_note": TrackingTask.objects.get(result=result, kind="watch").outcome_note,
    }
    assert read == CLINICAL_TEXT
    assert Guardian.objects.get(client=case.client).phone == GUARDIAN_PHONE
    assert Client.objects.get(pk=case.client_id).phone == CHILD_PHONE
    assert call.caller_phone == CALLER_PHONE
    sms = Reminder.objects.get(channel="sms", target_type="counselling.followup", phone_index=(
        encryption.blind_index(GUARDIAN_PHONE)
    ))  # fmt: skip
    assert sms.phone == GUARDIAN_PHONE


def test_every_encrypted_column_holds_ciphertext_under_the_current_key(clinical_records):
    current = encryption.keyring().current_id
    for table in encryption.encrypted_tables():
        for column in table.columns:
            values = raw_values(table.table, column)
            assert values, f"{table.table}.{column}: the fixture wrote nothing"
            assert all(value.startswith(f"enc1${current}$") for value in values), column


def test_rotation_re_encrypts_every_value_under_the_new_key_and_all_read_back(clinical_records):
    before = {
        (table.table, column): sorted(read_all(table.table, column))
        for table in encryption.encrypted_tables()
        for column in table.columns
    }
    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW_KEY, OLD_KEY]):
        call_command("rotate_field_key", "--batch", "2", stdout=(output := Output()))
        new_id = encryption.keyring().current_id
        assert f"current key {new_id}" in output.text
        # Every encrypted column, found from the models (the ones added since included).
        for table, column in before:
            assert re.search(rf"{table}\.{column}: [1-9]\d* re-encrypted", output.text), column
        assert {(table, column) for table, column, _text in ISSUE_17_COLUMNS} <= set(before)
        again = Output()
        call_command("rotate_field_key", stdout=again)
        assert re.search(r" 0 re-encrypted", again.text)
        assert not re.search(r" [1-9]\d* re-encrypted", again.text)
    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW_KEY]):  # the old key dropped
        for (table, column), texts in before.items():
            stored = raw_values(table, column)
            assert all(value.startswith(f"enc1${new_id}$") for value in stored), column
            assert sorted(read_all(table, column)) == texts, column
        case = Case.objects.get(pk=clinical_records.case.pk)
        assert case.presenting_concerns == CLINICAL_TEXT["presenting_concerns"]


def test_rotation_without_the_old_key_leaves_values_alone_and_says_so(clinical_records):
    stored = raw_values("counselling_safetyplan", "warning_signs")
    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW_KEY]), pytest.raises(CommandError) as error:
        call_command("rotate_field_key", stdout=Output())
    assert "no longer lists" in str(error.value)
    assert raw_values("counselling_safetyplan", "warning_signs") == stored


def test_a_new_index_key_is_applied_to_the_outbox_by_the_rotation(clinical_records):
    with override_settings(FIELD_INDEX_KEY=NEW_KEY):
        call_command("rotate_field_key", stdout=(output := Output()))
        assert re.search(r"centre_reminder\.phone_index: [1-9]\d* recomputed", output.text)
        index = encryption.blind_index(GUARDIAN_PHONE)
        assert Reminder.objects.filter(phone_index=index).exists()


def test_a_new_index_key_keeps_finding_a_repeat_caller_and_their_flag(clinical_records, account):
    operator = account("operator")
    before = caller_history(user=operator, caller_hash=caller_hash("+86 13712345678"))
    assert (before["count"], before["flagged_until"] is not None) == (0, True)  # a draft call
    with override_settings(FIELD_INDEX_KEY=NEW_KEY):
        stale = caller_history(user=operator, caller_hash=caller_hash(CALLER_PHONE))
        assert stale["flagged_until"] is None  # the old key's index: not found until rotated
        call_command("rotate_field_key", stdout=(output := Output()))
        assert re.search(r"hotline_call\.caller_phone_hash: 1 recomputed", output.text)
        # Recomputed from the number as typed, normalised as a look-up normalises it.
        call = Call.objects.get(pk=clinical_records.call.pk)
        assert call.caller_phone_hash == encryption.blind_index(CALLER_DIGITS)
        after = caller_history(user=operator, caller_hash=caller_hash("0086 137-1234-5678"))
        assert after["flagged_until"] == before["flagged_until"]


def test_a_guardians_new_number_moves_the_waiting_text_messages_by_the_blind_index(
    alice, clinical_records
):
    guardian = clinical_records.case.client.guardians.get()
    services.guardian_update(
        actor=alice, guardian=guardian, expected_version=guardian.version, phone="13700000001"
    )
    sms = Reminder.objects.get(channel="sms", target_type="counselling.followup")
    assert (sms.phone, sms.phone_index) == ("13700000001", encryption.blind_index("13700000001"))


def test_plain_text_already_stored_is_encrypted_in_place_by_the_migration_step(alice_session):
    # What the data migrations do to rows written before them (and backwards).
    table, column = "counselling_counsellingsession", "note_plan"
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {column} = %s WHERE id = %s",  # noqa: S608
            ["旧的明文", alice_session.pk],
        )
    counts = encryption.reencrypt_column(connection, table, column, batch=1)
    assert counts.encrypted == 1
    assert "旧的明文" not in "".join(raw_values(table, column))
    assert CounsellingSession.objects.get(pk=alice_session.pk).note_plan == "旧的明文"
    assert encryption.decrypt_column(connection, table, column) >= 1
    assert "旧的明文" in raw_values(table, column)
    encryption.reencrypt_column(connection, table, column)


# The migrations of issue 17 (hotline 0007, counselling 0016 and 0017, screening 0014),
# backwards and forwards again.
BEFORE_ISSUE_17 = [("hotline", "0006_call_summary_encrypted"),
                   ("counselling", "0015_client_last_case_closed"),
                   ("screening", "0013_consent_withdrawal")]  # fmt: skip
ISSUE_17_COLUMNS = [
    ("hotline_call", "caller_name", CLINICAL_TEXT["caller_name"]),
    ("hotline_call", "caller_phone", CALLER_PHONE),
    ("hotline_alertevent", "note", CLINICAL_TEXT["alert_note"]),
    ("hotline_callback", "outcome_note", CLINICAL_TEXT["callback_outcome"]),
    ("hotline_shifthandover", "note", CLINICAL_TEXT["handover_note"]),
    ("counselling_client", "phone", CHILD_PHONE),
    ("counselling_riskchange", "reason", CLINICAL_TEXT["risk_reason"]),
    ("counselling_followup", "outcome", CLINICAL_TEXT["follow_up_outcome"]),
    ("counselling_caseconference", "decisions", CLINICAL_TEXT["conference_decisions"]),
    ("screening_tierchange", "reason", CLINICAL_TEXT["tier_reason"]),
    ("screening_tierrequest", "reason", CLINICAL_TEXT["tier_request_reason"]),
    ("screening_trackingtask", "outcome_note", CLINICAL_TEXT["task_note"]),
]


@pytest.mark.django_db(transaction=True)
def test_the_migrations_decrypt_backwards_and_encrypt_and_reindex_forwards(clinical_records):
    call = clinical_records.call
    alert = call.alerts.get()
    AlertEvent.objects.create(alert=alert, kind=AlertEvent.Kind.ESCALATED, step="backup")
    try:
        migrate(BEFORE_ISSUE_17)
        for table, column, text in ISSUE_17_COLUMNS:
            assert text in raw_values(table, column), f"{table}.{column} not decrypted"
        legacy = legacy_caller_hash(CALLER_DIGITS)
        assert raw_values("hotline_call", "caller_phone_hash") == [legacy]
        assert raw_values("hotline_callerflag", "caller_phone_hash") == [legacy]
        assert "backup" in raw_values("hotline_alertevent", "note")  # the step, back in the note
        assert column_type("hotline_call", "caller_phone") == "character varying"
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    dump = "\n".join(row for table, _column, _text in ISSUE_17_COLUMNS for row in raw_rows(table))
    found = [text for _table, _column, text in ISSUE_17_COLUMNS if text in dump]
    assert not found, f"still plain after the migrations: {found}"
    for table, column, text in ISSUE_17_COLUMNS:
        assert text in read_all(table, column), f"{table}.{column} does not read back"
    assert CALLER_DIGITS not in dump
    assert raw_values("hotline_call", "caller_phone_hash") == [caller_hash(CALLER_PHONE)]
    assert raw_values("hotline_alertevent", "step") == ["backup"]
    assert column_type("hotline_call", "caller_phone") == "text"
    read = Call.objects.get(pk=call.pk)
    assert (read.caller_name, read.caller_phone) == (CLINICAL_TEXT["caller_name"], CALLER_PHONE)
    operator = call.operator
    history = caller_history(user=operator, caller_hash=caller_hash(CALLER_DIGITS))
    assert history["flagged_until"] is not None  # the flag found through its call's new index


def test_an_encrypted_column_cannot_be_searched_but_can_be_asked_whether_it_is_empty(
    alice_referral,
):
    with pytest.raises(FieldError, match="encrypted"):
        list(Referral.objects.filter(reason="评估用药"))
    with pytest.raises(FieldError, match="encrypted"):
        list(Referral.objects.filter(reason__icontains="评估"))
    with pytest.raises(FieldError, match="encrypted"):
        list(Guardian.objects.filter(phone__startswith="138"))
    assert list(Referral.objects.filter(pk=alice_referral.pk, feedback_to_school="")) == [
        alice_referral
    ]
    assert not Referral.objects.filter(pk=alice_referral.pk).exclude(feedback_to_school="").exists()


def test_no_model_orders_indexes_or_constrains_an_encrypted_column():
    for model in apps.get_models():
        encrypted = {
            field.name
            for field in model._meta.concrete_fields
            if isinstance(field, encryption.EncryptedTextField)
        }
        if not encrypted:
            continue
        ordering = {str(name).lstrip("-") for name in model._meta.ordering}
        indexed = {name.lstrip("-") for index in model._meta.indexes for name in index.fields}
        for constraint in model._meta.constraints:
            indexed |= set(getattr(constraint, "fields", ()))
            if isinstance(constraint, CheckConstraint):
                indexed |= condition_fields(constraint.condition)
        label = model._meta.label
        assert not encrypted & ordering, f"{label} sorts by an encrypted column"
        assert not encrypted & indexed, f"{label} indexes or constrains an encrypted column"


def test_bulk_writes_encrypt_too(alice_case, alice):
    sessions = [session(alice, alice_case, timezone.now()) for _ in range(2)]
    for item in sessions:
        item.note_intervention = "批量改写的记录"
    CounsellingSession.objects.bulk_update(sessions, ["note_intervention"])
    when = timezone.now().isoformat()
    columns = ["case_id", "counsellor_id", "held_at", "duration_minutes", "modality", "kind"]
    columns += ["attendance", "note_presenting", "note_intervention", "note_plan"]
    columns += ["risk_assessed", "version", "created_at", "updated_at"]
    row = (alice_case.pk, alice.pk, when, 50, "online", "counselling", "attended", "COPY 写入")
    insert_rows(CounsellingSession, columns, [(*row, "", "", "", 1, when, when)])
    dump = "\n".join(raw_rows("counselling_counsellingsession"))
    assert "批量改写的记录" not in dump
    assert "COPY 写入" not in dump
    notes = CounsellingSession.objects.filter(case=alice_case)
    assert {"批量改写的记录", ""} <= set(notes.values_list("note_intervention", flat=True))
    assert "COPY 写入" in set(notes.values_list("note_presenting", flat=True))


# Keys ------------------------------------------------------------------------------------------


def test_production_refuses_to_start_without_a_key(monkeypatch, tmp_path):
    monkeypatch.delenv("FIELD_ENCRYPTION_KEYS", raising=False)
    with pytest.raises(ImproperlyConfigured, match=r"^FIELD_ENCRYPTION_KEYS is not set"):
        read_keys(debug=False, path=tmp_path / "key")
    assert not (tmp_path / "key").exists()


def test_a_trial_run_generates_its_key_once_under_var(monkeypatch, tmp_path):
    monkeypatch.delenv("FIELD_ENCRYPTION_KEYS", raising=False)
    first = read_keys(debug=True, path=tmp_path / "key")
    assert read_keys(debug=True, path=tmp_path / "key") == first
    assert (tmp_path / "key").stat().st_mode & 0o777 == 0o600
    assert len(env.decode_field_key("X", first[0])) == 32


def test_secret_key_reuse_a_weak_key_and_a_shared_index_key_are_refused(monkeypatch, tmp_path):
    secret = "s" * 32
    secret_as_key = base64.urlsafe_b64encode(secret.encode()).decode()
    for keys, message in (
        (NEW_KEY, "may not be SECRET_KEY"),
        (secret_as_key, "may not be SECRET_KEY"),
        ("c2hvcnQ=", "32 random bytes"),
        (f"{OLD_KEY},{OLD_KEY}", "listed twice"),
    ):
        monkeypatch.setenv("FIELD_ENCRYPTION_KEYS", keys)
        with pytest.raises(ImproperlyConfigured, match=message):
            env.read_field_keys(
                "FIELD_ENCRYPTION_KEYS",
                debug=True,
                generated_path=tmp_path / "unused",
                secret_key=NEW_KEY if keys == NEW_KEY else secret,
            )
    monkeypatch.setenv("FIELD_INDEX_KEY", OLD_KEY)
    with pytest.raises(ImproperlyConfigured, match="may not be one of FIELD_ENCRYPTION_KEYS"):
        env.read_field_index_key(
            "FIELD_INDEX_KEY",
            debug=False,
            generated_path=tmp_path / "unused",
            secret_key=secret,
            encryption_keys=[NEW_KEY, OLD_KEY],
        )


def test_keys_may_come_from_a_file_one_a_line(monkeypatch, tmp_path):
    keys = tmp_path / "field_keys"
    keys.write_text(f"{NEW_KEY}\n{OLD_KEY}\n", encoding="utf-8")
    monkeypatch.delenv("FIELD_ENCRYPTION_KEYS", raising=False)
    monkeypatch.setenv("FIELD_ENCRYPTION_KEYS_FILE", str(keys))
    assert read_keys(debug=False, path=tmp_path / "unused") == [NEW_KEY, OLD_KEY]


def test_a_generated_key_is_new_each_time_and_valid():
    first, second = Output(), Output()
    call_command("rotate_field_key", "--generate-key", stdout=first)
    call_command("rotate_field_key", "--generate-key", stdout=second)
    assert first.text != second.text
    assert len(env.decode_field_key("X", first.text.strip())) == 32


# Helpers ---------------------------------------------------------------------------------------


class Output:
    def __init__(self) -> None:
        self.text = ""

    def write(self, text: str) -> None:
        self.text += text

    def flush(self) -> None:
        pass


def read_keys(*, debug: bool, path: Path) -> list[str]:
    return env.read_field_keys(
        "FIELD_ENCRYPTION_KEYS", debug=debug, generated_path=path, secret_key="x" * 50
    )


def migrate(targets: list[tuple[str, str]]) -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)


def column_type(table: str, column: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT data_type FROM information_schema.columns "
            "WHERE table_name = %s AND column_name = %s",
            [table, column],
        )
        return str(cursor.fetchone()[0])


def legacy_caller_hash(digits: str) -> str:
    """The caller's hash before hotline 0007: HMAC under a key derived from SECRET_KEY."""
    key = hashlib.sha256(b"hotline-caller:" + settings.SECRET_KEY.encode()).digest()
    return hmac.new(key, digits.encode(), hashlib.sha256).hexdigest()


def read_all(table: str, column: str) -> list[str]:
    return [encryption.decrypt(value) for value in raw_values(table, column)]


def condition_fields(condition: Q) -> set[str]:
    names = set()
    for child in condition.children:
        if isinstance(child, Q):
            names |= condition_fields(child)
        else:
            names.add(child[0].split("__")[0])
    return names
