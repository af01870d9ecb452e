"""An SMS gateway that hangs, for the test that kills a worker in the middle of a send."""

from __future__ import annotations

import time

from centre.sms import BaseBackend


class HangingBackend(BaseBackend):
    def send(self, *, phone: str, text: str, idempotency_key: str) -> str:
        time.sleep(600)
        return "never"
