"""The core every app shares: users, the site tree, schools and the append-only audit log."""

from __future__ import annotations

from typing import Any, NoReturn, TypeVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from centre.encryption import BlindIndexField, EncryptedCharField
from centre.roles import Role


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class Site(TimeStampedModel):
    """A place of the network: the city centre, a county centre or a school/community station.

    `path` is the chain of codes from the root ("C01/K03/S0152/"), kept by `save()`, so that
    "this site and every site below it" is one indexed prefix query at any depth.
    """

    class Kind(models.TextChoices):
        CITY_CENTRE = "city_centre", _("City centre")
        COUNTY_CENTRE = "county_centre", _("County centre")
        STATION = "station", _("Station")

    ALLOWED_PARENT_KIND: dict[str, str | None] = {
        Kind.CITY_CENTRE: None,
        Kind.COUNTY_CENTRE: Kind.CITY_CENTRE,
        Kind.STATION: Kind.COUNTY_CENTRE,
    }

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent site"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    # db_index on Postgres also makes the varchar_pattern_ops index that LIKE 'prefix%' uses.
    path = models.CharField(max_length=255, editable=False, db_index=True)

    class Meta:
        ordering = ["path"]
        verbose_name = _("site")
        verbose_name_plural = _("sites")
        permissions = [("view_statistics", _("Can view aggregate statistics"))]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        old_path = self.path
        self.path = f"{self.parent.path if self.parent else ''}{self.code}/"
        super().save(*args, **kwargs)
        if old_path and old_path != self.path:
            # A moved or renamed site re-roots its children, and they theirs (the tree is shallow).
            for child in self.children.all():
                child.save()

    def clean(self) -> None:
        expected = self.ALLOWED_PARENT_KIND.get(self.kind)
        actual = self.parent.kind if self.parent else None
        if expected != actual:
            if expected is None:
                raise ValidationError({"parent": _("A city centre has no parent site.")})
            raise ValidationError(
                {
                    "parent": _("This kind of site belongs under a %(kind)s.")
                    % {"kind": self.Kind(expected).label}
                }
            )
        if "/" in self.code:
            raise ValidationError({"code": _("A site code cannot contain '/'.")})

    def descendants_and_self(self) -> models.QuerySet[Site]:
        return Site.objects.filter(path__startswith=self.path)


