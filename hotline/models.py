"""The hotline's records: calls (data or not), their issue categories and mandatory reports,
callers flagged for a time, the rota, crisis alerts and their timeline, callbacks and shift
handovers.

Every record carries its `site` (directly or through its call) so a selector in
`hotline.selectors` can scope it. A caller is anonymous by default: the name and number they
gave are kept encrypted in the "caller gave" fields, and the number's blind index
(`hotline.caller.caller_hash`) finds the same caller's calls and flags. Every free text
(summaries, the caller's name and number, alert notes, callback outcomes, handover notes) is
an encrypted column (centre/encryption.py): never searched or sorted; lists defer it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from centre.encryption import BlindIndexField, EncryptedCharField, EncryptedTextField
from centre.fields import ChoiceList
from centre.models import Site


class Call(models.Model):
    """One contact on the line, from pick-up: a draft until the operator saves it."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SAVED = "saved", _("Saved")

    class Channel(models.TextChoices):
        PHONE = "phone", _("Phone")
        TRANSFER_12356 = "transfer_12356", _("Transferred from 12356")
        WEB_CHAT = "web_chat", _("Web chat")
        WECHAT = "wechat", _("WeChat")

    class ContactType(models.TextChoices):
        CHILD_ABOUT_SELF = "child_about_self", _("A child about themselves")
        PARENT_ABOUT_CHILD = "parent_about_child", _("A parent about a child")
        TEACHER_ABOUT_CHILD = "teacher_about_child", _("A teacher about a child")
        OTHER_ABOUT_CHILD = "other_about_child", _("Someone else about a child")
        SILENT = "silent", _("Silent")
        BLANK = "blank", _("Blank")
        JOKE_PRANK = "joke_prank", _("Joke or prank")
        HANG_UP = "hang_up", _("Hang-up")
        WRONG_NUMBER = "wrong_number", _("Wrong number")
        ABUSIVE = "abusive", _("Abusive")

    NON_DATA_CONTACTS = frozenset(
        {
            ContactType.SILENT,
            ContactType.BLANK,
            ContactType.JOKE_PRANK,
            ContactType.HANG_UP,
            ContactType.WRONG_NUMBER,
            ContactType.ABUSIVE,
        }
    )

    class CallerRole(models.TextChoices):
        CHILD = "child", _("Child")
        PARENT = "parent", _("Parent")
        TEACHER = "teacher", _("Teacher")
        OTHER = "other", _("Other")

    class AgeBand(models.TextChoices):
        UNDER_10 = "under_10", _("Under 10")
        AGE_10_12 = "10_12", _("10–12")
        AGE_13_15 = "13_15", _("13–15")
        AGE_16_17 = "16_17", _("16–17")
        ADULT = "adult", _("Adult")
        UNKNOWN = "unknown", _("Unknown")

    class Sex(models.TextChoices):
        FEMALE = "female", _("Female")
        MALE = "male", _("Male")
        UNKNOWN = "unknown", _("Unknown")

    class Risk(models.TextChoices):
        NOT_ASKED = "", _("Not asked")
        NONE = "none", _("None")
        LOW = "low", _("Low")
        MODERATE = "moderate", _("Moderate")
        HIGH = "high", _("High")

    class Action(models.TextChoices):
        """The DOMAIN §3.2 checklist of what was done on the call."""

        KEEP_ON_LINE = "keep_on_line", _("Kept the caller on the line")
        CONFIRM_LOCATION = "confirm_location", _("Confirmed location and safety")
        MEANS_REMOVED = "means_removed", _("Means removed")
        SUPERVISOR_ALERTED = "supervisor_alerted", _("Supervisor alerted by a second operator")
        EMERGENCY_DISPATCH = "emergency_dispatch", _("120/110 dispatched")
        GUARDIAN_CONTACTED = "guardian_contacted", _("Guardian contacted")
        SAFETY_PLAN = "safety_plan", _("Safety plan made on the call")
        RESOURCES_GIVEN = "resources_given", _("Resources given (12356, centre services)")
        APPOINTMENT_OFFERED = "appointment_offered", _("Appointment offered")
        SUPPORT_GIVEN = "support_given", _("Support or information given")

    class Referral(models.TextChoices):
        CENTRE_APPOINTMENT = "centre_appointment", _("Centre appointment")
        PSYCHIATRIC_OUTPATIENT = "psychiatric_outpatient", _("Psychiatric outpatient")
        EMERGENCY_120_110 = "emergency_120_110", _("Emergency 120/110")
        SCHOOL = "school", _("School")
        OTHER = "other", _("Other")

    site = models.ForeignKey(Site, verbose_name=_("site"), on_delete=models.PROTECT)
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("operator"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    started_at = models.DateTimeField(_("picked up at"), default=timezone.now)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    channel = models.CharField(
        _("channel"), max_length=20, choices=Channel.choices, default=Channel.PHONE
    )
    contact_type = models.CharField(
        _("contact type"), max_length=30, choices=ContactType.choices, blank=True
    )
    caller_role = models.CharField(
        _("caller"), max_length=10, choices=CallerRole.choices, blank=True
    )
    age_band = models.CharField(_("age"), max_length=10, choices=AgeBand.choices, blank=True)
    sex = models.CharField(_("sex"), max_length=10, choices=Sex.choices, blank=True)
    region = models.CharField(_("region"), max_length=50, blank=True)
    summary = EncryptedTextField(_("summary"), blank=True)  # encrypted at rest, never searched
    actions = ChoiceList(
        models.CharField(max_length=30, choices=Action.choices),
        verbose_name=_("actions"),
        default=list,
        blank=True,
    )
    referrals = ChoiceList(
        models.CharField(max_length=30, choices=Referral.choices),
        verbose_name=_("referrals"),
        default=list,
        blank=True,
    )
    callback_wanted = models.BooleanField(_("callback wanted"), default=False)
    callback_consent = models.BooleanField(_("caller consents to a callback"), default=False)
    duration_seconds = models.PositiveIntegerField(_("duration (seconds)"), null=True, blank=True)
    caller_name = EncryptedCharField(_("name the caller gave"), max_length=100, blank=True)
    caller_phone = EncryptedCharField(_("number the caller gave"), max_length=32, blank=True)
    # The repeat-caller look-up (and a flag's): the number's blind index, never the number.
    caller_phone_hash = BlindIndexField(
        source="caller_phone", normalise="hotline.caller.normalise", db_index=True
    )
    cssrs_answers = models.JSONField(_("C-SSRS answers"), default=dict, blank=True)
    risk = models.CharField(_("risk"), max_length=10, choices=Risk.choices, blank=True)
    crisis = models.BooleanField(_("crisis"), default=False)
    case = models.ForeignKey(
        "counselling.Case",
        verbose_name=_("case"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    supervisor_reviewed = models.BooleanField(_("reviewed by a supervisor"), default=False)
    version = models.PositiveIntegerField(default=1, editable=False)
    # Bumped by centre.versioning.save_versioned with the version.
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        indexes = [
            models.Index(
                fields=["operator", "-started_at", "-id"], name="hotline_call_operator_started"
            ),
            models.Index(fields=["site", "-started_at", "-id"], name="hotline_call_site_started"),
            # A supervisor's list spans sites (a path prefix): newest first over every call.
            models.Index(fields=["-started_at", "-id"], name="hotline_call_started"),
            models.Index(
                fields=["caller_phone_hash", "-started_at"],
                name="hotline_call_caller_started",
                condition=~models.Q(caller_phone_hash=""),
            ),
            # The statistics (hotline.statistics): saved calls of a window, the whole network.
            models.Index(
                fields=["started_at"],
                name="hotline_call_saved_started",
                condition=models.Q(status="saved"),
            ),
        ]

    # What a list of calls shows none of: left unread (`defer`), so nothing is decrypted.
    ENCRYPTED_FIELDS = ("summary", "caller_name", "caller_phone")

    def __str__(self) -> str:
        return f"Call {self.pk}"

    @property
    def is_data_contact(self) -> bool:
        """A contact about a child (not silent, blank, a prank, a hang-up, a wrong number or
        abuse): only these carry issues, risk, actions and the rest."""
        return self.contact_type not in self.NON_DATA_CONTACTS

    @property
    def action_labels(self) -> list[str]:
        return [str(self.Action(code).label) for code in self.actions if code in self.Action]

    @property
    def referral_labels(self) -> list[str]:
        return [str(self.Referral(code).label) for code in self.referrals if code in self.Referral]


class CallIssue(models.Model):
    """One of at most three issue categories of a call (codes from `hotline.taxonomy`)."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="issues")
    category = models.CharField(_("issue"), max_length=40)
    subcategory = models.CharField(_("subcategory"), max_length=60)
    position = models.PositiveSmallIntegerField()

    class Meta:
        verbose_name = _("call issue")
        verbose_name_plural = _("call issues")
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["call", "position"], name="hotline_callissue_unique"),
            models.CheckConstraint(
                condition=models.Q(position__gte=1, position__lte=3),
                name="hotline_callissue_position_1_3",
            ),
        ]

    def __str__(self) -> str:
        return f"CallIssue {self.pk}"

    @property
    def label(self) -> str:
        from hotline import taxonomy

        return taxonomy.label(self.category, self.subcategory)


class MandatoryReport(models.Model):
    """The report a call led to under the Minors Protection Law art. 11 (DOMAIN §3.4)."""

    class Agency(models.TextChoices):
        PUBLIC_SECURITY = "public_security", _("Public security")
        CIVIL_AFFAIRS = "civil_affairs", _("Civil affairs")
        EDUCATION = "education", _("Education")

    call = models.OneToOneField(Call, on_delete=models.CASCADE, related_name="mandatory_report")
    reported_on = models.DateField(_("reported on"))
    agency = models.CharField(_("agency"), max_length=20, choices=Agency.choices)
    reference_number = models.CharField(_("reference number"), max_length=64, blank=True)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reporter"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("mandatory report")
        verbose_name_plural = _("mandatory reports")

    def __str__(self) -> str:
        return f"MandatoryReport {self.pk}"


class CallerFlag(models.Model):
    """The caller of `call` flagged for a limited time, at a site: found by the blind index of
    the call's number (`call__caller_phone_hash`), so the index lives in one place and the
    rotation of FIELD_INDEX_KEY keeps flags working."""

    class Kind(models.TextChoices):
        ABUSIVE = "abusive", _("Abusive")

    site = models.ForeignKey(Site, verbose_name=_("site"), on_delete=models.PROTECT)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.ABUSIVE)
    until = models.DateTimeField(_("until"))
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField(default=timezone.now)
    call = models.ForeignKey(
        Call, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("caller flag")
        verbose_name_plural = _("caller flags")

    def __str__(self) -> str:
        return f"CallerFlag {self.pk}"


class RotaShift(models.Model):
    """Who answers crisis alerts when: a primary and a backup per shift."""

    class Role(models.TextChoices):
        PRIMARY = "primary", _("Primary")
        BACKUP = "backup", _("Backup")

    site = models.ForeignKey(Site, verbose_name=_("site"), on_delete=models.PROTECT)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("rota shift")
        verbose_name_plural = _("rota shifts")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="hotline_rotashift_ends_after_start",
            )
        ]
        indexes = [
            models.Index(fields=["site", "starts_at", "ends_at"], name="hotline_rotashift_when")
        ]

    def __str__(self) -> str:
        return f"RotaShift {self.pk}"


class CrisisAlert(models.Model):
    """A crisis raised from a call, acknowledged by the crisis team up an escalation ladder."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        CLOSED = "closed", _("Closed")

    site = models.ForeignKey(Site, verbose_name=_("site"), on_delete=models.PROTECT)
    call = models.ForeignKey(
        Call, on_delete=models.SET_NULL, null=True, blank=True, related_name="alerts"
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    raised_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(
        _("status"), max_length=15, choices=Status.choices, default=Status.OPEN
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledge_by = models.DateTimeField(_("acknowledge by"))
    backup_told_at = models.DateTimeField(null=True, blank=True)
    supervisor_told_at = models.DateTimeField(null=True, blank=True)
    lead_told_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    # Bumped by centre.versioning.save_versioned with the version.
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("crisis alert")
        verbose_name_plural = _("crisis alerts")
        indexes = [
            models.Index(fields=["site", "status", "raised_at"], name="hotline_alert_site_status"),
            models.Index(fields=["raised_at"], name="hotline_alert_raised"),  # the statistics
        ]

    def __str__(self) -> str:
        return f"CrisisAlert {self.pk}"


class AlertEvent(models.Model):
    """One step of an alert's timeline."""

    class Kind(models.TextChoices):
        RAISED = "raised", _("Raised")
        TOLD = "told", _("Told")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        ESCALATED = "escalated", _("Escalated")
        ACTION = "action", _("Action")
        CLOSED = "closed", _("Closed")

    alert = models.ForeignKey(CrisisAlert, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=15, choices=Kind.choices)
    # Who was told, on a "told" or "escalated" event (primary, backup, supervisor, lead): a
    # code, kept plain because the escalation run finds its events by it.
    step = models.CharField(_("step"), max_length=20, blank=True)
    note = EncryptedTextField(_("note"), blank=True)  # a person's words: encrypted

    # The timeline names whom a step told in the reader's words, never by its code.
    STEP_LABELS = {
        "primary": _("the person on call"),
        "backup": _("the backup on call"),
        "supervisor": _("the site's supervisors"),
        "lead": _("the centre's lead"),
    }

    class Meta:
        verbose_name = _("alert event")
        verbose_name_plural = _("alert events")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"AlertEvent {self.pk}"

    def step_label(self) -> str:
        """Whom a "told" or "escalated" step reached; a code of no known step as stored."""
        return str(self.STEP_LABELS.get(self.step, self.step))


class Callback(models.Model):
    """A call back to a caller who wanted one and consented."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")
        NOT_REACHED = "not_reached", _("Not reached")

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="callbacks")
    site = models.ForeignKey(Site, verbose_name=_("site"), on_delete=models.PROTECT)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    due_at = models.DateTimeField(_("due at"))
    status = models.CharField(
        _("status"), max_length=15, choices=Status.choices, default=Status.OPEN
    )
    outcome_note = EncryptedTextField(_("outcome"), blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    # Bumped by centre.versioning.save_versioned with the version.
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("callback")
        verbose_name_plural = _("callbacks")
        indexes = [
            models.Index(fields=["site", "status", "due_at"], name="hotline_callback_site_due"),
            models.Index(fields=["owner", "status", "due_at"], name="hotline_callback_owner_due"),
            # The statistics: callbacks due, and done, in a window.
            models.Index(fields=["due_at"], name="hotline_callback_due"),
            models.Index(
                fields=["done_at"],
                name="hotline_callback_done",
                condition=models.Q(status="done"),
            ),
        ]

    def __str__(self) -> str:
        return f"Callback {self.pk}"


class ShiftHandover(models.Model):
    """A note from one shift to the next."""

    site = models.ForeignKey(Site, verbose_name=_("site"), on_delete=models.PROTECT)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    written_at = models.DateTimeField(default=timezone.now)
    shift_ends_at = models.DateTimeField(_("shift ends at"))
    note = EncryptedTextField(_("note"))

    class Meta:
        verbose_name = _("shift handover")
        verbose_name_plural = _("shift handovers")

    def __str__(self) -> str:
        return f"ShiftHandover {self.pk}"


class HandoverRead(models.Model):
    """Who has read a handover note, and when."""

    handover = models.ForeignKey(ShiftHandover, on_delete=models.CASCADE, related_name="reads")
    reader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    read_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("handover read")
        verbose_name_plural = _("handover reads")
        constraints = [
            models.UniqueConstraint(
                fields=["handover", "reader"], name="hotline_handoverread_unique"
            )
        ]

    def __str__(self) -> str:
        return f"HandoverRead {self.pk}"
