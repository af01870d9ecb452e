"""The reminder outbox (ENGINEERING.md §3.2): never lost, never sent twice without a person
deciding it.

1. `reminder_plan` writes a row in the caller's transaction (nothing goes to Redis).
2. `reminders_dispatch` (beat, every minute) claims due rows with SELECT … FOR UPDATE SKIP LOCKED,
   marks them queued and, after commit, puts one task per row on the `reminders` queue.
3. `reminder_send` (the task) claims its row with a conditional UPDATE queued → sending; a second
   copy of the task finds nothing to claim. Then it delivers and marks the row sent.
4. `reminders_sweep` (beat, every few minutes) re-queues rows left queued (Redis was down, a
   message was lost) — harmless, the claim is conditional — and marks rows stuck in `sending` (a
   worker died mid-send) as failed for a person to decide, instead of resending blindly.

Texts come from the templates the apps declare on their AppConfig (`message_templates`: a
template's name and the dotted path of its `render(params) -> Message`), rendered in the
recipient's language when sent; every text passes the content filter of DOMAIN.md §4.3 before
it leaves."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import models, transaction
from django.db.models import Count, F, Q
from django.utils import timezone, translation
from django.utils.module_loading import import_string

from centre import sms
from centre.audit import audit_log
from centre.content_filter import forbidden_words
from centre.declarations import declared
from centre.models import Notification, Reminder, Site, User
from centre.roles import Role
from centre.tasks import send_reminder as send_reminder_task

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
SMS_MAX_CHARACTERS = 70  # one Chinese SMS segment (UCS-2)


@dataclass(frozen=True)
class Message:
    title: str
    body: str = ""
    link: str = ""


def message_template(name: str) -> Callable[[dict[str, Any]], Message]:
    """The declared template `name`: `render(params)`, run inside the recipient's language."""
    for _config, templates in declared("message_templates"):
        if name in templates:
            template: Callable[[dict[str, Any]], Message] = import_string(templates[name])
            return template
    raise LookupError(f"no app declares the message template {name!r}")


class ForbiddenContentError(ValueError):
    """A message would carry a diagnosis, score, tier or other forbidden word."""


def render(*, template: str, params: dict[str, Any], language: str, channel: str) -> Message:
    with translation.override(language):
        message = message_template(template)(params)
    words = forbidden_words(f"{message.title}\n{message.body}")
    if words:
        raise ForbiddenContentError(f"{template}: forbidden words {words}")
    if channel == Reminder.Channel.SMS and len(message.title) > SMS_MAX_CHARACTERS:
        raise ForbiddenContentError(f"{template}: an SMS longer than one segment")
    return message


def reminder_plan(
    *,
    key: str,
    channel: str,
    due_at: datetime.datetime,
    template: str,
    params: dict[str, Any],
    target: models.Model | None = None,
    recipient: User | None = None,
    phone: str = "",
    language: str = "",
    site: Site | None = None,
) -> Reminder:
    """Plan one message; the same `key` twice plans it once. Call inside the transaction of the
    change that causes it. The text is checked now, so a bad template fails the change, not the
    send. `site` is where it belongs (the case's, the school's): its supervisors and those above
    decide about it if it fails; the recipient's site by default."""
    language = language or (recipient.language if recipient else settings.LANGUAGE_CODE)
    render(template=template, params=params, language=language, channel=channel)
    reminder, _created = Reminder.objects.get_or_create(
        idempotency_key=key,
        defaults={
            "channel": channel,
            "due_at": due_at,
            "template": template,
            "params": params,
            "recipient": recipient,
            "phone": phone,
            "language": language,
            "site": site or (recipient.site if recipient else None),
            "target_type": target._meta.label_lower if target is not None else "",
            "target_id": str(target.pk) if target is not None else "",
        },
    )
    return reminder


