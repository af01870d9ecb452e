"""Forms of the event pages: plan or edit an event, a recurring series, its attendance at the
door, marking it held with a short report, cancelling it, adding a participant to a group.

The choices offered are those of the user's site tree (sites, schools, partners, facilitators);
the services check them again (`outreach.services.events`).

The forms of every outreach page: events, series, attendance and participants; monthly
targets; partners, agreements, trainees and sign-in sheets."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from centre import field_rules
from centre.forms import StaffMultipleChoiceField, VersionedForm
from centre.models import School, Site, User
from centre.selectors import schools_for_user, staff_of_site_tree
from centre.widgets import DateInput, DateTimeInput
from outreach.models import (
    EVENT_MINUTES_MAX,
    SERIES_OCCURRENCES_MAX,
    Event,
    EventKind,
    Partner,
    Series,
    Topic,
    VenueType,
)
from outreach.selectors import EVENT_ROLES, active_topics, outreach_sites_visible_to
from outreach.services.targets import TARGET_MAX

COUNT_MAX = 100_000


class TopicChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        from django.utils.translation import get_language

        return str(obj.name_in(get_language()))


class SiteChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class SchoolChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class PartnerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


def partners_for_user(user: User) -> QuerySet[Partner]:
    """The active partners of the user's site tree (a picker's choices)."""
    if user.site is None:
        return Partner.objects.none()
    return Partner.objects.filter(site__path__startswith=user.site.path, active=True)


def _venue_choices() -> list[tuple[str, Any]]:
    return [("", _("— not a community event or partner service —")), *VenueType.choices]


class _PlanFields(forms.Form):
    """What an event and a series share: kind, venue, school, topic, time, facilitators."""

    kind = forms.ChoiceField(label=_("Kind"), choices=EventKind.choices)
    venue_type = forms.ChoiceField(
        label=_("Venue type"),
        choices=_venue_choices,
        required=False,
        help_text=_("For a community event or a partner service: where it takes place."),
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    topic = TopicChoiceField(label=_("Topic"), queryset=Topic.objects.none())
    school = SchoolChoiceField(label=_("School"), queryset=School.objects.none(), required=False)
    duration_minutes = forms.IntegerField(
        label=_("Duration (minutes)"),
        min_value=1,
        max_value=EVENT_MINUTES_MAX,
        initial=90,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    capacity = forms.IntegerField(
        label=_("Capacity"),
        min_value=1,
        max_value=COUNT_MAX,
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        help_text=_("Leave empty when there is no limit."),
    )
    facilitators = StaffMultipleChoiceField(
        label=_("Facilitators"), queryset=User.objects.none(), required=False
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: Any = self.fields
        fields["topic"].queryset = active_topics()
        fields["school"].queryset = schools_for_user(user).select_related("site").order_by("name")
        fields["facilitators"].queryset = staff_of_site_tree(site=user.site, roles=EVENT_ROLES)
        if "site" in self.fields:
            fields["site"].queryset = outreach_sites_visible_to(user=user).order_by("path")
            if user.site_id and not self.is_bound and not self.initial.get("site"):
                self.initial["site"] = user.site_id

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        venue_kinds = (EventKind.COMMUNITY_EVENT, EventKind.PARTNER_SERVICE)
        if data.get("kind") not in venue_kinds and data.get("venue_type"):
            self.add_error(
                "venue_type", _("Only a community event or a partner service has a venue type.")
            )
        return data


class EventForm(_PlanFields):
    """Plan one event (the site chosen), or edit it (`EventEditForm`: the site stays)."""

    site = SiteChoiceField(label=_("Site"), queryset=Site.objects.none())
    partner = PartnerChoiceField(
        label=_("Partner"), queryset=Partner.objects.none(), required=False
    )
    starts_at = forms.DateTimeField(label=_("Starts at"), widget=DateTimeInput)

    field_order = [
        "kind",
        "venue_type",
        "title",
        "topic",
        "site",
        "school",
        "partner",
        "starts_at",
        "duration_minutes",
        "capacity",
        "facilitators",
    ]

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.fields["partner"].queryset = partners_for_user(user).order_by("name")  # type: ignore[attr-defined]

    def service_arguments(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        data["facilitators"] = list(data.get("facilitators") or [])
        data["venue_type"] = data.get("venue_type") or ""
        return data


class EventEditForm(VersionedForm, EventForm):
    """An event's edit: everything but its site, at the version read."""

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        del self.fields["site"]

    @staticmethod
    def initial_for(event: Event) -> dict[str, Any]:
        from django.utils import timezone

        return {
            "version": event.version,
            "kind": event.kind,
            "venue_type": event.venue_type,
            "title": event.title,
            "topic": event.topic_id,
            "school": event.school_id,
            "partner": event.partner_id,
            "starts_at": timezone.localtime(event.starts_at),
            "duration_minutes": event.duration_minutes,
            "capacity": event.capacity,
            "facilitators": [user.pk for user in event.facilitators.all()],
        }


