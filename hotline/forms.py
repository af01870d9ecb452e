"""The call form: contact, caller, issues, the C-SSRS screener (screening's questions), actions,
referrals, callback and what the caller gave. A non-data contact ignores everything but its
type and channel (the service keeps nothing else)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from centre import field_rules
from centre.forms import StaffChoiceField, VersionedForm
from centre.models import Site, User
from centre.roles import Role
from centre.selectors import staff_of_site_tree
from centre.widgets import DateInput, DateTimeInput
from counselling.intake import IntakeForm
from hotline import taxonomy
from hotline.models import Call, MandatoryReport
from screening.forms import CssrsForm
from screening.scoring import CSSRS_QUESTIONS

YES_NO = [("yes", _("Yes")), ("no", _("No"))]


def _issue_choices() -> list[Any]:
    groups: list[Any] = [("", "—")]
    for category, label in taxonomy.CATEGORIES.items():
        subs = taxonomy.SUBCATEGORIES[category]
        groups.append((label, [(f"{category}:{code}", sub) for code, sub in subs.items()]))
    return groups


# The call's fields the form edits, read from and written to the record by name.
CALL_FIELDS = (
    "channel",
    "contact_type",
    "caller_role",
    "age_band",
    "sex",
    "region",
    "summary",
    "actions",
    "referrals",
    "crisis",
    "callback_wanted",
    "callback_consent",
    "caller_name",
    "caller_phone",
)


class CallForm(VersionedForm):
    channel = forms.ChoiceField(
        label=_("Channel"), choices=Call.Channel.choices, widget=forms.RadioSelect
    )
    contact_type = forms.ChoiceField(
        label=_("Contact"), choices=Call.ContactType.choices, widget=forms.RadioSelect
    )
    caller_role = forms.ChoiceField(
        label=_("Caller"),
        choices=Call.CallerRole.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    age_band = forms.ChoiceField(
        label=_("Age of the child"),
        choices=Call.AgeBand.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    sex = forms.ChoiceField(
        label=_("Sex of the child"),
        choices=Call.Sex.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    region = forms.CharField(label=_("Region"), max_length=50, required=False)
    issue_1 = forms.ChoiceField(label=_("Issue 1"), choices=_issue_choices, required=False)
    issue_2 = forms.ChoiceField(label=_("Issue 2"), choices=_issue_choices, required=False)
    issue_3 = forms.ChoiceField(label=_("Issue 3"), choices=_issue_choices, required=False)
    summary = forms.CharField(
        label=_("Summary"),
        max_length=field_rules.CALL_SUMMARY_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What the call was about, in a few lines. No names."),
    )
    actions = forms.MultipleChoiceField(
        label=_("What was done"),
        choices=Call.Action.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    referrals = forms.MultipleChoiceField(
        label=_("Referred to"),
        choices=Call.Referral.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    crisis = forms.BooleanField(label=_("Crisis"), required=False)
    callback_wanted = forms.BooleanField(label=_("The caller wants a callback"), required=False)
    callback_consent = forms.BooleanField(
        label=_("The caller consents to being called back"), required=False
    )
    caller_name = forms.CharField(label=_("Name the caller gave"), max_length=100, required=False)
    caller_phone = forms.CharField(
        label=_("Number the caller gave"),
        max_length=32,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )

    confirm_erase = forms.BooleanField(label=_("Yes, erase what this call holds"), required=False)

    def __init__(self, *args: Any, erasing_saved: bool = False, **kwargs: Any) -> None:
        """`erasing_saved`: the call is a saved call about a child, whose data a non-data
        contact type would erase (asked to confirm first)."""
        super().__init__(*args, **kwargs)
        self.erasing_saved = erasing_saved
        # The C-SSRS screener's questions as screening asks them, as yes/no radio groups.
        for name in CSSRS_QUESTIONS:
            question = CssrsForm.base_fields[name]
            self.fields[f"cssrs_{name}"] = forms.ChoiceField(
                label=question.label, choices=YES_NO, widget=forms.RadioSelect, required=False
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            self.erasing_saved
            and data.get("contact_type") in Call.NON_DATA_CONTACTS
            and not data.get("confirm_erase")
        ):
            self.add_error(
                "confirm_erase",
                _(
                    "Saved as a contact that keeps nothing, this call loses its summary, "
                    "triage and caller details: confirm to erase them."
                ),
            )
        return data

    def clean_caller_phone(self) -> str:
        phone = self.cleaned_data["caller_phone"].strip()
        if phone:
            field_rules.validate_phone(phone, field=None)
        return phone

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        issues = []
        for name in ("issue_1", "issue_2", "issue_3"):
            if data.get(name):
                category, _sep, sub = data[name].partition(":")
                issues.append((category, sub))
        answers = {
            name: {"yes": True, "no": False}.get(data.get(f"cssrs_{name}") or "")
            for name in CSSRS_QUESTIONS
        }
        fields = {name: data[name] for name in CALL_FIELDS}
        return {
            **fields,
            "issues": issues,
            "cssrs_answers": answers,
            "expected_version": data["version"],
        }

    @classmethod
    def initial_for(cls, call: Call) -> dict[str, Any]:
        initial: dict[str, Any] = {name: getattr(call, name) for name in ("version", *CALL_FIELDS)}
        for position, issue in enumerate(call.issues.all(), start=1):
            initial[f"issue_{position}"] = f"{issue.category}:{issue.subcategory}"
        for name, value in (call.cssrs_answers or {}).items():
            if isinstance(value, bool):
                initial[f"cssrs_{name}"] = "yes" if value else "no"
        return initial


class CallerFlagForm(forms.Form):
    days = forms.IntegerField(
        label=_("Flag the caller abusive for (days)"),
        min_value=1,
        max_value=field_rules.CALLER_FLAG_DAYS_MAX,
        initial=7,
    )


class CaseLinkForm(forms.Form):
    case_number = forms.IntegerField(label=_("Case number"), min_value=1, max_value=2**31 - 1)


class MandatoryReportForm(forms.Form):
    reported_on = forms.DateField(label=_("Reported on"), widget=DateInput)
    agency = forms.ChoiceField(label=_("Agency"), choices=MandatoryReport.Agency.choices)
    reference_number = forms.CharField(label=_("Reference number"), max_length=64, required=False)


class GreenChannelForm(IntakeForm):
    """Open a counselling case from a call (green channel): the counselling intake reduced to
    what it needs (minimal exposure: no phone, class or student number, nothing of the caller),
    the source and risk set from the call, and the counsellor of the actor's sites it goes to."""

    counsellor = StaffChoiceField(label=_("Counsellor"), queryset=User.objects.none())

    FIELDSETS = [
        (_("The child"), ["full_name", "date_of_birth", "school", "sex"], ""),
        IntakeForm.FIELDSETS[1],
        (
            _("The case"),
            ["counsellor", "presenting_concerns"],
            _("The case opens at the counsellor's site with the call's risk level."),
        ),
    ]

    def __init__(self, *args: Any, site: Site | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("grade", "class_name", "student_no", "phone", "source", "risk_level"):
            del self.fields[name]
        self.fields["counsellor"].queryset = staff_of_site_tree(  # type: ignore[attr-defined]
            site=site, roles=[Role.COUNSELLOR]
        )

    def client_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in GREEN_CHANNEL_CLIENT_FIELDS}

    def intake(self) -> dict:
        return {
            "client_fields": self.client_fields(),
            "guardian_fields": self.guardian_fields(),
            "consent_given_by": self.cleaned_data["consent_given_by"],
            "consent_version": self.cleaned_data["consent_version"],
            "presenting_concerns": self.cleaned_data["presenting_concerns"],
        }


GREEN_CHANNEL_CLIENT_FIELDS = ("full_name", "sex", "date_of_birth", "school")


class HandoverForm(forms.Form):
    """The outgoing shift's note to the next one (the service checks its length and the end)."""

    shift_ends_at = forms.DateTimeField(
        label=_("This shift ends at"),
        widget=DateTimeInput,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    note = forms.CharField(
        label=_("Note for the next shift"),
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": 4000}),
        max_length=4000,
    )
