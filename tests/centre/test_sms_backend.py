"""The default SMS backend only logs, with a masked number and the length: it keeps no messages
(production code holds no test doubles; tests record through tests/support/sms.py)."""

from __future__ import annotations

import logging

from centre import sms


def test_the_logging_backend_keeps_nothing_and_logs_no_text(caplog):
    backend = sms.LoggingBackend()
    with caplog.at_level(logging.INFO, logger="centre.sms"):
        message_id = backend.send(
            phone="13812345678", text="王同学家长：明天见", idempotency_key=""
        )
    assert message_id
    assert vars(backend) == {}
    kept = {
        name
        for klass in sms.LoggingBackend.__mro__[:-1]
        for name, value in vars(klass).items()
        if not name.startswith("__") and isinstance(value, (list, dict, set))
    }
    assert kept == set()  # nothing the messages could be kept in
    (record,) = caplog.records
    assert "138****5678" in record.getMessage()
    assert "13812345678" not in record.getMessage()
    assert "王同学" not in record.getMessage()