class School(TimeStampedModel):
    class Level(models.TextChoices):
        PRIMARY = "primary", _("Primary school")
        JUNIOR = "junior", _("Junior secondary school")
        SENIOR = "senior", _("Senior secondary school")
        VOCATIONAL = "vocational", _("Vocational school")

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    district = models.CharField(_("district"), max_length=100)
    level = models.CharField(_("level"), max_length=20, choices=Level.choices)
    site = models.ForeignKey(
        Site, verbose_name=_("site"), on_delete=models.PROTECT, related_name="schools"
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("school")
        verbose_name_plural = _("schools")

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A member of staff. `site` places them in the network; a school liaison also has a school."""

    site = models.ForeignKey(
        Site,
        verbose_name=_("site"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
    )
    school = models.ForeignKey(
        School,
        verbose_name=_("school"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="liaisons",
        help_text=_("For school liaisons: the one school whose students they follow."),
    )
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    language = models.CharField(
        _("language of messages"),
        max_length=10,
        choices=settings.LANGUAGES,
        default="zh-hans",
        help_text=_("Reminders and e-mails to this user are written in this language."),
    )
    # Set when an administrator chose the password (a reset, a new account): the next sign-in
    # goes to the password change first (centre.middleware.SignInStepsMiddleware).
    must_change_password = models.BooleanField(
        _("must change password at next sign-in"), default=False
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def get_full_name(self) -> str:
        """Chinese names read family name first with no space (王敏); others "given family"."""
        if any(ord(character) > 0x2E7F for character in self.last_name + self.first_name):
            return f"{self.last_name}{self.first_name}".strip()
        return super().get_full_name()

    def roles(self) -> list[Role]:
        """The user's roles, from their groups (cached per instance)."""
        if not hasattr(self, "_roles"):
            names = {group.name for group in self.groups.all()}
            self._roles = [role for role in Role if role.value in names]
        return self._roles

    def has_role(self, role: Role) -> bool:
        return role in self.roles()


class SignInSession(models.Model):
    """One signed-in browser of a user, keyed by its session's key: what the sessions page
    lists and what ending a session removes (with the session itself). Written at sign-in, its
    `last_seen_at` at most every `SESSION_SEEN_EVERY_SECONDS` (centre/user_sessions.py)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="sign_in_sessions")
    session_key = models.CharField(max_length=40, unique=True)
    started_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-last_seen_at", "-id"]
        verbose_name = _("sign-in session")
        verbose_name_plural = _("sign-in sessions")
        default_permissions = ()
        indexes = [models.Index(fields=["user", "-last_seen_at"], name="centre_signin_user")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.started_at:%Y-%m-%d %H:%M}"


_AppendOnlyModel = TypeVar("_AppendOnlyModel", bound="AppendOnly")


class AuditEntryQuerySet(models.QuerySet[_AppendOnlyModel]):
    """Audit entries are written once and never changed or removed by the application."""

    def update(self, **kwargs: Any) -> NoReturn:
        raise PermissionError("Audit entries cannot be changed.")

    def delete(self) -> NoReturn:
        raise PermissionError("Audit entries cannot be deleted.")


class AppendOnly(models.Model):
    """Rows the application only ever adds (the audit log); Postgres triggers refuse the rest."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("Audit entries cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise PermissionError("Audit entries cannot be deleted.")


class AuditEntry(AppendOnly):
    """One append-only line of the audit log (DOMAIN.md §5.4).

    Holds ids and actions, never clinical content. On Postgres a trigger (migration 0002) also
    refuses UPDATE and DELETE, so not even a raw query from the application can rewrite history.
    """

    class Result(models.TextChoices):
        SUCCESS = "success", _("Success")
        FAILED = "failed", _("Failed")

    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_username = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=100)
    target_type = models.CharField(max_length=100, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    result = models.CharField(max_length=10, choices=Result.choices, default=Result.SUCCESS)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    reason = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    # The hash chain (centre.audit_chain), written once by the sealer shortly after the entry is
    # committed, never by the writer: the entry's place in the chain, the hash of its content
    # (with its records) and the chain hash of the entry before it and of itself. Postgres lets
    # these go from empty to set once (migration 0018); nothing else of an entry ever changes.
    chain_position = models.PositiveBigIntegerField(null=True, blank=True, unique=True)
    content_hash = models.CharField(max_length=64, blank=True, db_default="")
    previous_hash = models.CharField(max_length=64, blank=True, db_default="")
    chain_hash = models.CharField(max_length=64, blank=True, db_default="")

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        default_permissions = ("view",)
        indexes = [
            models.Index(fields=["target_type", "target_id", "-at"], name="centre_audit_target"),
            models.Index(fields=["actor", "-at"], name="centre_audit_actor"),
            models.Index(fields=["action", "-at"], name="centre_audit_action"),
            # The audit log's pages, newest first, by position (centre.paging).
            models.Index(fields=["-at", "-id"], name="centre_audit_newest"),
            # What the sealer has still to chain: a few minutes' entries at most.
            models.Index(
                fields=["id"],
                name="centre_audit_unsealed",
                condition=models.Q(chain_position__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_username} {self.action}"


class AuditRecord(AppendOnly):
    """One of the records an audit entry is about when it is about several (a list page, an
    export): one entry per page, and one of these per record shown, so that "who viewed this
    file" finds the page. Append-only like the entries (migration 0011)."""

    entry = models.ForeignKey(AuditEntry, on_delete=models.PROTECT, related_name="records")
    target_type = models.CharField(max_length=100)
    target_id = models.CharField(max_length=64)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("audited record")
        verbose_name_plural = _("audited records")
        default_permissions = ("view",)
        indexes = [
            models.Index(fields=["target_type", "target_id"], name="centre_auditrecord_target")
        ]

    def __str__(self) -> str:
        return f"{self.target_type} {self.target_id}"


class BreakGlassReview(AppendOnly):
    """An auditor's review of one break-glass access (DOMAIN.md §5.3: within 24 hours), with
    their note: a record of its own beside the access's audit entry, which is never changed.
    One per access; append-only like the log (migration 0016)."""

    entry = models.OneToOneField(
        AuditEntry, on_delete=models.PROTECT, related_name="break_glass_review"
    )
    reviewer = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    note = models.TextField()
    at = models.DateTimeField(auto_now_add=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("break-glass review")
        verbose_name_plural = _("break-glass reviews")
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"review of {self.entry_id}"


class AuditChainAnchor(AppendOnly):
    """Where the audit chain starts after a purge (`manage.py audit_purge`, centre.audit_purge):
    the chain position and chain hash of the last entry purged, so that `audit_verify` links the
    first remaining entry to it instead of to the genesis. Written once, by the database's owner
    only (the application's role may only read it; triggers of migration 0023 refuse UPDATE,
    DELETE and TRUNCATE). Tamper-evident through the purge's own audit entry (`audit_entry_id`),
    written in the same transaction with these values and chained after them: `audit_verify`
    compares the two."""

    chain_position = models.PositiveBigIntegerField(unique=True)
    chain_hash = models.CharField(max_length=64)
    first_position = models.PositiveBigIntegerField()  # the first entry purged
    purged = models.PositiveIntegerField()  # entries purged
    before = models.DateField()  # the --before day asked for
    at = models.DateTimeField()
    by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    export_sha256 = models.CharField(max_length=64)  # of the file the purged entries went to
    # The purge's own audit entry, written just before: an id, not a foreign key, because a
    # later purge takes that entry too (only the latest anchor is checked against its entry).
    audit_entry_id = models.PositiveBigIntegerField(unique=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit chain anchor")
        verbose_name_plural = _("audit chain anchors")
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"anchor at {self.chain_position}"


class Reminder(models.Model):
    """One message to send later: a row of the outbox (ENGINEERING.md §3.2).

    Written in the same transaction as the change that causes it; a per-minute beat task claims
    due rows and queues them after commit; the worker claims each one with a conditional update
    before sending. The unique `idempotency_key` makes a double click or a second dispatcher
    harmless. Texts are rendered when sent, in the recipient's language, from `template` and
    `params`, and pass the content filter (DOMAIN.md §4.3): no diagnosis, score, tier or name
    beyond a masked one."""

    class Channel(models.TextChoices):
        INBOX = "inbox", _("In-app notification")
        EMAIL = "email", _("E-mail")
        SMS = "sms", _("SMS")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    idempotency_key = models.CharField(max_length=200, unique=True)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    due_at = models.DateTimeField()
    recipient = models.ForeignKey(
        User, on_delete=models.CASCADE, null=True, blank=True, related_name="reminders"
    )
    # For messages to a guardian (SMS): the number and the language, copied when planned. The
    # number is encrypted at rest; waiting messages are found by it through `phone_index`.
    phone = EncryptedCharField(max_length=32, blank=True)
    phone_index = BlindIndexField(source="phone")
    language = models.CharField(max_length=10, default="zh-hans")
    template = models.CharField(max_length=50)
    params = models.JSONField(default=dict, blank=True)
    # The site whose supervisors decide about it when it fails (the case's, the school's; the
    # recipient's by default). None: the system administrators only.
    site = models.ForeignKey(
        Site, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # What the reminder is about, as ids only (`counselling.followup`, "42").
    target_type = models.CharField(max_length=100, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    queued_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    provider_message_id = models.CharField(max_length=100, blank=True)
    # Why it failed, for the person who decides; never message content.
    failure = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        indexes = [
            models.Index(
                fields=["due_at"],
                name="centre_reminder_pending_due",
                condition=models.Q(status="pending"),
            ),
            models.Index(fields=["status", "queued_at"], name="centre_reminder_status"),
            models.Index(fields=["target_type", "target_id"], name="centre_reminder_target"),
        ]

    def __str__(self) -> str:
        return f"{self.template} → {self.channel} ({self.status})"


class Notification(models.Model):
    """A message in a member of staff's in-app inbox (the badge in the navigation)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    reminder = models.OneToOneField(
        Reminder, on_delete=models.SET_NULL, null=True, blank=True, related_name="notification"
    )
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    link = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(
                fields=["user"],
                name="centre_notification_unread",
                condition=models.Q(read_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return self.title


class MonthlyReport(models.Model):
    """The previous month's figures as XLSX, built on the 1st by the beat (Django's storage)."""

    month = models.DateField(unique=True)  # the 1st of the month reported
    file = models.FileField(upload_to="reports/")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-month"]
        verbose_name = _("monthly report")
        verbose_name_plural = _("monthly reports")

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}"


class MonthlyFigure(models.Model):
    """One flow figure of one provider, month and site, kept by `statistics.rollup_refresh` so
    that the 12-month trend reads a few hundred rows instead of a year of records. Counts only:
    no record ids, no names."""

    provider = models.CharField(max_length=40)
    month = models.DateField()  # the 1st of the month, in the centre's time zone
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+")
    figure = models.CharField(max_length=40)
    value = models.BigIntegerField()

    class Meta:
        verbose_name = _("monthly figure")
        verbose_name_plural = _("monthly figures")
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "month", "site", "figure"], name="centre_monthlyfigure_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.month:%Y-%m} {self.figure}"


class RolledUpMonth(models.Model):
    """A provider's month whose figures are in MonthlyFigure (a month without this row, or with
    a StaleMonth row, is counted from the records)."""

    provider = models.CharField(max_length=40)
    month = models.DateField()
    computed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("rolled-up month")
        verbose_name_plural = _("rolled-up months")
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "month"], name="centre_rolledupmonth_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.month:%Y-%m}"


class StaleMonth(models.Model):
    """A month whose records changed since it was rolled up. Written by the apps' Postgres
    triggers in the transaction of the change (so nothing — COPY, a queryset update, a cascade —
    goes unseen); append-only, so concurrent writers never wait on each other; removed by
    `centre.statistics.rollup_refresh` once the month is counted again."""

    provider = models.CharField(max_length=40)
    month = models.DateField()

    class Meta:
        verbose_name = _("month to count again")
        verbose_name_plural = _("months to count again")
        indexes = [models.Index(fields=["provider", "month"], name="centre_stalemonth_month")]

    def __str__(self) -> str:
        return f"{self.provider} {self.month:%Y-%m}"


class LegalHold(models.Model):
    """A record retention keeps past its window (a complaint, a court's or the regulator's
    request), named as the audit log names it: its type (`app_label.model`) and id. Placed and
    released by `centre.legal_holds`; a released hold no longer keeps anything."""

    target_type = models.CharField(_("record type"), max_length=100)
    target_id = models.CharField(_("record number"), max_length=64)
    reason = models.CharField(_("reason"), max_length=200)
    placed_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    placed_at = models.DateTimeField(default=timezone.now)
    released_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("legal hold")
        verbose_name_plural = _("legal holds")
        constraints = [
            models.UniqueConstraint(
                fields=["target_type", "target_id"],
                condition=models.Q(released_at__isnull=True),
                name="centre_legalhold_one_in_force",
            )
        ]

    def __str__(self) -> str:
        return f"{self.target_type} {self.target_id}"
