"""Forms of the screening pages; rules live in services."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from centre import field_rules
from centre.models import School, User
from centre.roles import Role
from centre.widgets import DateInput
from screening.importing import INSTRUMENT_PREFIX
from screening.models import ConsentBasis, LeftReason, Tier, TrackingTask

INSTRUMENT_CHOICES = [(instrument, instrument) for instrument in INSTRUMENT_PREFIX]


class CampaignForm(forms.Form):
    school = forms.ModelChoiceField(label=_("School"), queryset=School.objects.none())
    name = forms.CharField(label=_("Campaign name"), max_length=100)
    instruments = forms.MultipleChoiceField(
        label=_("Instruments"),
        choices=INSTRUMENT_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        initial=["PHQ-A", "GAD-7"],
        help_text=_("The SDQ may be used online only under a licence from youthinmind."),
    )
    opens_on = forms.DateField(
        label=_("Opens on"), widget=DateInput, validators=[field_rules.validate_planned]
    )
    closes_on = forms.DateField(
        label=_("Closes on"), widget=DateInput, validators=[field_rules.validate_planned]
    )
    liaison = forms.ModelChoiceField(label=_("Liaison"), queryset=User.objects.none())
    phq_referral_cutoff = forms.IntegerField(
        label=_("PHQ referral cut-off"), initial=10, min_value=5, max_value=20
    )
    consent_basis = forms.ChoiceField(
        label=_("Consent basis"),
        choices=[("", _("Not recorded yet")), *ConsentBasis.choices],
        required=False,
        help_text=_("Needed before students can answer online."),
    )

    def __init__(self, *args, schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools
        self.fields["liaison"].queryset = User.objects.filter(
            groups__name=Role.SCHOOL_LIAISON.value, school__in=schools, is_active=True
        )

    def clean(self):
        data = super().clean() or self.cleaned_data  # the same dict: typed never None
        if data.get("opens_on") and data.get("closes_on") and data["closes_on"] < data["opens_on"]:
            raise forms.ValidationError(_("The campaign closes after it opens."))
        if (
            data.get("liaison")
            and data.get("school")
            and data["liaison"].school_id != data["school"].pk
        ):
            raise forms.ValidationError(_("The liaison belongs to another school."))
        return data


class UploadForm(forms.Form):
    file = forms.FileField(label=_("Roster (.xlsx or .csv)"))
    all_or_nothing = forms.BooleanField(
        label=_("Import nothing unless every row is valid"), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Filled in per form, in the reader's language (at import it took the server's).
        self.fields["file"].help_text = _(
            "Up to %(megabytes)s MB. CSV in UTF-8 or GB18030 (“CSV UTF-8” in Excel)."
        ) % {"megabytes": settings.ROSTER_MAX_BYTES // 1_000_000}


class CssrsForm(forms.Form):
    """The C-SSRS screener as asked (DOMAIN.md §3.2): Q3–Q5 only when Q2 is yes."""

    YES_NO = [("", "—"), ("yes", _("Yes")), ("no", _("No"))]
    q1 = forms.ChoiceField(label=_("1. Wished to be dead or not wake up?"), choices=YES_NO)
    q2 = forms.ChoiceField(label=_("2. Any thoughts of killing yourself?"), choices=YES_NO)
    q3 = forms.ChoiceField(
        label=_("3. Thought about how you might do this?"), choices=YES_NO, required=False
    )
    q4 = forms.ChoiceField(
        label=_("4. Some intention of acting on these thoughts?"), choices=YES_NO, required=False
    )
    q5 = forms.ChoiceField(
        label=_("5. Worked out the details, and intend to carry it out?"),
        choices=YES_NO,
        required=False,
    )
    q6 = forms.ChoiceField(
        label=_("6. Done, started or prepared anything to end your life?"), choices=YES_NO
    )
    q6_past_3_months = forms.ChoiceField(
        label=_("6b. Within the past 3 months?"), choices=YES_NO, required=False
    )

    def answers(self) -> dict:
        values = {"yes": True, "no": False, "": None}
        return {name: values[self.cleaned_data[name]] for name in self.fields}


class TierForm(forms.Form):
    """Raising a tier applies at once; lowering it asks a second clinician, who approves it in
    their own session (services.tier_request_decide)."""

    tier = forms.ChoiceField(label=_("Tier"), choices=Tier.choices)
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Lowering a tier waits for a second clinician's approval."),
    )


class TaskDoneForm(forms.Form):
    """A school-side task done, with how it ended (services.task_complete)."""

    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=TrackingTask.Outcome.choices, widget=forms.RadioSelect
    )
    outcome_note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What was seen, in a few words; needed for a concern. No diagnosis."),
    )


class OnlineCodeForm(forms.Form):
    """The code printed on a student's slip."""

    code = forms.CharField(
        label=_("Your code"),
        max_length=30,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )


