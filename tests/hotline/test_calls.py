"""A call from pick-up to save: C-SSRS skip logic and risk, the actions by risk, non-data
contacts carrying nothing, the autosaved draft, the caller's blind index, versioned edits."""

from __future__ import annotations

import datetime
import hashlib

import pytest
import time_machine
from django.conf import settings
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import timezone

from centre.encryption import blind_index
from centre.errors import ServiceError, StaleEditError
from centre.models import AuditEntry
from hotline import services
from hotline.caller import caller_hash
from hotline.models import Call
from tests.support.accounts import sign_in

NO = {"q1": False, "q2": False, "q6": False}
LOW = {"q1": True, "q2": False, "q6": False}
MODERATE = {"q1": True, "q2": True, "q3": True, "q4": False, "q5": False, "q6": False}
HIGH = {"q1": True, "q2": True, "q3": True, "q4": True, "q5": False, "q6": False}
RECENT_ACT = {"q1": False, "q2": False, "q6": True, "q6_past_3_months": True}
OLD_ACT = {"q1": False, "q2": False, "q6": True, "q6_past_3_months": False}
OTHER_INDEX_KEY = "bmV3LXRlc3Qta2V5LW9mLXRoZS1yb3RhdGlvbi0wMDA="


@pytest.mark.parametrize(
    ("answers", "risk"),
    [
        ({}, ""),
        (NO, "none"),
        (LOW, "low"),
        (MODERATE, "moderate"),
        (HIGH, "high"),
        (RECENT_ACT, "high"),
        (OLD_ACT, "moderate"),
    ],
)
def test_the_risk_is_the_cssrs_band_and_high_is_a_crisis(operator, make_call, answers, risk):
    call = make_call(operator, cssrs_answers=answers)
    call.refresh_from_db()
    assert call.risk == risk
    assert call.crisis is (risk == "high")
    assert call.cssrs_answers == answers


@pytest.mark.parametrize(
    ("answers", "code"),
    [
        ({"q1": True, "q2": False, "q3": True, "q6": False}, "skip_logic_violation"),
        ({"q1": True, "q2": True, "q6": False}, "missing_required"),
        ({"q1": True, "q2": False, "q6": True}, "missing_required"),
        ({"q1": True, "q6": False}, "missing_required"),
    ],
)
def test_cssrs_skip_logic_is_refused_and_nothing_is_saved(operator, answers, code):
    call = services.call_start(actor=operator)
    with pytest.raises(ServiceError) as refused:
        services.call_save(
            actor=operator,
            call=call,
            expected_version=call.version,
            contact_type="child_about_self",
            cssrs_answers=answers,
        )
    assert refused.value.code == code
    call.refresh_from_db()
    assert call.status == Call.Status.DRAFT
    assert call.risk == ""


def test_the_actions_offered_follow_domain_3_2():
    assert set(services.actions_for("high")) >= {
        "keep_on_line",
        "confirm_location",
        "means_removed",
        "supervisor_alerted",
        "emergency_dispatch",
        "guardian_contacted",
    }
    assert "safety_plan" in services.actions_for("moderate")
    assert "resources_given" in services.actions_for("low")
    assert services.actions_for("none") == ("support_given",)
    assert services.actions_for("") == ()


def test_high_risk_without_keeping_on_the_line_is_warned_not_refused(operator, make_call):
    call = make_call(operator, cssrs_answers=HIGH, actions=["means_removed"])
    assert call.status == Call.Status.SAVED
    assert services.high_risk_warnings(call)
    kept = make_call(operator, cssrs_answers=HIGH, actions=["keep_on_line"])
    assert services.high_risk_warnings(kept) == []


