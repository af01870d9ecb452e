"""Test settings: Postgres always (never a silent SQLite fallback), fast hashing, real Redis."""

from __future__ import annotations

import os

# Tests never read a developer's .env: their settings are these defaults or the environment.
os.environ["PORTAL_SKIP_DOTENV"] = "1"
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/14")
os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-any-deployment-0123456789")
# Fixed test keys (never for a deployment): tests read what earlier runs stored.
os.environ.setdefault("FIELD_ENCRYPTION_KEYS", "dGVzdC1vbmx5LWZpZWxkLWtleS0wMDAwMDAwMDAwMDA=")
os.environ.setdefault("FIELD_INDEX_KEY", "dGVzdC1vbmx5LWluZGV4LWtleS0wMDAwMDAwMDAwMDA=")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("HTTPS", "false")

from centre.settings.base import *  # noqa: F403
from centre.settings.base import DATABASES

if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("DATABASE_URL: tests run on Postgres only (postgres://…).")

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
# Off by default so tests may sign in with client.login(); the lockout test turns it on.
AXES_ENABLED = False
AXES_FAILURE_LIMIT = 5
