"""A hotline call from pick-up to save: a draft created when the operator answers, autosaved
while they type, then saved with its C-SSRS risk, actions, issues and referrals.

A non-data contact (silent, blank, a prank, a hang-up, a wrong number, abuse) carries nothing
but its type, channel and times. The caller is anonymous: a number given is kept encrypted
with its blind index (`hotline.caller.caller_hash`) for repeat-caller look-ups.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from centre import field_rules
from centre.audit import audit_log
from centre.errors import ConflictError, ServiceError
from centre.models import User
from centre.versioning import save_versioned
from counselling.models import Case
from counselling.services import case_open_green_channel
from hotline import taxonomy
from hotline.caller import caller_hash
from hotline.models import Call, Callback, CallerFlag, CallIssue, MandatoryReport
from hotline.services.alerts import raise_alert
from hotline.services.callbacks import plan_callback
from screening import scoring

# What DOMAIN §3.2 asks the operator to do, by C-SSRS risk (the checklist shown after scoring).
ACTIONS_BY_RISK: Mapping[str, tuple[str, ...]] = {
    Call.Risk.HIGH: (
        Call.Action.KEEP_ON_LINE,
        Call.Action.CONFIRM_LOCATION,
        Call.Action.MEANS_REMOVED,
        Call.Action.SUPERVISOR_ALERTED,
        Call.Action.EMERGENCY_DISPATCH,
        Call.Action.GUARDIAN_CONTACTED,
    ),
    Call.Risk.MODERATE: (Call.Action.SAFETY_PLAN, Call.Action.APPOINTMENT_OFFERED),
    Call.Risk.LOW: (
        Call.Action.SUPPORT_GIVEN,
        Call.Action.RESOURCES_GIVEN,
        Call.Action.APPOINTMENT_OFFERED,
    ),
    Call.Risk.NONE: (Call.Action.SUPPORT_GIVEN,),
}
# A high-risk call saved without either of these is warned about (never refused).
HIGH_RISK_FIRST_ACTIONS = frozenset({Call.Action.KEEP_ON_LINE, Call.Action.CONFIRM_LOCATION})

# The fields a data contact carries; a non-data contact has them all empty.
DATA_FIELDS = (
    "caller_role",
    "age_band",
    "sex",
    "region",
    "summary",
    "actions",
    "referrals",
    "callback_wanted",
    "callback_consent",
    "caller_name",
    "caller_phone",
    "caller_phone_hash",
    "cssrs_answers",
    "risk",
)
CSSRS_FIELDS = scoring.CSSRS_QUESTIONS
# What an autosave may write on a draft.
DRAFT_FIELDS = frozenset({"channel", "contact_type", *DATA_FIELDS} - {"caller_phone_hash", "risk"})


def clean_text(value: str) -> str:
    """Text as kept: no NUL (Postgres refuses it), trimmed."""
    return value.replace("\x00", "").strip()


def cssrs_risk(answers: Mapping[str, bool | None]) -> str:
    """The C-SSRS screener's band for these answers ("" when none was asked), scored by
    `screening.scoring`; a skip-logic violation or a missing answer is a ServiceError (400)."""
    given = {name: value for name, value in answers.items() if value is not None}
    if not given:
        return Call.Risk.NOT_ASKED
    return str(scoring.score(scoring.CSSRS, given).band)


def actions_for(risk: str) -> tuple[str, ...]:
    return tuple(ACTIONS_BY_RISK.get(risk, ()))


def high_risk_warnings(call: Call) -> list[str]:
    """Plausibility, not a refusal: a high-risk call should have kept the caller on the line or
    confirmed where they are."""
    if call.risk == Call.Risk.HIGH and not HIGH_RISK_FIRST_ACTIONS & set(call.actions):
        return [
            str(
                _(
                    "High risk: keeping the caller on the line or confirming their location "
                    "was not ticked."
                )
            )
        ]
    return []


@transaction.atomic
def call_start(*, actor: User, channel: str = Call.Channel.PHONE) -> Call:
    """Pick-up: a draft call at the operator's site, its timer running from now."""
    if actor.site is None:
        raise ServiceError(_("You have no site: ask an administrator to place you at one."))
    if channel not in Call.Channel.values:
        raise ValidationError({"channel": _("Choose a channel.")})
    call = Call.objects.create(site=actor.site, operator=actor, channel=channel)
    audit_log(actor=actor, action="hotline.call.started", target=call)
    return call