class SeriesForm(_PlanFields):
    """A recurring plan: weekly, every two weeks or monthly, for N occurrences."""

    site = SiteChoiceField(label=_("Site"), queryset=Site.objects.none())
    recurrence = forms.ChoiceField(label=_("Recurrence"), choices=Series.Recurrence.choices)
    first_starts_at = forms.DateTimeField(label=_("First occurrence"), widget=DateTimeInput)
    occurrences = forms.IntegerField(
        label=_("Occurrences"),
        min_value=1,
        max_value=SERIES_OCCURRENCES_MAX,
        initial=8,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        help_text=_("How many sessions, at most 52."),
    )

    field_order = [
        "kind",
        "venue_type",
        "title",
        "topic",
        "site",
        "school",
        "recurrence",
        "first_starts_at",
        "occurrences",
        "duration_minutes",
        "capacity",
        "facilitators",
    ]

    def service_arguments(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["facilitators"] = list(data.get("facilitators") or [])
        data["venue_type"] = data.get("venue_type") or ""
        return data


def _count_field(label: Any) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        min_value=0,
        max_value=COUNT_MAX,
        required=False,
        widget=forms.NumberInput(
            attrs={
                "inputmode": "numeric",
                "pattern": "[0-9]*",
                "min": 0,
                "class": "count-input",
                "autocomplete": "off",
            }
        ),
    )


class AttendanceForm(VersionedForm):
    """The counts by audience, typed at the door (a numeric keyboard on a phone)."""

    students = _count_field(_("Students"))
    parents = _count_field(_("Parents"))
    teachers = _count_field(_("Teachers"))
    staff = _count_field(_("Staff"))
    others = _count_field(_("Others"))
    trainees_count = _count_field(_("Trainees"))

    @staticmethod
    def initial_for(event: Event) -> dict[str, Any]:
        return {"version": event.version} | {
            name: getattr(event, name) for name in (*Event.AUDIENCES, "trainees_count")
        }

    def counts(self) -> dict[str, int]:
        return {
            name: self.cleaned_data[name]
            for name in (*Event.AUDIENCES, "trainees_count")
            if self.cleaned_data.get(name) is not None
        }


class HeldForm(AttendanceForm):
    """Mark an event held: a short report and its attendance."""

    report = forms.CharField(
        label=_("Short report"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What was done and how it went; no names of participants."),
    )


class CancelForm(VersionedForm):
    confirm = forms.BooleanField(label=_("Yes, cancel this event"), required=True)


class SeriesCancelForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("Yes, cancel the sessions still planned from now on"), required=True
    )


class ParticipantAddForm(forms.Form):
    """A case of the centre, by its number (the case file's id)."""

    case = forms.IntegerField(
        label=_("Case number"),
        min_value=1,
        max_value=2**31 - 1,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        help_text=_("Only a client with a consent to counselling in force can be added."),
    )


# Monthly targets


class SiteTargetForm(forms.Form):
    parent_classes = forms.IntegerField(
        label=_("Parent classes a month"), min_value=0, max_value=TARGET_MAX
    )
    group_sessions = forms.IntegerField(
        label=_("Group sessions a month"),
        min_value=0,
        max_value=TARGET_MAX,
        help_text=_("Group counselling and group therapy together."),
    )


# Partners, agreements, trainees and sign-in sheets


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
