"""What `/healthz` asks: does the database answer, does the broker answer."""

from __future__ import annotations

import logging
import os

from django.db import connection

from centre.celery import app as celery_app

logger = logging.getLogger(__name__)


def database_answers() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return bool(cursor.fetchone() == (1,))
    except Exception:
        logger.warning("health: the database does not answer", exc_info=True)
        return False


def broker_answers() -> bool:
    try:
        with celery_app.connection_for_write() as broker:
            broker.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=2)
            channel = broker.default_channel
            if broker.transport.driver_type == "redis":
                return bool(channel.client.ping())  # type: ignore[attr-defined]  # kombu Redis
            if broker.transport.driver_type == "filesystem":
                # The embedded broker is a folder: it answers when the worker can write there.
                folder = broker.transport_options["data_folder_in"]  # type: ignore[index]
                return os.path.isdir(folder) and os.access(folder, os.W_OK)
        return True
    except Exception:
        logger.warning("health: the broker does not answer", exc_info=True)
        return False
