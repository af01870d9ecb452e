"""HTML forms of the counselling pages. Forms validate input; business rules live in services.

The intake forms, which screening's referral page uses too, are in `counselling.intake`."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from centre import field_rules
from centre.forms import VersionedForm
from centre.models import User
from centre.roles import CLINICIAN_ROLES, Role
from centre.selectors import staff_of_site_tree
from centre.widgets import DateInput, DateTimeInput, TypedDateTimeInput
from counselling.models import (
    Case,
    Consent,
    CounsellingSession,
    Guardian,
    Referral,
    RiskLevel,
    SafetyPlan,
)


class CaseFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("All")), *Case.Status.choices], required=False
    )
    risk_level = forms.ChoiceField(
        label=_("Risk level"), choices=[("", _("All")), *RiskLevel.choices], required=False
    )


def colleagues(actor: User, roles=CLINICIAN_ROLES):
    """The staff a picker offers: of the actor's site and the sites below it."""
    return staff_of_site_tree(site=actor.site, roles=roles)


def crisis_reason_field() -> forms.CharField:
    """Asked for only when the consent to counselling is no longer in force (the service
    refuses the work without it)."""
    return forms.CharField(
        label=_("Crisis: why this cannot wait"),
        help_text=_(
            "The consent to counselling was withdrawn. Only in a crisis (PIPL Art. 13(4)) may "
            "you go on; the reason is kept in the audit log."
        ),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )


class CrisisExceptionMixin:
    """`crisis=True` adds the crisis-exception reason to the form."""

    def __init__(self, *args, crisis: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if crisis:
            self.fields["crisis_reason"] = crisis_reason_field()


class SessionForm(CrisisExceptionMixin, forms.ModelForm):
    """The fast "log a session" form: sensible defaults, keyboard order, Ctrl+Enter saves."""

    class Meta:
        model = CounsellingSession
        fields = [
            "held_at",
            "duration_minutes",
            "kind",
            "modality",
            "attendance",
            "note_presenting",
            "note_intervention",
            "note_plan",
            "risk_assessed",
        ]
        widgets = {
            # One text box, not datetime-local: its five segments would each take a Tab.
            "held_at": TypedDateTimeInput,
            "note_presenting": forms.Textarea(attrs={"rows": 3}),
            "note_intervention": forms.Textarea(attrs={"rows": 3}),
            "note_plan": forms.Textarea(attrs={"rows": 3}),
        }

    # The case's version when the form was opened: a risk assessed here changes the case, and is
    # refused (409, what was typed kept) if someone else saved the case meanwhile.
    case_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)
    version_field = "case_version"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["held_at"].widget.attrs["autofocus"] = True
        self.fields["risk_assessed"].choices = [("", _("Not assessed")), *RiskLevel.choices]


