"""Counselling case files: the minor, guardians and consent, cases, sessions, safety plans,
referrals along the green channel, and case conferences.

Which cases a user sees is decided in one place, `counselling.selectors.case_visible_to`.
Grants on single cases (assignment, sharing) are django-guardian direct-FK rows, given and
taken only by `counselling.services`.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from centre import ages, field_rules
from centre.encryption import EncryptedCharField, EncryptedTextField
from centre.models import School, Site, TimeStampedModel


class Client(TimeStampedModel):
    """The minor. The same child is one client: name + date of birth + school is unique."""

    class Sex(models.TextChoices):
        FEMALE = "female", _("Female")
        MALE = "male", _("Male")

    full_name = models.CharField(_("name"), max_length=100)
    sex = models.CharField(_("sex"), max_length=10, choices=Sex.choices)
    date_of_birth = models.DateField(
        _("date of birth"), validators=[field_rules.validate_birth_date]
    )
    school = models.ForeignKey(
        School, verbose_name=_("school"), on_delete=models.PROTECT, null=True, blank=True
    )
    grade = models.CharField(_("grade"), max_length=20, blank=True)
    class_name = models.CharField(_("class"), max_length=20, blank=True)
    phone = EncryptedCharField(_("phone"), max_length=32, blank=True)  # the child's own: encrypted
    # The school's student number (学号), when known: from a screening referral or the intake.
    student_no = models.CharField(_("student number"), max_length=32, blank=True)
    site = models.ForeignKey(
        Site, verbose_name=_("registered at"), on_delete=models.PROTECT, related_name="clients"
    )
    # When the last of the child's case files closed, kept when retention erases them: the
    # registration, guardians and consents stay for CONSENT_RETENTION_YEARS more (DOMAIN.md §5.5).
    last_case_closed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("client")
        verbose_name_plural = _("clients")
        constraints = [
            models.UniqueConstraint(
                fields=["full_name", "date_of_birth", "school"], name="counselling_client_unique"
            )
        ]
        indexes = [
            models.Index(
                fields=["student_no"],
                name="counselling_client_student_no",
                condition=~models.Q(student_no=""),
            )
        ]

    def __str__(self) -> str:
        return self.full_name

    def age_on(self, day: datetime.date) -> int:
        return ages.age_on(self.date_of_birth, day)

    @property
    def age(self) -> int:
        return self.age_on(timezone.localdate())


class Guardian(TimeStampedModel):
    class Relationship(models.TextChoices):
        MOTHER = "mother", _("Mother")
        FATHER = "father", _("Father")
        GRANDPARENT = "grandparent", _("Grandparent")
        OTHER = "other", _("Other legal guardian")

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="guardians")
    relationship = models.CharField(_("relationship"), max_length=20, choices=Relationship.choices)
    full_name = models.CharField(_("name"), max_length=100)
    # Encrypted at rest (centre.encryption); nothing looks a guardian up by number.
    phone = EncryptedCharField(_("phone"), max_length=32)
    language = models.CharField(
        _("language of messages"), max_length=10, choices=settings.LANGUAGES, default="zh-hans"
    )
    # Optimistic concurrency: an edit names the version it read (`services.guardian_update`).
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("guardian")
        verbose_name_plural = _("guardians")

    def __str__(self) -> str:
        return self.full_name


class Consent(TimeStampedModel):
    """One consent for one purpose (PIPL Art. 29–31). Withdrawal is honoured from then on."""

    class Purpose(models.TextChoices):
        COUNSELLING = "counselling", _("Counselling")
        SHARE_WITH_SCHOOL = "share_school", _("Sharing with the school")
        SHARE_WITH_HOSPITAL = "share_hospital", _("Sharing with the hospital")
        REMINDERS = "reminders", _("Reminders")
        RESEARCH = "research", _("Research")

    class GivenBy(models.TextChoices):
        GUARDIAN = "guardian", _("Guardian")
        CLIENT = "client", _("The client")

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    given_by = models.CharField(_("given by"), max_length=10, choices=GivenBy.choices)
    guardian = models.ForeignKey(
        Guardian, on_delete=models.PROTECT, null=True, blank=True, related_name="consents"
    )
    version = models.CharField(_("form version"), max_length=20)
    given_at = models.DateTimeField(_("given at"))
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["-given_at"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(given_by="guardian") | models.Q(guardian__isnull=False),
                name="counselling_consent_guardian_named",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} ({self.version})"

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at is None


def school_sharing_withdrawn(client: Any) -> models.Q:
    """The condition "this client's consent to share with the school was withdrawn, and none is
    in force since": feedback to the school is then neither written nor shown to it. `client`
    is a client's pk or an `OuterRef` to one (`OuterRef("case__client")` from a referral)."""
    sharing = Consent.objects.filter(client=client, purpose=Consent.Purpose.SHARE_WITH_SCHOOL)
    withdrawn = models.Exists(sharing.filter(withdrawn_at__isnull=False))
    in_force = models.Exists(sharing.filter(withdrawn_at__isnull=True))
    return models.Q(withdrawn) & ~models.Q(in_force)


