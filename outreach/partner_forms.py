"""Forms of the partner, agreement, trainee and sign-in sheet pages; the rules live in
`outreach.services` (partners, trainees, importing)."""

from __future__ import annotations

from typing import cast

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from centre import field_rules
from centre.forms import VersionedForm
from centre.models import School, Site
from centre.widgets import DateInput
from outreach.models import Partner


class PartnerForm(forms.Form):
    site = forms.ModelChoiceField(label=_("Site"), queryset=Site.objects.none(), empty_label=None)
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=Partner.Kind.choices)
    school = forms.ModelChoiceField(
        label=_("School"),
        queryset=School.objects.none(),
        required=False,
        help_text=_("When the partner is a school of the network."),
    )
    contact_person = forms.CharField(label=_("Contact person"), max_length=100, required=False)
    contact_phone = forms.CharField(
        label=_("Contact phone"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, sites, schools, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        cast("forms.ModelChoiceField[Site]", self.fields["site"]).queryset = sites
        cast("forms.ModelChoiceField[School]", self.fields["school"]).queryset = schools
        if editing:
            del self.fields["site"]  # a partner stays at its site


class AgreementForm(forms.Form):
    starts_on = forms.DateField(
        label=_("Starts on"), widget=DateInput, validators=[field_rules.validate_planned]
    )
    ends_on = forms.DateField(
        label=_("Ends on"), widget=DateInput, validators=[field_rules.validate_planned]
    )
    services = forms.CharField(
        label=_("Services agreed"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example: lectures on mental health, group counselling for staff."),
    )
    contact_person = forms.CharField(label=_("Contact person"), max_length=100, required=False)

    def clean(self):
        data = super().clean() or self.cleaned_data
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", _("The agreement ends on or after the day it starts."))
        return data


class TraineeForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    organisation = forms.CharField(
        label=_("Organisation"),
        max_length=200,
        required=False,
        help_text=_("Where the trainee works (a school, a community, an agency…)."),
    )


class TraineesCountForm(VersionedForm):
    trainees_count = forms.IntegerField(
        label=_("Trainees counted"),
        min_value=0,
        max_value=100_000,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 0}),
        help_text=_("The head count of the sign-in sheet: the trainee-times of the figures."),
    )


class SignInSheetForm(forms.Form):
    file = forms.FileField(label=_("Sign-in sheet (.xlsx or .csv)"))
    all_or_nothing = forms.BooleanField(
        label=_("Import nothing unless every row is valid"), required=False
    )
    replace_counts = forms.BooleanField(
        label=_("Replace the counts recorded"),
        required=False,
        help_text=_("When the event already has attendance counts, the sheet's replace them."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # In the reader's language (at import it took the server's).
        self.fields["file"].help_text = _(
            "Up to %(megabytes)s MB. Columns 身份 (学生, 家长, 教师, 工作人员, 其他) for the "
            "attendance; for a training 姓名 and 单位 for the trainee list. CSV in UTF-8 or "
            "GB18030 (Chinese Excel's CSV reads too)."
        ) % {"megabytes": settings.ROSTER_MAX_BYTES // 1_000_000}