@transaction.atomic
def call_draft_update(*, actor: User, call: Call, fields: Mapping[str, Any]) -> Call:
    """The autosave: whatever the form holds now, kept on the draft (unvalidated beyond type
    and bounds, never scored). Only the operator's own draft."""
    if call.operator_id != actor.pk or call.status != Call.Status.DRAFT:
        raise ServiceError(_("Only an unsaved call of your own is autosaved."), code="not_draft")
    changes = {
        name: _bounded(name, value) for name, value in fields.items() if name in DRAFT_FIELDS
    }
    if "caller_phone" in changes:
        changes["caller_phone_hash"] = caller_hash(changes["caller_phone"])
    # Written only while the row is still this operator's draft: an autosave in flight when
    # the call is saved (or read before it) waits for the save's lock and then finds no draft,
    # instead of writing the draft's older values over the saved call.
    changes["updated_at"] = timezone.now()
    written = Call.objects.filter(pk=call.pk, operator=actor, status=Call.Status.DRAFT).update(
        **changes
    )
    if not written:
        raise ServiceError(_("Only an unsaved call of your own is autosaved."), code="not_draft")
    for name, value in changes.items():
        setattr(call, name, value)
    return call


def _field(name: str) -> models.Field[Any, Any]:
    field = Call._meta.get_field(name)
    if not isinstance(field, models.Field):
        raise TypeError(name)
    return field


def _bounded(name: str, value: Any) -> Any:
    field = _field(name)
    if name in ("actions", "referrals"):
        allowed = set(Call.Action.values if name == "actions" else Call.Referral.values)
        return [v for v in dict.fromkeys(value or []) if v in allowed]
    if name == "cssrs_answers":
        if not isinstance(value, Mapping):
            return {}
        return {
            q: value[q]
            for q in scoring.CSSRS_QUESTIONS
            if q in value and isinstance(value[q], bool)
        }
    if name in ("callback_wanted", "callback_consent"):
        return value is True
    text = clean_text(str(value or ""))
    limit = field_rules.CALL_SUMMARY_MAX if name == "summary" else field.max_length
    text = text[:limit]
    if field.choices and text not in {choice for choice, _label in field.choices}:
        return ""
    return text


@transaction.atomic
def call_save(
    *,
    actor: User,
    call: Call,
    expected_version: int,
    contact_type: str,
    channel: str = Call.Channel.PHONE,
    issues: Sequence[tuple[str, str]] = (),
    cssrs_answers: Mapping[str, bool | None] | None = None,
    crisis: bool = False,
    ended_at: datetime.datetime | None = None,
    **fields: Any,
) -> Call:
    """Save a call (a draft, or an edit of a saved one, versioned): the risk scored from the
    C-SSRS answers, the duration from pick-up, the caller's number hashed. A non-data contact
    keeps nothing else. Ends in `_after_call_saved`, in the same transaction."""
    unknown = set(fields) - set(DATA_FIELDS) - {"caller_phone_hash", "risk"}
    if unknown:
        raise ValueError(f"not saved by call_save: {sorted(unknown)}")
    if call.status == Call.Status.DRAFT and call.operator_id != actor.pk:
        raise ServiceError(_("Only the operator who took the call saves it."), code="not_own")
    if contact_type not in Call.ContactType.values:
        raise ValidationError({"contact_type": _("Choose what kind of contact this was.")})
    if channel not in Call.Channel.values:
        raise ValidationError({"channel": _("Choose a channel.")})
    now = timezone.now()
    ended = ended_at or call.ended_at or now
    values: dict[str, Any] = {
        "contact_type": contact_type,
        "channel": channel,
        "status": Call.Status.SAVED,
        "ended_at": ended,
        "duration_seconds": max(0, int((ended - call.started_at).total_seconds())),
    }
    is_data = contact_type not in Call.NON_DATA_CONTACTS
    if is_data:
        values.update(_data_values(fields, cssrs_answers or {}))
        values["crisis"] = bool(crisis) or values["risk"] == Call.Risk.HIGH
        clean_issues = _clean_issues(issues)
    else:
        values.update(_empty_data())
        values["crisis"] = False
        clean_issues = []
    was_saved = call.status == Call.Status.SAVED
    save_versioned(call, expected_version=expected_version, fields=values)
    call.issues.all().delete()
    CallIssue.objects.bulk_create(
        CallIssue(call=call, category=category, subcategory=sub, position=position)
        for position, (category, sub) in enumerate(clean_issues, start=1)
    )
    audit_log(
        actor=actor,
        action="hotline.call.changed" if was_saved else "hotline.call.saved",
        target=call,
        data={"version": call.version, "risk": call.risk, "crisis": call.crisis},
    )
    _after_call_saved(actor=actor, call=call)
    return call