@pytest.mark.parametrize(
    "kind", ["silent", "blank", "joke_prank", "hang_up", "wrong_number", "abusive"]
)
def test_a_non_data_contact_carries_nothing(operator, make_call, kind):
    call = make_call(
        operator,
        contact_type=kind,
        cssrs_answers=HIGH,
        crisis=True,
        summary="should not stay",
        caller_phone="13800138000",
        actions=["keep_on_line"],
        referrals=["school"],
        issues=[("mental_health", "suicidal")],
        age_band="13_15",
        callback_wanted=True,
    )
    call.refresh_from_db()
    assert not call.is_data_contact
    assert (call.risk, call.summary, call.caller_phone, call.caller_phone_hash) == ("", "", "", "")
    assert call.cssrs_answers == {}
    assert call.actions == []
    assert call.referrals == []
    assert not call.crisis
    assert not call.callback_wanted
    assert call.age_band == ""
    assert not call.issues.exists()
    assert call.duration_seconds is not None


def test_up_to_three_issues_with_valid_subcategories(operator, make_call):
    call = make_call(
        operator,
        issues=[("mental_health", "self_harm"), ("family", "left_behind"), ("peers", "friends")],
    )
    assert [(i.position, i.category) for i in call.issues.all()] == [
        (1, "mental_health"),
        (2, "family"),
        (3, "peers"),
    ]
    with pytest.raises(ValidationError):
        make_call(operator, issues=[("family", "self_harm")])
    with pytest.raises(ValidationError):
        make_call(
            operator,
            issues=[
                ("mental_health", "self_harm"),
                ("family", "left_behind"),
                ("peers", "friends"),
                ("sexuality", "unspecified"),
            ],
        )


def test_the_duration_runs_from_pick_up(operator):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        call = services.call_start(actor=operator)
        clock.shift(datetime.timedelta(minutes=7, seconds=5))
        services.call_save(
            actor=operator, call=call, expected_version=call.version, contact_type="hang_up"
        )
    call.refresh_from_db()
    assert call.duration_seconds == 425
    assert call.status == Call.Status.SAVED


def test_the_draft_autosaves_bounded_values_for_its_own_operator_only(operator, olga):
    call = services.call_start(actor=operator)
    services.call_draft_update(
        actor=operator,
        call=call,
        fields={
            "summary": "x\x00" * 6000,
            "age_band": "13_15",
            "sex": "nonsense",
            "actions": ["keep_on_line", "drop_tables"],
            "cssrs_answers": {"q1": True, "q9": True, "q2": "yes"},
            "caller_phone": "138 0013 8000",
            "risk": "none",
            "operator": olga.pk,
        },
    )
    call.refresh_from_db()
    assert len(call.summary) == 4000
    assert "\x00" not in call.summary
    assert (call.age_band, call.sex, call.risk) == ("13_15", "", "")
    assert call.actions == ["keep_on_line"]
    assert call.cssrs_answers == {"q1": True}
    assert call.caller_phone_hash == caller_hash("13800138000")
    assert call.operator == operator
    assert call.status == Call.Status.DRAFT
    with pytest.raises(ServiceError):
        services.call_draft_update(actor=olga, call=call, fields={"summary": "mine"})


def test_the_caller_hash_is_keyed_and_normalised():
    assert caller_hash("+86 138-0013-8000") == caller_hash("13800138000")
    assert caller_hash("13800138000") != caller_hash("13800138001")
    assert len(caller_hash("13800138000")) == 64
    assert "13800138000" not in caller_hash("13800138000")
    assert caller_hash("") == ""


def test_the_caller_hash_is_the_blind_index_under_the_index_key_not_a_plain_hash():
    # A plain hash of a number is found by hashing the 10^11 numbers; this one needs the key.
    number = "13800138000"
    assert caller_hash(number) == blind_index(number)
    assert caller_hash(number) not in {
        hashlib.sha256(number.encode()).hexdigest(),
        hashlib.sha256(b"hotline-caller:" + settings.SECRET_KEY.encode()).hexdigest(),
    }
    with override_settings(FIELD_INDEX_KEY=OTHER_INDEX_KEY):
        under_another_key = caller_hash(number)
    assert under_another_key != caller_hash(number)
    with override_settings(SECRET_KEY="another-secret-key-" + "x" * 40):
        assert caller_hash(number) == blind_index(number)  # SECRET_KEY plays no part


