"""Outreach: school lectures, parent classes, group counselling and therapy, trainings, community
events and partner services, with their attendance.

Every record carries its `site` (an event, a series, a partner) so that
`outreach.selectors` scopes it to the reader's site tree. A participant of a group session is a
counselling case: who may see the participant list is decided by the counselling selectors, case
by case (`outreach.selectors`).

Trainee-times of a training are `Event.trainees_count` (the head count of the sign-in sheet,
typed or imported); the optional `Trainee` rows are the names, when a sheet gives them. The
audience counts (`students` … `others`) are kept for every kind of event.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from centre import field_rules
from centre.models import School, Site

EVENT_MINUTES_MAX = 24 * 60
SERIES_OCCURRENCES_MAX = 52


class VenueType(models.TextChoices):
    """Where a community event or partner service took place (the "six-into": 六进)."""

    AGENCY = "agency", _("Government agency")
    ENTERPRISE = "enterprise", _("Enterprise")
    SCHOOL = "school", _("School")
    COMMUNITY = "community", _("Community")
    VILLAGE = "village", _("Village")
    PUBLIC_PLACE = "public_place", _("Public place")


class Topic(models.Model):
    """A managed list of themes (emotion management, study stress…), seeded by a migration."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    active = models.BooleanField(_("active"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("topic")
        verbose_name_plural = _("topics")

    def __str__(self) -> str:
        return self.code

    def name_in(self, language: str | None) -> str:
        return self.name_en if (language or "").startswith("en") else self.name_zh