def _empty_data() -> dict[str, Any]:
    empty: dict[str, Any] = {}
    for name in DATA_FIELDS:
        default = _field(name).get_default()
        empty[name] = default if default is not None else ""
    return empty


def _data_values(fields: Mapping[str, Any], answers: Mapping[str, bool | None]) -> dict[str, Any]:
    values = _empty_data()
    for name in DATA_FIELDS:
        if name in fields and name not in ("caller_phone_hash", "risk", "cssrs_answers"):
            values[name] = fields[name]
    summary = values["summary"] = clean_text(str(values["summary"] or ""))
    if len(summary) > field_rules.CALL_SUMMARY_MAX:
        raise ValidationError(
            {
                "summary": _("At most %(count)s characters.")
                % {"count": field_rules.CALL_SUMMARY_MAX}
            }
        )
    for name in ("region", "caller_name"):
        values[name] = clean_text(str(values[name] or ""))
    phone = str(values["caller_phone"] or "").strip()
    if phone:
        try:
            field_rules.validate_phone(phone)
        except ValidationError as error:
            raise ValidationError({"caller_phone": error.messages}) from error
    values["caller_phone"] = phone
    values["caller_phone_hash"] = caller_hash(phone)
    for name, choices in (
        ("actions", Call.Action.values),
        ("referrals", Call.Referral.values),
    ):
        chosen = list(dict.fromkeys(values[name] or []))
        if set(chosen) - set(choices):
            raise ValidationError({name: _("Choose from the list.")})
        values[name] = chosen
    for name, choices in (
        ("caller_role", Call.CallerRole.values),
        ("age_band", Call.AgeBand.values),
        ("sex", Call.Sex.values),
    ):
        if values[name] and values[name] not in choices:
            raise ValidationError({name: _("Choose from the list.")})
    values["callback_wanted"] = bool(values["callback_wanted"])
    values["callback_consent"] = bool(values["callback_wanted"] and values["callback_consent"])
    kept = {q: answers.get(q) for q in scoring.CSSRS_QUESTIONS if answers.get(q) is not None}
    try:
        values["risk"] = cssrs_risk(kept)
    except scoring.ScoringError as error:
        raise ServiceError(
            _("The C-SSRS answers do not follow its questions: %(code)s.") % {"code": error.code},
            code=error.code,
            field="cssrs",
        ) from error
    values["cssrs_answers"] = kept
    return values


