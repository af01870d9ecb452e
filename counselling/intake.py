"""The intake form: register a child, their guardian and consent, and open a case in one step.

Counselling's own intake page and screening's green-channel referral both use it (screening
imports this module, never counselling's views or page forms)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from centre import field_rules
from centre.models import School
from centre.widgets import DateInput
from counselling.models import Case, Client, Consent, Guardian, RiskLevel


class ClientSearchForm(forms.Form):
    """Step 1 of intake, sent by POST: a child's name and date of birth never go in a URL.

    The intake page shows it above the register form, which has the same fields: its ids are
    its own (`search-…`), so each label focuses its field and screen readers name the right
    one."""

    def __init__(self, *args, **kwargs):
        if type(self) is ClientSearchForm:
            kwargs.setdefault("auto_id", "search-%s")
        super().__init__(*args, **kwargs)

    full_name = forms.CharField(label=_("Name"), max_length=100)
    date_of_birth = forms.DateField(
        label=_("Date of birth"), widget=DateInput, validators=[field_rules.validate_birth_date]
    )
    school = forms.ModelChoiceField(
        label=_("School"), queryset=School.objects.order_by("code"), required=False
    )


class IntakeForm(ClientSearchForm):
    sex = forms.ChoiceField(label=_("Sex"), choices=[("", "—"), *Client.Sex.choices])
    grade = forms.CharField(label=_("Grade"), max_length=20, required=False)
    class_name = forms.CharField(label=_("Class"), max_length=20, required=False)
    student_no = forms.CharField(label=_("Student number"), max_length=32, required=False)
    phone = forms.CharField(label=_("Client's phone"), max_length=32, required=False)

    guardian_relationship = forms.ChoiceField(
        label=_("Guardian's relationship"),
        choices=[("", "—"), *Guardian.Relationship.choices],
        required=False,
    )
    guardian_name = forms.CharField(label=_("Guardian's name"), max_length=100, required=False)
    guardian_phone = forms.CharField(label=_("Guardian's phone"), max_length=32, required=False)
    consent_given_by = forms.ChoiceField(
        label=_("Consent to counselling given by"),
        choices=Consent.GivenBy.choices,
        initial=Consent.GivenBy.GUARDIAN,
    )
    consent_version = forms.CharField(
        label=_("Consent form version"), max_length=20, initial=settings.CONSENT_FORM_VERSION
    )

    # No default: the first choice preselected was saved as the source of cases nobody chose it
    # for. An empty first choice, and the field is required.
    source = forms.ChoiceField(label=_("Source"), choices=[("", "—"), *Case.Source.choices])
    presenting_concerns = forms.CharField(
        label=_("Presenting concerns"), widget=forms.Textarea(attrs={"rows": 4})
    )
    risk_level = forms.ChoiceField(
        label=_("Risk level at intake"), choices=RiskLevel.choices, initial=RiskLevel.NONE
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or self.cleaned_data  # the same dict: typed never None
        guardian = [
            data.get("guardian_relationship"),
            data.get("guardian_name"),
            data.get("guardian_phone"),
        ]
        if any(guardian) and not all(guardian):
            raise forms.ValidationError(
                _("Give the guardian's relationship, name and phone, or none of them.")
            )
        return data

    FIELDSETS = [
        (
            _("The child"),
            [
                "full_name",
                "date_of_birth",
                "school",
                "sex",
                "grade",
                "class_name",
                "student_no",
                "phone",
            ],
            "",
        ),
        (
            _("Guardian and consent"),
            [
                "guardian_relationship",
                "guardian_name",
                "guardian_phone",
                "consent_given_by",
                "consent_version",
            ],
            _(
                "Under 14, a guardian's consent to counselling is needed before the case opens "
                "(PIPL Art. 31)."
            ),
        ),
        (_("The case"), ["source", "presenting_concerns", "risk_level"], ""),
    ]

    def fieldsets(self) -> list[dict]:
        return [
            {"legend": legend, "fields": [self[name] for name in names], "help": help_text}
            for legend, names, help_text in self.FIELDSETS
        ]

    def client_fields(self) -> dict:
        data = self.cleaned_data
        names = [
            "full_name",
            "sex",
            "date_of_birth",
            "school",
            "grade",
            "class_name",
            "student_no",
            "phone",
        ]
        return {name: data[name] for name in names}

    def guardian_fields(self) -> dict | None:
        data = self.cleaned_data
        if not data.get("guardian_name"):
            return None
        return {
            "relationship": data["guardian_relationship"],
            "full_name": data["guardian_name"],
            "phone": data["guardian_phone"],
        }

    def case_fields(self) -> dict:
        data = self.cleaned_data
        return {name: data[name] for name in ["source", "presenting_concerns", "risk_level"]}

    def intake(self) -> dict:
        """The arguments of `services.case_open_from_intake` besides the actor and the site."""
        return {
            "client_fields": self.client_fields(),
            "guardian_fields": self.guardian_fields(),
            "consent_given_by": self.cleaned_data["consent_given_by"],
            "consent_version": self.cleaned_data["consent_version"],
            "case_fields": self.case_fields(),
        }
