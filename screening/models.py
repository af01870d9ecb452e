"""School screening: campaigns, students, roster imports, results with their tiers, and the
tracking of flagged students through graded intervention (DOMAIN.md §1–§2).

Raw answers are stored; scores are computed on the server by `screening.scoring` and each result
records the norm sets that produced it. Tiers are codes (`screening.tiers`), shown with colour and
words."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from centre import ages, field_rules
from centre.encryption import EncryptedTextField
from centre.models import School, TimeStampedModel


class Tier(models.TextChoices):
    RED = "red", _("Level 1 · red")
    ORANGE = "orange", _("Level 2 · orange")
    YELLOW = "yellow", _("Level 3 · yellow")
    BLUE = "blue", _("Level 4 · blue (watch)")
    NONE = "none", _("No tier")


class ConsentBasis(models.TextChoices):
    """How a campaign's consent was collected (DOMAIN.md §5.2): under 14 a guardian's, 14–17 the
    student's own with the guardian notified."""

    GUARDIAN = "guardian", _("Guardian consent for every student (with the student's assent)")
    BY_AGE = "by_age", _("Under 14 the guardian's, 14–17 the student's own with guardian notice")


def needs_guardian_consent(
    *, basis: str, birth_date: datetime.date | None, on: datetime.date
) -> bool:
    """Whether a student needs their guardian's consent recorded before answering online on
    `on` (the window's date): always under a GUARDIAN basis, else under 14 (PIPL Art. 31). An
    unknown birth date counts as under 14: the stricter rule is the one that cannot wrong a child
    whose age nobody can show."""
    if basis == ConsentBasis.GUARDIAN or birth_date is None:
        return True
    return ages.age_on(birth_date, on) < ages.OWN_CONSENT_AGE


class Campaign(TimeStampedModel):
    """One school's screening: its instruments, its window and the liaison responsible."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="campaigns")
    name = models.CharField(_("name"), max_length=100)
    instruments = models.JSONField(_("instruments"), default=list)
    opens_on = models.DateField(_("opens on"), validators=[field_rules.validate_planned])
    closes_on = models.DateField(_("closes on"), validators=[field_rules.validate_planned])
    liaison = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("liaison"),
        on_delete=models.PROTECT,
        related_name="screening_campaigns",
    )
    phq_referral_cutoff = models.PositiveSmallIntegerField(_("PHQ referral cut-off"), default=10)
    # The consent the school collected before screening (DOMAIN.md §5.2); empty: none recorded,
    # and no student may start the online form.
    consent_basis = models.CharField(
        _("consent basis"), max_length=20, choices=ConsentBasis.choices, blank=True, db_default=""
    )

    class Meta:
        ordering = ["-opens_on", "-id"]
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")

    def __str__(self) -> str:
        return self.name


class LeftReason(models.TextChoices):
    """Why a student is no longer at the school (a retention event: DOMAIN.md §5.5)."""

    GRADUATED = "graduated", _("Graduated")
    TRANSFERRED = "transferred", _("Transferred to another school")


class Student(TimeStampedModel):
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="students")
    student_no = models.CharField(_("student number"), max_length=32)
    full_name = models.CharField(_("name"), max_length=100)
    sex = models.CharField(_("sex"), max_length=10, blank=True)
    grade = models.CharField(_("grade"), max_length=20, blank=True)
    class_name = models.CharField(_("class"), max_length=20, blank=True)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    # The import that created the student: undoing it removes the students it alone brought.
    first_import = models.ForeignKey(
        "RosterImport", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The day the student left the school (graduated, transferred), recorded by its liaison or
    # a clinician of the site: the item-level answers of a student never flagged are
    # de-identified SCREENING_LEAVING_GRACE_DAYS after it (screening.retention). When it was
    # recorded counts too: a mark made by mistake can be undone for that long.
    left_on = models.DateField(_("left the school on"), null=True, blank=True)
    left_reason = models.CharField(
        _("reason for leaving"),
        max_length=12,
        choices=LeftReason.choices,
        blank=True,
        db_default="",  # the roster's COPY of new students leaves it out
    )
    left_recorded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("student")
        verbose_name_plural = _("students")
        constraints = [
            models.UniqueConstraint(fields=["school", "student_no"], name="screening_student_no"),
            # Left: on a day, for a reason, recorded at a moment; or none of the three.
            models.CheckConstraint(
                condition=models.Q(
                    left_on__isnull=True, left_reason="", left_recorded_at__isnull=True
                )
                | (
                    models.Q(left_on__isnull=False, left_recorded_at__isnull=False)
                    & ~models.Q(left_reason="")
                ),
                name="screening_student_left_whole",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name


class RosterImport(models.Model):
    """One uploaded roster: validated first, then imported (valid rows, or all or nothing)."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        REFUSED = "refused", _("Refused")
        FAILED = "failed", _("Failed")
        UNDONE = "undone", _("Undone")

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="imports")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    file = models.FileField(upload_to="rosters/%Y/%m/", blank=True)
    original_name = models.CharField(max_length=200)
    all_or_nothing = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.WAITING)
    message = models.TextField(blank=True)  # why a file was refused, in the uploader's words
    total_rows = models.PositiveIntegerField(default=0)
    done_rows = models.PositiveIntegerField(default=0)
    imported_rows = models.PositiveIntegerField(default=0)
    unchanged_rows = models.PositiveIntegerField(default=0)
    # Every bad cell: {"row": n, "column": name, "reason": text, "value": the cell as typed, cut
    # short, shown only to the uploader and the site's clinicians}. Never a name.
    errors = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # When a run claimed it: an import still running past the task's time limit was stopped
    # (a worker killed or lost) and the sweep ends it as failed.
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("roster import")
        verbose_name_plural = _("roster imports")

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_finished(self) -> bool:
        return self.status not in (self.Status.WAITING, self.Status.RUNNING)