class OnlineAnswerForm(forms.Form):
    """One question's answer: big radio buttons, one of them required."""

    def __init__(self, *args: object, choices: list[tuple[int, object]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["answer"] = forms.TypedChoiceField(
            label=_("Your answer"),
            choices=[(str(value), label) for value, label in choices],
            coerce=int,
            widget=forms.RadioSelect(attrs={"class": "big-choice"}),
            error_messages={"required": _("Choose one answer to go on.")},
        )


class OnlineOpenForm(forms.Form):
    """A class of the school to open the campaign online for."""

    def __init__(self, *args: object, classes: list[str], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["class_name"] = forms.ChoiceField(
            label=_("Class"), choices=[(name, name) for name in classes]
        )


def student_ticks(student_ids: list[int], **options: Any) -> forms.TypedMultipleChoiceField:
    """The ticked boxes of a class list, by student id: only the ids listed are accepted (a
    student of another class or school is an invalid choice, a message on the page)."""
    return forms.TypedMultipleChoiceField(
        choices=[(str(pk), str(pk)) for pk in student_ids], coerce=int, **options
    )


class ConsentSlipsForm(forms.Form):
    """The guardians' slips that came back for one class: the students ticked (those whose
    guardian's consent is not recorded yet), and the version printed on the slips."""

    version = forms.CharField(
        label=_("Version printed on the slips"),
        max_length=20,
        initial=settings.SCREENING_CONSENT_VERSION,
    )

    numbers = forms.CharField(
        label=_("Or paste student numbers"),
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Any class of the school: one per line, or a column copied from Excel."),
    )

    def __init__(self, *args: object, student_ids: list[int], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["students"] = student_ticks(
            student_ids,
            label=_("Slips returned"),
            required=False,
            error_messages={"invalid_choice": _("Tick students of this class list only.")},
        )

    def student_numbers(self) -> list[str]:
        """The pasted numbers, each once, in the order pasted (commas, spaces, tabs or lines)."""
        text = self.cleaned_data.get("numbers", "")
        return list(dict.fromkeys(re.split(r"[\s,，、;；]+", text.strip()))) if text.strip() else []


class LeavingForm(forms.Form):
    """Students of one class (or grade) who left the school on a day, or the marks to undo.
    Whether the day can be true is the service's rule (`services.leaving.leaving_check`)."""

    MARK, UNMARK = "mark", "unmark"

    action = forms.ChoiceField(choices=[(MARK, MARK), (UNMARK, UNMARK)], widget=forms.HiddenInput)
    left_on = forms.DateField(label=_("Left the school on"), widget=DateInput, required=False)
    reason = forms.ChoiceField(
        label=_("Reason"), choices=LeftReason.choices, initial=LeftReason.GRADUATED, required=False
    )

    def __init__(self, *args: object, student_ids: list[int], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["students"] = student_ticks(
            student_ids,
            label=_("Students"),
            error_messages={
                "required": _("Tick at least one student."),
                "invalid_choice": _("Tick students of this list only."),
            },
        )

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        if cleaned.get("action") == self.MARK:
            if not cleaned.get("left_on") and "left_on" not in self.errors:
                self.add_error("left_on", _("Give the day the students left."))
            if not cleaned.get("reason") and "reason" not in self.errors:
                self.add_error("reason", _("Choose why the students left."))
        return cleaned