def test_an_edit_of_a_saved_call_is_versioned_and_audited(operator, make_call):
    call = make_call(operator, cssrs_answers=LOW)
    read = call.version
    services.call_save(
        actor=operator,
        call=call,
        expected_version=read,
        contact_type="child_about_self",
        cssrs_answers=MODERATE,
    )
    with pytest.raises(StaleEditError):
        services.call_save(
            actor=operator,
            call=call,
            expected_version=read,
            contact_type="child_about_self",
            cssrs_answers=NO,
        )
    call.refresh_from_db()
    assert call.risk == "moderate"
    actions = list(
        AuditEntry.objects.filter(target_type="hotline.call", target_id=str(call.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["hotline.call.started", "hotline.call.saved", "hotline.call.changed"]
    entry = AuditEntry.objects.filter(action="hotline.call.changed").get()
    assert "13800" not in str(entry.data)


def test_a_bad_phone_is_refused(operator, make_call):
    with pytest.raises(ValidationError):
        make_call(operator, caller_phone="１３８００１３８０００")


def test_flagging_a_caller_abusive_is_bounded_and_audited(operator, make_call):
    call = make_call(operator, caller_phone="13800138000")
    flag = services.caller_flag_set(actor=operator, call=call, days=7)
    assert flag.call == call  # found by the call's blind index, no copy of it
    assert AuditEntry.objects.filter(action="hotline.callerflag.set").exists()
    with pytest.raises(ValidationError):
        services.caller_flag_set(actor=operator, call=call, days=10_000)
    silent = make_call(operator, contact_type="silent")
    with pytest.raises(ServiceError):
        services.caller_flag_set(actor=operator, call=silent, days=7)


def test_a_crisis_call_raises_one_alert_at_its_site(operator, make_call):
    call = make_call(operator, cssrs_answers=HIGH, actions=["keep_on_line"])
    assert [(alert.site_id, alert.status) for alert in call.alerts.all()] == [
        (call.site_id, "open")
    ]
    services.call_save(
        actor=operator,
        call=call,
        expected_version=call.version,
        contact_type="child_about_self",
        cssrs_answers=HIGH,
    )
    assert call.alerts.count() == 1
    calm = make_call(operator, cssrs_answers=LOW)
    assert not calm.alerts.exists()


def test_an_autosave_arriving_after_the_save_changes_nothing(client, operator):
    """The form's autosave may be in flight when the operator saves (or read the draft just
    before): it must not write the draft's older values over the saved call — here a prank
    call, which keeps nothing, would get back the caller's name and number."""
    call = services.call_start(actor=operator)
    stale = Call.objects.get(pk=call.pk)  # the autosave request read it while a draft
    services.call_save(
        actor=operator, call=call, expected_version=call.version, contact_type="joke_prank"
    )
    with pytest.raises(ServiceError):
        services.call_draft_update(
            actor=operator,
            call=stale,
            fields={"contact_type": "child_about_self", "caller_phone": "13800138000"},
        )
    call.refresh_from_db()
    assert (call.contact_type, call.caller_phone, call.caller_phone_hash) == ("joke_prank", "", "")
    assert call.status == Call.Status.SAVED
    # through the page: the late autosave answers 404, not a 500, and writes nothing
    sign_in(client, "operator")
    late = client.post(f"/hotline/calls/{call.pk}/draft/", {"caller_name": "张三"})
    assert late.status_code == 404
    call.refresh_from_db()
    assert call.caller_name == ""


def test_an_autosave_read_before_the_save_answers_409(client, operator, monkeypatch):
    """The autosave request found the draft, then the save committed before it wrote: a 409
    the form's script shows as "not saved", never a 500."""
    from hotline import views

    call = services.call_start(actor=operator)
    stale = Call.objects.get(pk=call.pk)
    services.call_save(
        actor=operator, call=call, expected_version=call.version, contact_type="joke_prank"
    )
    monkeypatch.setattr(views.selectors, "get_own_draft_for_user", lambda **kwargs: stale)
    sign_in(client, "operator")
    late = client.post(f"/hotline/calls/{call.pk}/draft/", {"caller_name": "张三"})
    assert late.status_code == 409
    assert "张三" not in late.text
    call.refresh_from_db()
    assert call.caller_name == ""
