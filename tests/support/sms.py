"""An SMS backend for tests: keeps every message of this process, like Django's locmem e-mail.
Tests select it through the settings (`recorded_sms` fixture); production code never sees it."""

from __future__ import annotations

import pytest

from centre.sms import LoggingBackend


class RecordingBackend(LoggingBackend):
    """Logs like the default backend, and keeps what it sent in `sent` (the worker runs in a
    thread of the test process, so the test reads the same list)."""

    sent: list[dict] = []

    def send(self, *, phone: str, text: str, idempotency_key: str) -> str:
        message_id = super().send(phone=phone, text=text, idempotency_key=idempotency_key)
        self.sent.append({"phone": phone, "text": text, "key": idempotency_key, "id": message_id})
        return message_id


@pytest.fixture
def recorded_sms(settings) -> list[dict]:
    """The messages sent during the test, through `RecordingBackend`."""
    settings.SMS_BACKEND = "tests.support.sms.RecordingBackend"
    RecordingBackend.sent.clear()
    yield RecordingBackend.sent
    RecordingBackend.sent.clear()