class Partner(models.Model):
    class Kind(models.TextChoices):
        AGENCY = "agency", _("Government agency")
        ENTERPRISE = "enterprise", _("Enterprise")
        SCHOOL = "school", _("School")
        COMMUNITY = "community", _("Community")
        VILLAGE = "village", _("Village")
        PUBLIC_PLACE = "public_place", _("Public place")
        OTHER = "other", _("Other")

    site = models.ForeignKey(
        Site, verbose_name=_("site"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    school = models.ForeignKey(
        School,
        verbose_name=_("school"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    contact_person = models.CharField(_("contact person"), max_length=100, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("partner")
        verbose_name_plural = _("partners")

    def __str__(self) -> str:
        return f"partner {self.pk}"


class Agreement(models.Model):
    """A co-operation agreement with a partner, for a period."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="agreements")
    starts_on = models.DateField(_("starts on"), validators=[field_rules.validate_planned])
    ends_on = models.DateField(_("ends on"), validators=[field_rules.validate_planned])
    services = models.TextField(_("services"), blank=True)
    contact_person = models.CharField(_("contact person"), max_length=100, blank=True)

    class Meta:
        ordering = ["-ends_on", "id"]
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="outreach_agreement_ends_after_start",
            )
        ]
        indexes = [models.Index(fields=["ends_on"], name="outreach_agreement_ends_on")]

    def __str__(self) -> str:
        return f"agreement {self.pk}"


class EventKind(models.TextChoices):
    SCHOOL_LECTURE = "school_lecture", _("School lecture")
    PARENT_CLASS = "parent_class", _("Parent class")
    GROUP_COUNSELLING = "group_counselling", _("Group counselling")
    GROUP_THERAPY = "group_therapy", _("Group therapy")
    TRAINING = "training", _("Training")
    COMMUNITY_EVENT = "community_event", _("Community event")
    PARTNER_SERVICE = "partner_service", _("Partner service")


# Kinds whose events say where they took place (venue_type); the others leave it "".
VENUE_KINDS = frozenset({EventKind.COMMUNITY_EVENT, EventKind.PARTNER_SERVICE})
# Kinds with a participant list of counselling cases.
GROUP_KINDS = frozenset({EventKind.GROUP_COUNSELLING, EventKind.GROUP_THERAPY})


class Series(models.Model):
    """A recurring plan (a weekly parent class for 8 weeks…): made once, it makes its events,
    each of which is then edited or cancelled on its own."""

    class Recurrence(models.TextChoices):
        WEEKLY = "weekly", _("Weekly")
        FORTNIGHTLY = "fortnightly", _("Every two weeks")
        MONTHLY = "monthly", _("Monthly")

    site = models.ForeignKey(
        Site, verbose_name=_("site"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=EventKind.choices)
    title = models.CharField(_("title"), max_length=200)
    topic = models.ForeignKey(
        Topic, verbose_name=_("topic"), on_delete=models.PROTECT, related_name="+"
    )
    recurrence = models.CharField(_("recurrence"), max_length=12, choices=Recurrence.choices)
    first_starts_at = models.DateTimeField(
        _("first occurrence"), validators=[field_rules.validate_planned]
    )
    occurrences = models.PositiveSmallIntegerField(
        _("occurrences"),
        validators=[MinValueValidator(1), MaxValueValidator(SERIES_OCCURRENCES_MAX)],
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-first_starts_at", "-id"]
        verbose_name = _("series")
        verbose_name_plural = _("series")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(occurrences__gte=1, occurrences__lte=SERIES_OCCURRENCES_MAX),
                name="outreach_series_occurrences_range",
            )
        ]

    def __str__(self) -> str:
        return f"series {self.pk}"


class Event(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", pgettext_lazy("outreach event", "Planned")
        HELD = "held", _("Held")
        CANCELLED = "cancelled", _("Cancelled")

    Kind = EventKind

    site = models.ForeignKey(
        Site, verbose_name=_("site"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=EventKind.choices)
    venue_type = models.CharField(
        _("venue type"), max_length=20, choices=VenueType.choices, blank=True, default=""
    )
    school = models.ForeignKey(
        School,
        verbose_name=_("school"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    partner = models.ForeignKey(
        Partner,
        verbose_name=_("partner"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="events",
    )
    series = models.ForeignKey(
        Series, on_delete=models.SET_NULL, null=True, blank=True, related_name="events"
    )
    title = models.CharField(_("title"), max_length=200)
    topic = models.ForeignKey(
        Topic, verbose_name=_("topic"), on_delete=models.PROTECT, related_name="+"
    )
    starts_at = models.DateTimeField(_("starts at"), validators=[field_rules.validate_planned])
    duration_minutes = models.PositiveSmallIntegerField(
        _("duration (minutes)"),
        default=90,
        validators=[MinValueValidator(1), MaxValueValidator(EVENT_MINUTES_MAX)],
    )
    capacity = models.PositiveIntegerField(
        _("capacity"), null=True, blank=True, validators=[MaxValueValidator(100_000)]
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PLANNED
    )
    report = models.TextField(_("report"), blank=True, max_length=5000)
    facilitators = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("facilitators"), blank=True, related_name="+"
    )
    students = models.PositiveIntegerField(
        _("students"), default=0, validators=[MaxValueValidator(100_000)]
    )
    parents = models.PositiveIntegerField(
        _("parents"), default=0, validators=[MaxValueValidator(100_000)]
    )
    teachers = models.PositiveIntegerField(
        _("teachers"), default=0, validators=[MaxValueValidator(100_000)]
    )
    staff = models.PositiveIntegerField(
        _("staff"), default=0, validators=[MaxValueValidator(100_000)]
    )
    others = models.PositiveIntegerField(
        _("others"), default=0, validators=[MaxValueValidator(100_000)]
    )
    # Trainee-times of a training: the sign-in sheet's head count (see the module docstring).
    trainees_count = models.PositiveIntegerField(
        _("trainees"), default=0, validators=[MaxValueValidator(100_000)]
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)  # save_versioned sets it
    version = models.PositiveIntegerField(default=1, editable=False)

    AUDIENCES = ("students", "parents", "teachers", "staff", "others")

    class Meta:
        ordering = ["-starts_at", "-id"]
        verbose_name = _("event")
        verbose_name_plural = _("events")
        indexes = [
            models.Index(fields=["site", "starts_at"], name="outreach_event_site_start"),
            models.Index(
                fields=["site", "kind", "status", "starts_at"], name="outreach_event_site_kind"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    duration_minutes__gte=1, duration_minutes__lte=EVENT_MINUTES_MAX
                ),
                name="outreach_event_duration_range",
            ),
            models.CheckConstraint(
                condition=models.Q(venue_type="")
                | models.Q(kind__in=["community_event", "partner_service"]),
                name="outreach_event_venue_only_for_community",
            ),
        ]

    def __str__(self) -> str:
        return f"event {self.pk}"

    @property
    def attendance_total(self) -> int:
        return sum(getattr(self, name) for name in self.AUDIENCES)

    @property
    def is_group(self) -> bool:
        return self.kind in GROUP_KINDS


class Participant(models.Model):
    """A client (by their case) in a group counselling or therapy event, with the consent the
    adding user relied on."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="participants")
    case = models.ForeignKey("counselling.Case", on_delete=models.PROTECT, related_name="+")
    consent = models.ForeignKey(
        "counselling.Consent", on_delete=models.PROTECT, null=True, related_name="+"
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField(_("added at"), auto_now_add=True)

    class Meta:
        ordering = ["added_at", "id"]
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        constraints = [
            models.UniqueConstraint(fields=["event", "case"], name="outreach_participant_once")
        ]

    def __str__(self) -> str:
        return f"participant {self.pk}"


class Trainee(models.Model):
    """A named trainee of a training (optional: the count is `Event.trainees_count`)."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="trainees")
    name = models.CharField(_("name"), max_length=100)
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("trainee")
        verbose_name_plural = _("trainees")

    def __str__(self) -> str:
        return f"trainee {self.pk}"


class SiteTarget(models.Model):
    """A site's monthly targets; a site without a row has the defaults."""

    DEFAULT_PARENT_CLASSES = 2
    DEFAULT_GROUP_SESSIONS = 2

    site = models.OneToOneField(Site, on_delete=models.CASCADE, related_name="outreach_target")
    parent_classes = models.PositiveSmallIntegerField(
        _("parent classes a month"),
        default=DEFAULT_PARENT_CLASSES,
        validators=[MaxValueValidator(1000)],
    )
    group_sessions = models.PositiveSmallIntegerField(
        _("group sessions a month"),
        default=DEFAULT_GROUP_SESSIONS,
        validators=[MaxValueValidator(1000)],
    )

    class Meta:
        verbose_name = _("site target")
        verbose_name_plural = _("site targets")

    def __str__(self) -> str:
        return f"target {self.pk}"


# The calendar feed


class CalendarFeed(models.Model):
    """A user's secret calendar address (`/outreach/calendar/<token>.ics`): only the SHA-256 of
    the token is kept, so the address is shown once, when it is made."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="outreach_calendar_feed"
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return f"calendar feed {self.pk}"
