"""Callbacks: planned once per call only with consent, due by risk, seen by its owner, the
operators of its site and the supervisors above, mine first and overdue first; the outcome
versioned, audited and hostile notes kept harmless."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from centre.errors import StaleEditError
from centre.models import AuditEntry
from hotline import services
from hotline.models import Callback
from hotline.selectors import callbacks_visible_to, due_callbacks_for, get_callback_for_user

LOW = {"q1": True, "q2": False, "q6": False}
MODERATE = {"q1": True, "q2": True, "q3": True, "q4": False, "q5": False, "q6": False}
HIGH = {"q1": True, "q2": True, "q3": True, "q4": True, "q5": False, "q6": False}
WANTED = {"callback_wanted": True, "callback_consent": True}


@pytest.mark.parametrize(("answers", "hours"), [({}, 72), (LOW, 72), (MODERATE, 24), (HIGH, 24)])
def test_a_consented_callback_is_planned_due_by_risk(operator, make_call, answers, hours):
    call = make_call(operator, cssrs_answers=answers, **WANTED)
    callback = Callback.objects.get(call=call)
    assert callback.owner == operator
    assert callback.site_id == call.site_id
    assert callback.status == Callback.Status.OPEN
    assert callback.due_at == call.ended_at + datetime.timedelta(hours=hours)
    entry = AuditEntry.objects.get(action="hotline.callback.planned")
    assert entry.target_id == str(callback.pk)
    assert set(entry.data) == {"call", "site"}


@pytest.mark.parametrize(
    "flags",
    [
        {"callback_wanted": True, "callback_consent": False},
        {"callback_wanted": False, "callback_consent": True},
        {},
    ],
)
def test_no_callback_without_wish_and_consent(operator, make_call, flags):
    call = make_call(operator, **flags)
    assert not Callback.objects.filter(call=call).exists()
    assert services.plan_callback(actor=operator, call=call) is None


def test_a_call_saved_again_keeps_its_one_callback(operator, make_call):
    call = make_call(operator, **WANTED)
    services.call_save(
        actor=operator,
        call=call,
        expected_version=call.version,
        contact_type="child_about_self",
        summary="edited",
        **WANTED,
    )
    again = services.plan_callback(actor=operator, call=call)
    assert Callback.objects.filter(call=call).count() == 1
    assert again == Callback.objects.get(call=call)


def test_an_asked_due_time_is_never_later_than_the_rule(operator, make_call):
    call = make_call(operator, cssrs_answers=HIGH, callback_wanted=True)
    Callback.objects.all().delete()
    call.callback_consent = True
    late = timezone.now() + datetime.timedelta(days=30)
    callback = services.plan_callback(actor=operator, call=call, due_at=late)
    assert callback is not None
    assert callback.due_at == call.ended_at + datetime.timedelta(hours=24)


def test_persona_matrix(operator, olga, otto, sam, account, make_call, staff_at):
    mine = Callback.objects.get(call=make_call(operator, **WANTED))
    at_k01 = Callback.objects.get(call=make_call(olga, **WANTED))
    k01_colleague = staff_at("kolya", "hotline_operator", "K01")
    assert set(callbacks_visible_to(user=operator)) == {mine}
    assert set(callbacks_visible_to(user=olga)) == {at_k01}
    assert set(callbacks_visible_to(user=k01_colleague)) == {at_k01}
    assert set(callbacks_visible_to(user=otto)) == set()
    assert set(callbacks_visible_to(user=sam)) == {at_k01}  # K01; CITY is above
    for name in ("counsellor", "liaison", "stats", "auditor", "crisis"):
        user = account(name)
        assert not callbacks_visible_to(user=user).exists(), name
        with pytest.raises(Http404):
            get_callback_for_user(user=user, callback_id=mine.pk)
    with pytest.raises(Http404):
        get_callback_for_user(user=otto, callback_id=at_k01.pk)
    with pytest.raises(Http404):
        get_callback_for_user(user=operator, callback_id=at_k01.pk + 10_000)
    with pytest.raises(PermissionDenied):
        services.record_outcome(
            actor=otto, callback=at_k01, status="done", expected_version=at_k01.version
        )


def test_mine_first_then_the_sites_overdue_first(olga, staff_at, make_call):
    kolya = staff_at("kolya", "hotline_operator", "K01")
    now = timezone.now()

    def planned(op, hours):
        cb = Callback.objects.get(call=make_call(op, **WANTED))
        Callback.objects.filter(pk=cb.pk).update(due_at=now + datetime.timedelta(hours=hours))
        return cb

    mine_later = planned(olga, 10)
    mine_overdue = planned(olga, -2)
    theirs_overdue = planned(kolya, -5)
    theirs_later = planned(kolya, 1)
    rows = due_callbacks_for(user=olga)
    assert [cb.pk for cb in rows] == [
        mine_overdue.pk,
        mine_later.pk,
        theirs_overdue.pk,
        theirs_later.pk,
    ]


def test_the_outcome_closes_it_versioned_and_audited(operator, olga, make_call, staff_at):
    callback = Callback.objects.get(call=make_call(olga, **WANTED))
    colleague = staff_at("kolya", "hotline_operator", "K01")
    hostile = "\x00<script>alert(1)</script>" + "²" * 9000
    with pytest.raises(ValidationError):
        services.record_outcome(
            actor=colleague,
            callback=callback,
            status="done",
            note=hostile,
            expected_version=callback.version,
        )
    with pytest.raises(ValidationError):
        services.record_outcome(
            actor=colleague, callback=callback, status="open", expected_version=callback.version
        )
    with pytest.raises(StaleEditError):
        services.record_outcome(
            actor=colleague,
            callback=callback,
            status="done",
            expected_version=callback.version + 1,
        )
    services.record_outcome(
        actor=colleague,
        callback=callback,
        status="not_reached",
        note="\x00<b>no answer</b>",
        expected_version=callback.version,
    )
    callback.refresh_from_db()
    assert callback.status == "not_reached"
    assert callback.outcome_note == "<b>no answer</b>"
    assert callback.done_by == colleague
    assert callback.version == 2
    entry = AuditEntry.objects.get(action="hotline.callback.outcome")
    assert entry.data == {"status": "not_reached"}
    with pytest.raises(ValidationError):
        services.record_outcome(
            actor=olga, callback=callback, status="done", expected_version=callback.version
        )
    assert callback not in due_callbacks_for(user=olga)
    # A closed callback of the site is no longer the line's: only its owner keeps seeing it.
    assert callback not in callbacks_visible_to(user=colleague)
    assert callback in callbacks_visible_to(user=olga)


def test_an_edit_that_takes_the_consent_back_withdraws_the_open_callback(operator, make_call):
    """The caller withdrew their consent (or the call turns out a prank): nobody on the line is
    asked to call this child back; a callback already done stays as it was."""
    from centre.models import AuditEntry
    from hotline import services
    from hotline.models import Callback

    call = make_call(operator, callback_wanted=True, callback_consent=True)
    callback = Callback.objects.get(call=call)
    call = services.call_save(
        actor=operator,
        call=call,
        expected_version=call.version,
        contact_type="child_about_self",
        callback_wanted=True,
        callback_consent=False,
    )
    assert not Callback.objects.filter(call=call).exists()
    withdrawn = AuditEntry.objects.get(action="hotline.callback.withdrawn")
    assert withdrawn.target_id == str(callback.pk)
    # consent given again: a new plan; once done, a later edit leaves it alone
    call = services.call_save(
        actor=operator,
        call=call,
        expected_version=call.version,
        contact_type="child_about_self",
        callback_wanted=True,
        callback_consent=True,
    )
    again = Callback.objects.get(call=call)
    Callback.objects.filter(pk=again.pk).update(status=Callback.Status.DONE)
    services.call_save(
        actor=operator, call=call, expected_version=call.version, contact_type="joke_prank"
    )
    assert Callback.objects.get(pk=again.pk).status == Callback.Status.DONE