class RiskLevel(models.TextChoices):
    NONE = "none", _("None")
    LOW = "low", _("Low")
    MODERATE = "moderate", _("Moderate")
    HIGH = "high", _("High")
    IMMINENT = "imminent", _("Imminent")


# Ordering for sorting and comparisons: higher is more urgent.
RISK_RANK = {
    RiskLevel.NONE: 0,
    RiskLevel.LOW: 1,
    RiskLevel.MODERATE: 2,
    RiskLevel.HIGH: 3,
    RiskLevel.IMMINENT: 4,
}


# The largest value a Postgres integer holds: minus a minute since the epoch it stays positive
# until the year 6053.
ATTENTION_HORIZON = 2**31 - 1


class Case(TimeStampedModel):
    class Status(models.TextChoices):
        INTAKE = "intake", _("Intake")
        ACTIVE = "active", _("Active")
        RECOVERY = "recovery", _("Recovery")
        CLOSED = "closed", _("Closed")

    class Source(models.TextChoices):
        SCREENING = "screening", _("School screening")
        HOTLINE = "hotline", _("Hotline")
        SCHOOL = "school", _("School")
        FAMILY = "family", _("Family")
        WALK_IN = "walk_in", _("Walk-in")
        HOSPITAL = "hospital", _("Hospital")

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="cases")
    site = models.ForeignKey(Site, verbose_name=_("site"), on_delete=models.PROTECT)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.INTAKE
    )
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    presenting_concerns = EncryptedTextField(_("presenting concerns"))
    risk_level = models.CharField(
        _("risk level"), max_length=10, choices=RiskLevel.choices, default=RiskLevel.NONE
    )
    # Kept with risk_level by the services, so lists sort by urgency on an index.
    risk_rank = models.PositiveSmallIntegerField(default=0, editable=False)
    # How soon the case's earliest due follow-up falls: ATTENTION_HORIZON minus its minute since
    # the epoch, 0 with none due. Kept by a trigger on counselling_followup (migration 0012), so
    # the caseload sorts "risk, then the earliest due follow-up — the overdue first" on one
    # index, descending like the rest, and no service can forget it.
    attention = models.PositiveIntegerField(default=0, db_default=0, editable=False)
    counsellor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("lead counsellor"),
        on_delete=models.PROTECT,
        related_name="lead_cases",
    )
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("supervisor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="supervised_cases",
    )
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # Optimistic concurrency: every change names the version it read (services refuse stale ones).
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [
            models.Index(fields=["site", "status"], name="counselling_case_site_status"),
            models.Index(
                fields=["-risk_rank", "-attention", "-id"], name="counselling_case_urgency"
            ),
            # Statistics count by these over windows (centre.statistics).
            models.Index(fields=["opened_at"], name="counselling_case_opened"),
            models.Index(fields=["closed_at"], name="counselling_case_closed"),
            models.Index(
                fields=["opened_at"],
                name="counselling_case_open",
                condition=models.Q(closed_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return _("Case %(number)s") % {"number": self.pk}


class CaseUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = _("case grant to a user")
        verbose_name_plural = _("case grants to users")
        indexes = [models.Index(fields=["user", "permission"], name="counselling_caseperm_user")]


class CaseGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        verbose_name = _("case grant to a group")
        verbose_name_plural = _("case grants to groups")


class RiskChange(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="risk_changes")
    level_from = models.CharField(max_length=10, choices=RiskLevel.choices)
    level_to = models.CharField(max_length=10, choices=RiskLevel.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)
    reason = EncryptedTextField(_("reason"))  # clinical: encrypted, never searched

    class Meta:
        ordering = ["-changed_at", "-id"]
        verbose_name = _("risk change")
        verbose_name_plural = _("risk changes")

    def __str__(self) -> str:
        return f"{self.level_from} → {self.level_to}"


class CounsellingSession(TimeStampedModel):
    """One contact with the client (a session of counselling, therapy, assessment…)."""

    class Modality(models.TextChoices):
        FACE_TO_FACE = "face_to_face", _("Face to face")
        ONLINE = "online", _("Online")
        PHONE = "phone", _("Phone")

    class Kind(models.TextChoices):
        INTAKE = "intake", _("Intake")
        ASSESSMENT = "assessment", _("Assessment")
        COUNSELLING = "counselling", _("Counselling")
        PSYCHOTHERAPY = "psychotherapy", _("Psychotherapy")
        PHYSICAL_THERAPY = "physical_therapy", _("Physical therapy")
        MEDICATION_REVIEW = "medication_review", _("Medication review")
        FAMILY = "family", _("Family session")
        FOLLOW_UP = "follow_up", _("Follow-up")

    class Attendance(models.TextChoices):
        ATTENDED = "attended", _("Attended")
        NO_SHOW = "no_show", _("No-show")
        CANCELLED = "cancelled", _("Cancelled")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="sessions")
    counsellor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    held_at = models.DateTimeField(_("held at"), validators=[field_rules.validate_held_at])
    duration_minutes = models.PositiveSmallIntegerField(
        _("duration (minutes)"), default=50, validators=field_rules.SESSION_MINUTES
    )
    modality = models.CharField(_("modality"), max_length=15, choices=Modality.choices)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    attendance = models.CharField(_("attendance"), max_length=10, choices=Attendance.choices)
    # The notes, the safety plan, the referral's reason and feedback and the presenting
    # concerns are encrypted at rest (centre.encryption): never searched or sorted.
    note_presenting = EncryptedTextField(_("presenting"), blank=True)
    note_intervention = EncryptedTextField(_("intervention"), blank=True)
    note_plan = EncryptedTextField(_("plan"), blank=True)
    risk_assessed = models.CharField(
        _("risk assessed"), max_length=10, choices=RiskLevel.choices, blank=True
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    # Encrypted: lists that show no note leave them unread (`defer`), so none is decrypted.
    NOTE_FIELDS = ("note_presenting", "note_intervention", "note_plan")

    class Meta:
        ordering = ["-held_at", "-id"]
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        indexes = [models.Index(fields=["held_at"], name="counselling_session_held_at")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.held_at:%Y-%m-%d}"


class SafetyPlan(models.Model):
    """One version of a case's safety plan; the newest is in force. Versions are never edited."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="safety_plans")
    number = models.PositiveIntegerField()
    warning_signs = EncryptedTextField(_("warning signs"))
    coping_strategies = EncryptedTextField(_("coping strategies"))
    people_and_places = EncryptedTextField(_("people and places that help"), blank=True)
    professional_contacts = EncryptedTextField(_("professionals and crisis lines"))
    means_safety = EncryptedTextField(_("making the environment safe"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    # Encrypted: a list of versions shows none of them and leaves them unread (`defer`).
    TEXT_FIELDS = (
        "warning_signs",
        "coping_strategies",
        "people_and_places",
        "professional_contacts",
        "means_safety",
    )

    class Meta:
        ordering = ["-number"]
        verbose_name = _("safety plan")
        verbose_name_plural = _("safety plans")
        constraints = [
            models.UniqueConstraint(fields=["case", "number"], name="counselling_safetyplan_number")
        ]

    def __str__(self) -> str:
        return _("Safety plan v%(number)s") % {"number": self.number}


class Referral(TimeStampedModel):
    """A referral along the family–school–hospital green channel (DOMAIN.md §2.4)."""

    class Destination(models.TextChoices):
        HOSPITAL_PSYCHIATRY = "hospital_psychiatry", _("Hospital psychiatry")
        OUTPATIENT = "outpatient", _("Outpatient clinic")
        SCHOOL = "school", _("School")
        SOCIAL_WORK = "social_work", _("Social work")

    class Status(models.TextChoices):
        CREATED = "created", _("Created")
        ACCEPTED = "accepted", _("Accepted")
        SCHEDULED = "scheduled", _("Scheduled")
        ATTENDED = "attended", _("Attended")
        NO_SHOW = "no_show", _("No-show")
        FEEDBACK = "feedback", _("Feedback to school")
        CLOSED = "closed", _("Closed")

    # Which state may follow which (the SLA clock starts at `created`).
    NEXT_STATUSES = {
        Status.CREATED: {Status.ACCEPTED, Status.CLOSED},
        Status.ACCEPTED: {Status.SCHEDULED, Status.CLOSED},
        Status.SCHEDULED: {Status.ATTENDED, Status.NO_SHOW},
        Status.ATTENDED: {Status.FEEDBACK, Status.CLOSED},
        Status.NO_SHOW: {Status.SCHEDULED, Status.CLOSED},
        Status.FEEDBACK: {Status.CLOSED},
        Status.CLOSED: set(),
    }

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="referrals")
    destination = models.CharField(_("destination"), max_length=20, choices=Destination.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.CREATED
    )
    reason = EncryptedTextField(_("reason"))
    due_at = models.DateTimeField(_("due by"))
    scheduled_for = models.DateTimeField(
        _("appointment"), null=True, blank=True, validators=[field_rules.validate_planned]
    )
    feedback_to_school = EncryptedTextField(
        _("feedback to the school"),
        blank=True,
        help_text=_("Attendance, return-to-school advice and accommodations only; no diagnosis."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        indexes = [
            models.Index(fields=["status", "due_at"], name="counselling_referral_due"),
            models.Index(fields=["created_at"], name="counselling_referral_created"),
        ]

    def __str__(self) -> str:
        return f"{self.get_destination_display()} ({self.get_status_display()})"

    @property
    def is_overdue(self) -> bool:
        waiting = self.status in {self.Status.CREATED, self.Status.ACCEPTED}
        return waiting and self.due_at < timezone.now()

    @property
    def appointment_after_deadline(self) -> bool:
        """A warning, never a refusal: the appointment is later than the SLA deadline
        (DOMAIN.md §2.4); the hospital may have no earlier one, and the counsellor acts on it."""
        return self.scheduled_for is not None and self.scheduled_for > self.due_at

    @property
    def is_to_hospital(self) -> bool:
        return self.destination in {
            self.Destination.HOSPITAL_PSYCHIATRY,
            self.Destination.OUTPATIENT,
        }


class ReferralEvent(models.Model):
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    status = models.CharField(max_length=10, choices=Referral.Status.choices)
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("referral event")
        verbose_name_plural = _("referral events")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return self.status


class FollowUp(TimeStampedModel):
    """One planned contact after counselling ends or after a crisis (定期随访, DOMAIN.md §4.2)."""

    class Pathway(models.TextChoices):
        COUNSELLING_END = "counselling_end", _("After counselling ends")
        CRISIS = "crisis", _("After a crisis or discharge")
        MANUAL = "manual", _("Added by hand")

    class Status(models.TextChoices):
        DUE = "due", _("Due")
        DONE = "done", _("Done")
        MISSED = "missed", _("Missed")
        CANCELLED = "cancelled", _("Cancelled")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="follow_ups")
    pathway = models.CharField(_("pathway"), max_length=20, choices=Pathway.choices)
    step = models.CharField(_("step"), max_length=10, blank=True, help_text=_("e.g. 7d, 1m"))
    due_at = models.DateTimeField(_("due"), validators=[field_rules.validate_planned])
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default="due")
    outcome = EncryptedTextField(_("outcome"), blank=True)  # clinical: encrypted, never searched
    risk_assessed = models.CharField(
        _("risk assessed"), max_length=10, choices=RiskLevel.choices, blank=True
    )
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    escalated_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        indexes = [
            models.Index(
                fields=["due_at"],
                name="counselling_followup_open",
                condition=models.Q(status="due"),
            ),
            models.Index(fields=["case", "status"], name="counselling_followup_case"),
            # Statistics count from these alone (index-only scans).
            models.Index(
                fields=["due_at"], include=["status", "done_at"], name="counselling_followup_due"
            ),
            # Also "done after the window's end": a short range of done_at, not all of history.
            models.Index(
                fields=["done_at"],
                include=["status", "due_at"],
                name="counselling_followup_done_due",
            ),
            models.Index(
                fields=["due_at"],
                name="counselling_followup_undone",
                condition=models.Q(done_at__isnull=True) & ~models.Q(status="cancelled"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_pathway_display()} {self.step_label()}"

    def step_label(self) -> str:
        """The step as a reader says it, "3m" → "3 months"; a step of another form as stored."""
        match = re.fullmatch(r"(\d+)([hdwm])", self.step)
        if match is None:
            return self.step
        count, unit = int(match.group(1)), match.group(2)
        if unit == "h":
            text = ngettext("%(count)s hour", "%(count)s hours", count)
        elif unit == "d":
            text = ngettext("%(count)s day", "%(count)s days", count)
        elif unit == "w":
            text = ngettext("%(count)s week", "%(count)s weeks", count)
        else:
            text = ngettext("%(count)s month", "%(count)s months", count)
        return text % {"count": count}

    @property
    def is_overdue(self) -> bool:
        return self.status == self.Status.DUE and self.due_at < timezone.now()


class CaseConference(TimeStampedModel):
    """The monthly case conference of a site (定期会商)."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="case_conferences")
    held_on = models.DateField(_("held on"), validators=[field_rules.validate_past_date])
    participants = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+")
    cases = models.ManyToManyField(Case, related_name="conferences", blank=True)
    decisions = EncryptedTextField(_("decisions"))  # clinical: encrypted, never searched
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-held_on"]
        verbose_name = _("case conference")
        verbose_name_plural = _("case conferences")

    def __str__(self) -> str:
        return f"{self.site} {self.held_on}"


class BreakGlassAccess(models.Model):
    """A supervisor's or crisis-team member's time-boxed access to a case outside their grants."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="break_glass_accesses")
    reason = models.TextField(_("reason"))
    granted_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    class Meta:
        verbose_name = _("break-glass access")
        verbose_name_plural = _("break-glass accesses")
        ordering = ["-granted_at"]
        indexes = [models.Index(fields=["user", "expires_at"], name="counselling_breakglass_user")]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.case_id}"


class Appointment(TimeStampedModel):
    """A session planned at a time (预约): shown on the case and on the counsellor's "today"
    page, with the guardian's reminder through the outbox where consented; turned into a
    logged session in one step (`counselling.services.appointments`)."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="appointments")
    counsellor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("counsellor"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    starts_at = models.DateTimeField(_("starts at"), validators=[field_rules.validate_planned])
    duration_minutes = models.PositiveSmallIntegerField(
        _("duration (minutes)"), default=50, validators=field_rules.SESSION_MINUTES
    )
    modality = models.CharField(
        _("modality"), max_length=15, choices=CounsellingSession.Modality.choices
    )
    kind = models.CharField(_("kind"), max_length=20, choices=CounsellingSession.Kind.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PLANNED
    )
    session = models.OneToOneField(
        CounsellingSession,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="appointment",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        indexes = [
            # A counsellor's day: their planned appointments by time.
            models.Index(
                fields=["counsellor", "starts_at"],
                name="counselling_appt_planned",
                condition=models.Q(status="planned"),
            ),
            models.Index(fields=["case", "starts_at"], name="counselling_appt_case"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def is_past(self) -> bool:
        return self.status == self.Status.PLANNED and self.starts_at < timezone.now()