class SessionEditForm(VersionedForm):
    attendance = forms.ChoiceField(
        label=_("Attendance"), choices=CounsellingSession.Attendance.choices
    )
    duration_minutes = forms.IntegerField(
        label=_("Duration (minutes)"), min_value=0, max_value=field_rules.SESSION_MINUTES_MAX
    )
    note_presenting = forms.CharField(
        label=_("Presenting"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    note_intervention = forms.CharField(
        label=_("Intervention"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    note_plan = forms.CharField(
        label=_("Plan"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class ConcernsForm(VersionedForm):
    presenting_concerns = forms.CharField(
        label=_("Presenting concerns"), widget=forms.Textarea(attrs={"rows": 4})
    )


class RiskForm(VersionedForm):
    risk_level = forms.ChoiceField(label=_("New risk level"), choices=RiskLevel.choices)
    reason = forms.CharField(label=_("Why"), widget=forms.Textarea(attrs={"rows": 2}))


class StatusForm(VersionedForm):
    status = forms.ChoiceField(label=_("New status"), choices=Case.Status.choices)


class AssignForm(VersionedForm):
    counsellor = forms.ModelChoiceField(label=_("Lead counsellor"), queryset=User.objects.none())

    def __init__(self, *args, actor: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["counsellor"].queryset = colleagues(actor, roles=[Role.COUNSELLOR])


class ShareForm(forms.Form):
    user = forms.ModelChoiceField(label=_("Colleague"), queryset=User.objects.none())
    can_change = forms.BooleanField(label=_("May also write in the file"), required=False)

    def __init__(self, *args, actor: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = colleagues(actor)


class SafetyPlanForm(forms.ModelForm):
    class Meta:
        model = SafetyPlan
        fields = [
            "warning_signs",
            "coping_strategies",
            "people_and_places",
            "professional_contacts",
            "means_safety",
        ]
        widgets = {name: forms.Textarea(attrs={"rows": 3}) for name in fields}


class ReferralForm(CrisisExceptionMixin, forms.ModelForm):
    class Meta:
        model = Referral
        fields = ["destination", "reason"]
        widgets = {"reason": forms.Textarea(attrs={"rows": 3})}


class ReferralAdvanceForm(forms.Form):
    status = forms.ChoiceField(label=_("Next state"), choices=Referral.Status.choices)
    scheduled_for = forms.DateTimeField(
        label=_("Appointment"),
        widget=DateTimeInput,
        required=False,
        validators=[field_rules.validate_planned],
    )
    feedback_to_school = forms.CharField(
        label=_("Feedback to the school"),
        help_text=_("Attendance, return-to-school advice and accommodations only; no diagnosis."),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )

    def __init__(self, *args, referral: Referral, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = Referral.NEXT_STATUSES[Referral.Status(referral.status)]
        self.fields["status"].choices = [
            (value, label) for value, label in Referral.Status.choices if value in allowed
        ]


class GuardianForm(forms.ModelForm):
    class Meta:
        model = Guardian
        fields = ["relationship", "full_name", "phone"]


class ConsentForm(forms.Form):
    purpose = forms.ChoiceField(label=_("Purpose"), choices=Consent.Purpose.choices)
    given_by = forms.ChoiceField(label=_("Given by"), choices=Consent.GivenBy.choices)
    guardian = forms.ModelChoiceField(
        label=_("Guardian"), queryset=Guardian.objects.none(), required=False
    )
    version = forms.CharField(
        label=_("Form version"), max_length=20, initial=settings.CONSENT_FORM_VERSION
    )

    def __init__(self, *args, client, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["guardian"].queryset = client.guardians.all()

    def clean(self):
        data = super().clean() or self.cleaned_data  # the same dict: typed never None
        if data.get("given_by") == Consent.GivenBy.GUARDIAN and not data.get("guardian"):
            raise forms.ValidationError(_("Choose the guardian who gives the consent."))
        if data.get("given_by") == Consent.GivenBy.CLIENT:
            data["guardian"] = None
        return data


class BreakGlassForm(forms.Form):
    reason = forms.CharField(
        label=_("Why you need this file now"), widget=forms.Textarea(attrs={"rows": 3})
    )


class CaseConferenceForm(forms.Form):
    held_on = forms.DateField(
        label=_("Held on"), widget=DateInput, validators=[field_rules.validate_past_date]
    )
    participants = forms.ModelMultipleChoiceField(
        label=_("Participants"), queryset=User.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    cases = forms.ModelMultipleChoiceField(
        label=_("Cases discussed"),
        queryset=Case.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    decisions = forms.CharField(label=_("Decisions"), widget=forms.Textarea(attrs={"rows": 5}))

    def __init__(self, *args, cases, actor: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["participants"].queryset = colleagues(actor)
        self.fields["cases"].queryset = cases
        self.fields["cases"].label_from_instance = lambda case: (
            _("Case %(number)s") % {"number": case.pk}
        )


class FollowUpAddForm(forms.Form):
    due_at = forms.DateTimeField(
        label=_("Due"), widget=TypedDateTimeInput, validators=[field_rules.validate_planned]
    )


class FollowUpMoveForm(VersionedForm, FollowUpAddForm):
    pass


class FollowUpOutcomeForm(VersionedForm):
    attended = forms.TypedChoiceField(
        label=_("Contact"),
        choices=[("1", _("Reached: record the outcome")), ("0", _("Not reached: missed"))],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
        initial="1",
    )
    outcome = forms.CharField(label=_("Outcome"), widget=forms.Textarea(attrs={"rows": 3}))
    risk_assessed = forms.ChoiceField(
        label=_("Risk assessed"),
        choices=[("", _("Not assessed")), *RiskLevel.choices],
        required=False,
    )
    reopen = forms.BooleanField(label=_("Reopen the case"), required=False)