def reminders_plan(
    *,
    recipients: Iterable[tuple[str, User]],
    channel: str,
    due_at: datetime.datetime,
    template: str,
    params: dict[str, Any],
    target: models.Model | None = None,
    site: Site | None = None,
) -> list[int]:
    """`reminder_plan` for many recipients (`(key, recipient)` pairs) of one message: one
    INSERT and one SELECT however many (a crisis tells a whole team at once, inside the
    change's transaction). A key planned before stays as it was; the ids of all are returned."""
    planned = [
        Reminder(
            idempotency_key=key,
            channel=channel,
            due_at=due_at,
            template=template,
            params=params,
            recipient=recipient,
            language=recipient.language or settings.LANGUAGE_CODE,
            site=site or recipient.site,
            target_type=target._meta.label_lower if target is not None else "",
            target_id=str(target.pk) if target is not None else "",
        )
        for key, recipient in recipients
    ]
    for language in {reminder.language for reminder in planned}:
        render(template=template, params=params, language=language, channel=channel)
    Reminder.objects.bulk_create(planned, ignore_conflicts=True)
    keys = [reminder.idempotency_key for reminder in planned]
    return list(
        Reminder.objects.filter(idempotency_key__in=keys).values_list("pk", flat=True)
    )  # access: the caller's own change


def reminders_cancel(*, target: models.Model) -> int:
    """Cancel what is still waiting about `target` (a follow-up moved or cancelled)."""
    return Reminder.objects.filter(
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        status__in=[Reminder.Status.PENDING, Reminder.Status.QUEUED],
    ).update(status=Reminder.Status.CANCELLED)


def reminders_dispatch(*, limit: int = 500) -> list[int]:
    """Queue what is due. Two dispatchers at once never queue the same row (SKIP LOCKED)."""
    now = timezone.now()
    with transaction.atomic():
        ids = list(
            Reminder.objects.select_for_update(skip_locked=True)
            .filter(status=Reminder.Status.PENDING, due_at__lte=now)
            .order_by("due_at")
            .values_list("id", flat=True)[:limit]
        )
        Reminder.objects.filter(id__in=ids).update(status=Reminder.Status.QUEUED, queued_at=now)
        transaction.on_commit(lambda: enqueue(ids))
    return ids


def reminders_dispatch_now(ids: list[int]) -> list[int]:
    """Queue these pending rows at once, not at the beat's next minute (a crisis alert). Call
    it on commit of the transaction that planned them; a row already queued by the beat is
    skipped (SKIP LOCKED, then only pending rows), so nothing is queued twice."""
    now = timezone.now()
    with transaction.atomic():
        claimed = list(
            Reminder.objects.select_for_update(skip_locked=True)
            .filter(id__in=ids, status=Reminder.Status.PENDING, due_at__lte=now)
            .values_list("id", flat=True)
        )
        Reminder.objects.filter(id__in=claimed).update(status=Reminder.Status.QUEUED, queued_at=now)
        transaction.on_commit(lambda: enqueue(claimed))
    return claimed


def enqueue(ids: list[int]) -> None:
    """One task per row. If the broker does not answer the rows stay queued: the sweeper tries
    again, so nothing is lost. The queue is the task's route (`reminders`)."""
    for reminder_id in ids:
        try:
            send_reminder_task.apply_async((reminder_id,), retry=False)
        except Exception:  # the broker is down: kombu raises its own OperationalError family
            logger.warning("broker unavailable: %s reminder(s) stay queued", len(ids))
            return


def reminder_send(reminder_id: int) -> bool:
    """Claim and deliver one reminder. False when there was nothing to claim (already done)."""
    claimed = Reminder.objects.filter(pk=reminder_id, status=Reminder.Status.QUEUED).update(
        status=Reminder.Status.SENDING, attempts=F("attempts") + 1, claimed_at=timezone.now()
    )
    if not claimed:  # already done, or the row is gone
        return False
    reminder = Reminder.objects.select_related("recipient").get(pk=reminder_id)
    try:
        provider_id = _deliver(reminder)
    except Exception as error:
        _failed(reminder, error)
        return False
    Reminder.objects.filter(pk=reminder.pk).update(
        status=Reminder.Status.SENT, sent_at=timezone.now(), provider_message_id=provider_id
    )
    return True


def _deliver(reminder: Reminder) -> str:
    message = render(
        template=reminder.template,
        params=reminder.params,
        language=reminder.language,
        channel=reminder.channel,
    )
    if reminder.channel == Reminder.Channel.INBOX:
        notification, _created = Notification.objects.get_or_create(
            reminder=reminder,
            defaults={
                "user": _recipient(reminder),
                "title": message.title,
                "body": message.body,
                "link": message.link,
            },
        )
        return f"notification:{notification.pk}"
    if reminder.channel == Reminder.Channel.EMAIL:
        send_mail(
            message.title,
            message.body,
            None,
            [_recipient(reminder).email],
            fail_silently=False,
        )
        return "email"
    return sms.get_backend().send(
        phone=reminder.phone, text=message.title, idempotency_key=reminder.idempotency_key
    )