def _clean_issues(issues: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    chosen = list(dict.fromkeys((c, s) for c, s in issues if c or s))
    if len(chosen) > taxonomy.MAX_ISSUES:
        raise ValidationError(
            {"issues": _("At most %(count)s issues.") % {"count": taxonomy.MAX_ISSUES}}
        )
    for category, sub in chosen:
        if not taxonomy.is_valid(category, sub):
            raise ValidationError({"issues": _("Choose an issue and its subcategory.")})
    return chosen


def _after_call_saved(*, actor: User, call: Call) -> None:
    """Called last by `call_save`, in its transaction: a crisis call raises a crisis alert at
    its site (`raise_alert` returns the open one if the call already has it). The integrator
    adds here the callback (`hotline.services.callbacks.plan_callback`, hot3) for a call whose
    caller wanted one and consented. `call_saved` is the public name of this hook."""
    if call.crisis:
        raise_alert(actor=actor, call=call, site=call.site)
    if call.callback_wanted and call.callback_consent:
        plan_callback(actor=actor, call=call)
    else:
        # An edit took the wish or the consent back (or made the call a non-data contact):
        # the line must not call this child back, so the open plan goes (audited by id).
        for callback in Callback.objects.filter(call=call, status=Callback.Status.OPEN):
            audit_log(
                actor=actor,
                action="hotline.callback.withdrawn",
                target=callback,
                data={"call": call.pk, "site": call.site_id},
            )
            callback.delete()


call_saved = _after_call_saved


@transaction.atomic
def caller_flag_set(*, actor: User, call: Call, days: int) -> CallerFlag:
    """Flag the caller of `call` abusive at the call's site for `days` days."""
    if not call.caller_phone_hash:
        raise ServiceError(_("This call has no caller number to flag."), code="no_number")
    if not 1 <= days <= field_rules.CALLER_FLAG_DAYS_MAX:
        raise ValidationError(
            {"days": _("Between 1 and %(days)s days.") % {"days": field_rules.CALLER_FLAG_DAYS_MAX}}
        )
    now = timezone.now()
    flag = CallerFlag.objects.create(
        site=call.site,
        kind=CallerFlag.Kind.ABUSIVE,
        until=now + datetime.timedelta(days=days),
        set_by=actor,
        set_at=now,
        call=call,
    )
    audit_log(
        actor=actor,
        action="hotline.callerflag.set",
        target=flag,
        data={"call": call.pk, "days": days},
    )
    return flag


@transaction.atomic
def call_link_case(*, actor: User, call: Call, case: Case) -> Call:
    """Link a saved data call to a case of its site tree (the caller is a known client)."""
    if call.status != Call.Status.SAVED or not call.is_data_contact:
        raise ServiceError(_("Only a saved call about a child is linked to a case."), code="draft")
    # One link per call: a second would silently replace the first (a green channel's case).
    locked = Call.objects.select_for_update().get(pk=call.pk)
    if locked.case_id is not None:
        raise ConflictError(_("This call is already linked to a case."))
    Call.objects.filter(pk=call.pk).update(case=case)
    call.case = case
    audit_log(actor=actor, action="hotline.call.linked", target=call, data={"case": case.pk})
    return call


# The case's risk at intake from the call's (DOMAIN §3.2: a high-risk call opens an 一级 case; a
# call the operator marked "crisis" is at least high).
CASE_RISK = {"": "none", "none": "none", "low": "low", "moderate": "moderate", "high": "high"}


def case_risk_of(call: Call) -> str:
    risk = CASE_RISK.get(call.risk, "none")
    return "high" if call.crisis and risk != "high" else risk


@transaction.atomic
def call_open_case(*, actor: User, call: Call, counsellor: User, intake: Mapping[str, Any]) -> Case:
    """The green channel from a call: register the child the call is about, with their guardian
    and consent, and open their counselling case (source "hotline", risk from the call) for a
    counsellor of the actor's sites; the call is linked to it. Only what the intake needs comes
    from the form: nothing of the caller (name, number, summary) is copied."""
    if call.status != Call.Status.SAVED or not call.is_data_contact:
        raise ServiceError(_("A case is opened from a saved call about a child."), code="draft")
    locked = Call.objects.select_for_update().get(pk=call.pk)
    if locked.case_id is not None:
        raise ConflictError(_("This call is already linked to a case."))
    case = case_open_green_channel(
        actor=actor,
        counsellor=counsellor,
        client_fields=dict(intake["client_fields"]),
        guardian_fields=intake["guardian_fields"],
        consent_given_by=intake["consent_given_by"],
        consent_version=intake["consent_version"],
        source=Case.Source.HOTLINE,
        presenting_concerns=intake["presenting_concerns"],
        risk_level=case_risk_of(call),
    )
    Call.objects.filter(pk=call.pk).update(case=case)
    call.case = case
    audit_log(
        actor=actor,
        action="hotline.call.case_opened",
        target=call,
        data={"case": case.pk, "counsellor_id": counsellor.pk},
    )
    return case


@transaction.atomic
def mandatory_report_record(
    *,
    actor: User,
    call: Call,
    reported_on: datetime.date,
    agency: str,
    reference_number: str = "",
) -> MandatoryReport:
    """The report filed under the Minors Protection Law art. 11 (DOMAIN §3.4): one per call."""
    if not call.is_data_contact or call.status != Call.Status.SAVED:
        raise ServiceError(
            _("A mandatory report is recorded on a saved call about a child."), code="draft"
        )
    if MandatoryReport.objects.filter(call=call).exists():
        raise ConflictError(_("This call's mandatory report is already recorded."))
    if agency not in MandatoryReport.Agency.values:
        raise ValidationError({"agency": _("Choose from the list.")})
    try:
        field_rules.validate_past_date(reported_on)
    except ValidationError as error:
        raise ValidationError({"reported_on": error.messages}) from error
    if reported_on < timezone.localdate(call.started_at):
        raise ValidationError({"reported_on": _("A report follows the call: check the date.")})
    report = MandatoryReport.objects.create(
        call=call,
        reported_on=reported_on,
        agency=agency,
        reference_number=clean_text(reference_number)[:64],
        reporter=actor,
    )
    audit_log(
        actor=actor,
        action="hotline.mandatoryreport.recorded",
        target=call,
        data={"report": report.pk, "agency": agency},
    )
    return report
