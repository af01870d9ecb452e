"""HTML forms of the counselling pages. Forms validate input; business rules live in services.

The intake forms, which screening's referral page uses too, are in `counselling.intake`."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from centre import field_rules
from centre.forms import StaffChoiceField, StaffMultipleChoiceField, VersionedForm
from centre.models import School, User
from centre.roles import CLINICIAN_ROLES, Role
from centre.selectors import schools_for_user, staff_of_site_tree
from centre.text import masked_name, without_invisible, word_characters
from centre.widgets import DateInput, DateTimeInput, TypedDateTimeInput
from counselling.models import (
    Appointment,
    Case,
    Consent,
    CounsellingSession,
    Guardian,
    Referral,
    RiskLevel,
    SafetyPlan,
)


class CaseFilterForm(forms.Form):
    """The caseload's filters (a GET: no name in them). Closed cases only when asked for."""

    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("Open cases")), *Case.Status.choices, ("all", _("All, closed included"))],
        required=False,
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
    held_at = forms.DateTimeField(
        label=_("Held at"),
        widget=TypedDateTimeInput,
        validators=[field_rules.validate_held_at],
    )
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
    """On the case file with the risk and status forms: each has ids of its own (`auto_id`)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "concerns-%s")
        super().__init__(*args, **kwargs)

    presenting_concerns = forms.CharField(
        label=_("Presenting concerns"), widget=forms.Textarea(attrs={"rows": 4})
    )


class RiskForm(VersionedForm):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "risk-%s")
        super().__init__(*args, **kwargs)

    risk_level = forms.ChoiceField(label=_("New risk level"), choices=RiskLevel.choices)
    reason = forms.CharField(label=_("Why"), widget=forms.Textarea(attrs={"rows": 2}))


class StatusForm(VersionedForm):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "status-%s")
        super().__init__(*args, **kwargs)

    status = forms.ChoiceField(label=_("New status"), choices=Case.Status.choices)


class AssignForm(VersionedForm):
    counsellor = StaffChoiceField(label=_("Lead counsellor"), queryset=User.objects.none())

    def __init__(self, *args, actor: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["counsellor"].queryset = colleagues(actor, roles=[Role.COUNSELLOR])


class ShareForm(forms.Form):
    user = StaffChoiceField(label=_("Colleague"), queryset=User.objects.none())
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
        # One form per referral on the case file: ids of its own, so each label finds its field.
        kwargs.setdefault("auto_id", f"referral-{referral.pk}-%s")
        super().__init__(*args, **kwargs)
        allowed = Referral.NEXT_STATUSES[Referral.Status(referral.status)]
        self.fields["status"].choices = [
            (value, label) for value, label in Referral.Status.choices if value in allowed
        ]


class GuardianForm(forms.ModelForm):
    class Meta:
        model = Guardian
        fields = ["relationship", "full_name", "phone"]


class GuardianEditForm(VersionedForm):
    """A guardian's details, changed against the version read (a stale save answers 409)."""

    relationship = forms.ChoiceField(label=_("Relationship"), choices=Guardian.Relationship.choices)
    full_name = forms.CharField(label=_("Name"), max_length=100)
    phone = forms.CharField(label=_("Phone"), max_length=32)
    language = forms.ChoiceField(label=_("Language of messages"), choices=settings.LANGUAGES)


class CaseCloseForm(VersionedForm):
    """The confirmation page's one button: close the case read at `version`."""


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


class CrisisSearchForm(forms.Form):
    """The crisis team's search for a case to break the glass on, sent by POST (no name in a
    URL)."""

    name = forms.CharField(label=_("The child's name, or part of it"), max_length=100)
    school = forms.ModelChoiceField(
        label=_("School"), queryset=School.objects.none(), required=False
    )

    def __init__(self, *args, actor: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools_for_user(actor).order_by("code")

    def clean_name(self) -> str:
        name = without_invisible(self.cleaned_data["name"])
        if not word_characters(name):
            raise forms.ValidationError(_("Type at least one letter of the name."))
        return name


class BreakGlassForm(forms.Form):
    reason = forms.CharField(
        label=_("Why you need this file now"), widget=forms.Textarea(attrs={"rows": 3})
    )


def conference_case_label(case: Case) -> str:
    """A case as the conference picks it: number, masked name, risk and lead counsellor — enough
    to recognise it, no more (`site_cases_for_conference` reads the client and counsellor)."""
    return " · ".join(
        [
            _("Case %(number)s") % {"number": case.pk},
            masked_name(case.client.full_name),
            str(case.get_risk_level_display()),
            case.counsellor.get_full_name() or case.counsellor.username,
        ]
    )


class CaseConferenceForm(forms.Form):
    held_on = forms.DateField(
        label=_("Held on"), widget=DateInput, validators=[field_rules.validate_past_date]
    )
    participants = StaffMultipleChoiceField(
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
        self.fields["cases"].label_from_instance = conference_case_label


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


class CaseloadSearchForm(forms.Form):
    """Search one's cases by the child's name, student number or school: sent by POST, so a
    child's name never goes in a URL or an access log."""

    text = forms.CharField(
        label=_("Name, student number or school"),
        max_length=100,
        strip=True,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    include_closed = forms.BooleanField(label=_("Closed cases too"), required=False)


class AppointmentForm(forms.ModelForm):
    """Plan a session at a time; the guardian is reminded where they consented."""

    class Meta:
        model = Appointment
        fields = ["starts_at", "duration_minutes", "kind", "modality"]
        widgets = {"starts_at": TypedDateTimeInput}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["starts_at"].widget.attrs["autofocus"] = True


class AppointmentSessionForm(SessionForm):
    """ "Log a session" prefilled from the appointment; saving marks the appointment done."""

    appointment_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    version_field = "appointment_version"

    def session_fields(self) -> dict:
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if name != "appointment_version"
        }