class ScreeningResult(models.Model):
    """One student's answers in one campaign, scored on the server; unique per campaign."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="results")
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="results")
    roster_import = models.ForeignKey(
        RosterImport, on_delete=models.SET_NULL, null=True, blank=True, related_name="results"
    )
    answers = models.JSONField()  # {"PHQ-A": [...], "GAD-7": [...], …} as given
    scores = models.JSONField()  # per instrument: total, band, flags, subscales, norm set
    phq_total = models.PositiveSmallIntegerField(null=True, blank=True)
    gad_total = models.PositiveSmallIntegerField(null=True, blank=True)
    sdq_total = models.PositiveSmallIntegerField(null=True, blank=True)
    crisis_flag = models.BooleanField(default=False)
    score_tier = models.CharField(max_length=10, choices=Tier.choices, default=Tier.NONE)
    settled_tier = models.CharField(max_length=10, choices=Tier.choices, default=Tier.NONE)
    tier = models.CharField(
        _("tier"), max_length=10, choices=Tier.choices, default=Tier.NONE, db_index=True
    )
    tier_confirmed = models.BooleanField(default=False)
    cssrs_band = models.CharField(max_length=10, blank=True)
    screened_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("screening result")
        verbose_name_plural = _("screening results")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "student"], name="screening_result_per_campaign"
            )
        ]
        # Statistics count screened and flagged students from the index alone.
        indexes = [
            models.Index(
                fields=["screened_at"],
                include=["student", "tier", "crisis_flag"],
                name="screening_result_screened",
            )
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}/{self.student_id}"


class TierChange(models.Model):
    """Every change of a result's tier: who, when, why; a downgrade with its second sign-off."""

    result = models.ForeignKey(ScreeningResult, on_delete=models.CASCADE, related_name="changes")
    tier_from = models.CharField(max_length=10, choices=Tier.choices)
    tier_to = models.CharField(max_length=10, choices=Tier.choices)
    reason = EncryptedTextField()  # clinical: encrypted, never searched
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("tier change")
        verbose_name_plural = _("tier changes")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.tier_from} → {self.tier_to}"


