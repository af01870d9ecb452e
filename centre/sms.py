"""Text messages to guardians. The portal talks to one interface; a real gateway plugs in by
settings (`SMS_BACKEND = "yourpackage.YourGatewayBackend"`), the development default only logs.

A backend's `send` returns the provider's message id and should pass `idempotency_key` to the
gateway when it supports one, so that a resend decided by a person is recognised."""

from __future__ import annotations

import logging
import uuid

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class BaseBackend:
    def send(self, *, phone: str, text: str, idempotency_key: str) -> str:
        raise NotImplementedError


def masked(phone: str) -> str:
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) >= 7 else "****"


class LoggingBackend(BaseBackend):
    """The default until a gateway is configured: logs that a message went out (masked number,
    length — never the text) and keeps nothing. Tests record messages with their own backend
    (`tests/support/sms.py`)."""

    def send(self, *, phone: str, text: str, idempotency_key: str) -> str:
        message_id = uuid.uuid4().hex
        logger.info("SMS to %s (%s characters) id=%s", masked(phone), len(text), message_id)
        return message_id


def get_backend() -> BaseBackend:
    backend: BaseBackend = import_string(settings.SMS_BACKEND)()
    return backend