def _recipient(reminder: Reminder) -> User:
    """The recipient of an inbox or e-mail reminder (only an SMS may have none)."""
    if reminder.recipient is None:
        raise ValueError("an inbox or e-mail reminder without a recipient")
    return reminder.recipient


def _failed(reminder: Reminder, error: Exception) -> None:
    """A send that raised: try again later through the outbox (never a Celery countdown)."""
    reason = f"{type(error).__name__}"[:200]
    logger.warning("reminder %s failed (%s), attempt %s", reminder.pk, reason, reminder.attempts)
    if reminder.attempts < MAX_ATTEMPTS and not isinstance(error, ForbiddenContentError):
        backoff = datetime.timedelta(minutes=2**reminder.attempts)
        Reminder.objects.filter(pk=reminder.pk).update(
            status=Reminder.Status.PENDING, due_at=timezone.now() + backoff, failure=reason
        )
    else:
        Reminder.objects.filter(pk=reminder.pk).update(
            status=Reminder.Status.FAILED, failure=reason
        )


def reminders_sweep() -> dict[str, int]:
    """Re-queue rows left queued; hand rows stuck in `sending` to a person."""
    now = timezone.now()
    queued_grace = datetime.timedelta(seconds=settings.REMINDER_QUEUED_GRACE_SECONDS)
    sending_timeout = datetime.timedelta(seconds=settings.REMINDER_SENDING_TIMEOUT_SECONDS)
    stuck = Reminder.objects.filter(
        status=Reminder.Status.SENDING, claimed_at__lt=now - sending_timeout
    ).update(
        status=Reminder.Status.FAILED,
        failure="unknown: the worker stopped while sending; check before resending",
    )
    with transaction.atomic():
        ids = list(
            Reminder.objects.select_for_update(skip_locked=True)
            .filter(status=Reminder.Status.QUEUED, queued_at__lt=now - queued_grace)
            .values_list("id", flat=True)[:500]
        )
        Reminder.objects.filter(id__in=ids).update(queued_at=now)
        transaction.on_commit(lambda: enqueue(ids))
    return {"requeued": len(ids), "stuck": stuck}


@transaction.atomic
def reminder_resend(*, actor: User, reminder: Reminder) -> None:
    """A person decided a failed reminder goes out again."""
    if reminder.status != Reminder.Status.FAILED:
        return
    Reminder.objects.filter(pk=reminder.pk, status=Reminder.Status.FAILED).update(
        status=Reminder.Status.PENDING, due_at=timezone.now(), failure=""
    )
    audit_log(actor=actor, action="centre.reminder.resent", target=reminder)


@transaction.atomic
def reminder_give_up(*, actor: User, reminder: Reminder) -> None:
    """A person decided a failed reminder is not sent again (it arrived, or no longer matters)."""
    Reminder.objects.filter(pk=reminder.pk, status=Reminder.Status.FAILED).update(
        status=Reminder.Status.CANCELLED
    )
    audit_log(actor=actor, action="centre.reminder.given_up", target=reminder)


def reminders_visible_to(*, user: User) -> models.QuerySet[Reminder]:
    """The reminders a user may see and decide about: a system administrator all of them; a
    supervisor those of their site and the sites below; anyone else none."""
    if user.has_role(Role.SYSTEM_ADMINISTRATOR):
        return Reminder.objects.all()
    if user.has_role(Role.SUPERVISOR) and user.site:
        return Reminder.objects.filter(site__path__startswith=user.site.path)
    return Reminder.objects.none()


def reminder_counts(reminders: models.QuerySet[Reminder] | None = None) -> dict[str, int]:
    """`due` is due now and not yet sent (pending); the others are the rows in that status. Of
    `reminders` (a user's, `reminders_visible_to`), or of all."""
    now = timezone.now()
    reminders = Reminder.objects.all() if reminders is None else reminders
    counts = reminders.aggregate(
        due=Count("id", filter=Q(status=Reminder.Status.PENDING, due_at__lte=now)),
        queued=Count("id", filter=Q(status=Reminder.Status.QUEUED)),
        sending=Count("id", filter=Q(status=Reminder.Status.SENDING)),
        sent=Count("id", filter=Q(status=Reminder.Status.SENT)),
        failed=Count("id", filter=Q(status=Reminder.Status.FAILED)),
    )
    return counts