class TrackingTask(TimeStampedModel):
    """The next action for a flagged student (a crisis assessment, an interview, a re-screen),
    with its due time; overdue crisis tasks escalate to the crisis team."""

    class Kind(models.TextChoices):
        CRISIS_ASSESSMENT = "crisis", _("Suicide-risk assessment (C-SSRS)")
        INTERVIEW = "interview", _("Verification interview")
        RESCREEN = "rescreen", _("Re-screen")
        WATCH = "watch", _("Class-teacher observation")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")
        REFERRED = "referred", _("Referred to counselling")
        CANCELLED = "cancelled", _("Cancelled")

    class Outcome(models.TextChoices):
        """How a school-side task ended, as the school saw it."""

        NOTHING = "nothing", _("Done: nothing of concern seen")
        CONCERN = "concern", _("Done: a concern the centre should look at")
        LEFT = "left", _("Not possible: the student has left the school")

    # The tasks done at school (the class teacher's, the school's): its liaison marks them done.
    # The C-SSRS and the interview are a clinician's, recorded on the result.
    SCHOOL_SIDE = frozenset({Kind.WATCH, Kind.RESCREEN})

    result = models.ForeignKey(ScreeningResult, on_delete=models.CASCADE, related_name="tasks")
    kind = models.CharField(_("next action"), max_length=10, choices=Kind.choices)
    due_at = models.DateTimeField(_("due"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default="open")
    escalated_at = models.DateTimeField(null=True, blank=True)
    case = models.ForeignKey(
        "counselling.Case", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Defaults in the database too: the roster import COPYs tasks without these columns.
    outcome = models.CharField(
        _("outcome"), max_length=10, choices=Outcome.choices, blank=True, db_default=""
    )
    # What the school saw of the student: encrypted, never searched.
    outcome_note = EncryptedTextField(_("note"), blank=True, max_length=1000, db_default="")
    # When the student's consent to the campaign was withdrawn while the task was open: a
    # cancelled task's reason; an open one kept for safety (a crisis task, a red tier's first
    # action: DOMAIN.md §5.2's crisis exception), marked so the clinician knows.
    consent_withdrawn_at = models.DateTimeField(_("consent withdrawn at"), null=True, blank=True)

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("tracking task")
        verbose_name_plural = _("tracking tasks")
        indexes = [
            models.Index(
                fields=["due_at"], name="screening_task_open", condition=models.Q(status="open")
            )
        ]

    def __str__(self) -> str:
        return self.get_kind_display()

    @property
    def is_overdue(self) -> bool:
        return self.status == self.Status.OPEN and self.due_at < timezone.now()

    @property
    def is_school_side(self) -> bool:
        return self.kind in self.SCHOOL_SIDE


class TierRequest(models.Model):
    """A request to lower a result's tier (DOMAIN.md §2.2): it waits until a second clinician who
    can see the result approves or declines it in their own session; until then the tier stands."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for a second clinician")
        APPROVED = "approved", _("Approved")
        DECLINED = "declined", _("Declined")
        SUPERSEDED = "superseded", _("Superseded: the tier changed meanwhile")

    result = models.ForeignKey(
        ScreeningResult, on_delete=models.CASCADE, related_name="tier_requests"
    )
    tier_from = models.CharField(max_length=10, choices=Tier.choices)
    tier_to = models.CharField(max_length=10, choices=Tier.choices)
    reason = EncryptedTextField()  # clinical: encrypted, never searched
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("tier change request")
        verbose_name_plural = _("tier change requests")
        ordering = ["-requested_at", "-id"]
        constraints = [
            # One request at a time: a second would race the first to the same result.
            models.UniqueConstraint(
                fields=["result"],
                condition=models.Q(status="pending"),
                name="screening_one_pending_tier_request",
            )
        ]

    def __str__(self) -> str:
        return f"{self.tier_from} → {self.tier_to} ({self.status})"


class OnlineWindow(models.Model):
    """A campaign opened online for one class of its school: from `opens_at` to `closes_at` (or
    until closed), each student of the class with a one-time code (`OnlineCode`)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="windows")
    class_name = models.CharField(_("class"), max_length=20)
    opens_at = models.DateTimeField(_("opens at"), default=timezone.now)
    closes_at = models.DateTimeField(_("closes at"))
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["class_name", "-opens_at", "-id"]
        verbose_name = _("online window")
        verbose_name_plural = _("online windows")
        # Statistics count the codes of the windows opened in a month.
        indexes = [models.Index(fields=["opens_at"], name="screening_window_opens")]

    def __str__(self) -> str:
        return f"{self.campaign_id}/{self.pk}"

    def is_open(self, now: datetime.datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.closed_at is None and self.opens_at <= now < self.closes_at


class OnlineCode(models.Model):
    """One student's one-time code for a window: only its keyed hash is stored (HMAC with the
    secret key), never the code, which is printed once on the student's slip."""

    window = models.ForeignKey(OnlineWindow, on_delete=models.CASCADE, related_name="codes")
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="+")
    code_hash = models.CharField(max_length=64, unique=True)

    class Meta:
        verbose_name = _("online code")
        verbose_name_plural = _("online codes")
        constraints = [
            models.UniqueConstraint(fields=["window", "student"], name="screening_code_per_window")
        ]

    def __str__(self) -> str:
        return f"{self.window_id}/{self.pk}"


class OnlineSession(models.Model):
    """A student's answers so far (kept as they go: a dropped connection resumes on the same
    code), then the submission that became their screening result."""

    code = models.OneToOneField(OnlineCode, on_delete=models.CASCADE, related_name="session")
    answers = models.JSONField(default=dict)  # {"PHQ-A": {"1": 0, …}, "PHQ-A supplementary": …}
    started_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    result = models.ForeignKey(
        ScreeningResult, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("online session")
        verbose_name_plural = _("online sessions")
        # Statistics count the sessions submitted in a month.
        indexes = [
            models.Index(
                fields=["submitted_at"],
                name="screening_session_submitted",
                condition=models.Q(submitted_at__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return f"{self.code_id}"


class StudentConsent(models.Model):
    """One student's consent to one campaign's screening (DOMAIN.md §5.2; the campaign is its
    scope): a guardian's slip the liaison recorded, or the student's own "I agree" on the first
    online screen (from 14 their consent, under 14 their assent beside the guardian's). A
    withdrawal stops everything new from then on: no start, answer or submission online, no
    roster row for the campaign; what was already submitted is kept (retention)."""

    class GivenBy(models.TextChoices):
        GUARDIAN = "guardian", _("Guardian")
        STUDENT = "student", _("The student")

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="consents")
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="consents")
    given_by = models.CharField(_("given by"), max_length=10, choices=GivenBy.choices)
    version = models.CharField(_("form version"), max_length=20)
    # The campaign's basis when given: a student's own consent under BY_AGE records that the
    # campaign's notice told the guardians (the guardian notification of DOMAIN.md §5.2).
    basis = models.CharField(_("consent basis"), max_length=20, choices=ConsentBasis.choices)
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    # None: the student gave it themselves, online.
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # A refusal the liaison recorded before anyone consented ("the guardian said no"): never
    # given, withdrawn when recorded, and final for the campaign as a withdrawal is.
    refused = models.BooleanField(_("refused"), default=False, db_default=False)

    class Meta:
        verbose_name = _("student consent")
        verbose_name_plural = _("student consents")
        ordering = ["recorded_at", "id"]
        constraints = [
            # One live consent per giver: a slip ticked twice, two taps on "I agree", is one.
            models.UniqueConstraint(
                fields=["campaign", "student", "given_by"],
                condition=models.Q(withdrawn_at__isnull=True),
                name="screening_one_live_consent",
            ),
            models.CheckConstraint(
                condition=models.Q(withdrawn_at__isnull=True)
                | models.Q(withdrawn_by__isnull=False),
                name="screening_consent_withdrawn_by_someone",
            ),
            models.CheckConstraint(
                condition=~models.Q(given_by="guardian") | models.Q(recorded_by__isnull=False),
                name="screening_guardian_consent_recorded_by_staff",
            ),
            models.CheckConstraint(
                condition=models.Q(refused=False) | models.Q(withdrawn_at__isnull=False),
                name="screening_refusal_is_withdrawn",
            ),
        ]
        indexes = [models.Index(fields=["campaign", "student"], name="screening_consent_student")]

    def __str__(self) -> str:
        return f"{self.campaign_id}/{self.student_id}/{self.given_by}"

    @property
    def is_live(self) -> bool:
        return self.withdrawn_at is None
