"""Typed readers for settings that come from the environment.

Each reader fails loudly with the variable's name, so a typo in a deployment stops start-up with a
message an operator can act on instead of a traceback from deep inside Django or Celery.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import urlparse

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


def read(name: str, default: str = "") -> str:
    """The variable's value, or the content of the file named by `<name>_FILE` (for secrets)."""
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        try:
            return Path(file_name).read_text(encoding="utf-8").strip()
        except OSError as error:
            raise ImproperlyConfigured(
                f"{name}_FILE: cannot read {file_name!r} ({error})."
            ) from None
    return os.environ.get(name, default).strip()


def read_bool(name: str, *, default: bool) -> bool:
    value = read(name, "true" if default else "false").lower()
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(
        f"{name}: expected one of true/false/1/0/yes/no/on/off, got {value!r}."
    )


def read_int(name: str, *, default: int, minimum: int = 0) -> int:
    value = read(name, str(default))
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}: expected a whole number, got {value!r}.") from None
    if number < minimum:
        raise ImproperlyConfigured(f"{name}: expected at least {minimum}, got {number}.")
    return number


def read_list(name: str, *, default: str) -> list[str]:
    return [item.strip() for item in read(name, default).split(",") if item.strip()]


def read_database(name: str, *, default_sqlite_path: Path) -> dj_database_url.DBConfig:
    """A Django DATABASES entry from a URL; SQLite under var/ when the variable is unset."""
    url = read(name)
    if not url:
        default_sqlite_path.parent.mkdir(parents=True, exist_ok=True)
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(default_sqlite_path),
            "OPTIONS": {"timeout": 20},
        }
    scheme = urlparse(url).scheme
    if scheme not in {"postgres", "postgresql", "sqlite"}:
        raise ImproperlyConfigured(
            f"{name}: unsupported scheme {scheme!r}; use postgres://user@host:5432/name "
            "(or sqlite:///path for a local trial)."
        )
    try:
        config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    except ValueError as error:
        raise ImproperlyConfigured(f"{name}: cannot parse {url!r} ({error}).") from None
    if config["ENGINE"] != "django.db.backends.sqlite3" and not config.get("NAME"):
        raise ImproperlyConfigured(f"{name}: the URL names no database, e.g. .../portal.")
    return config


def read_redis_url(name: str) -> str:
    url = read(name)
    if url and urlparse(url).scheme not in {"redis", "rediss"}:
        raise ImproperlyConfigured(
            f"{name}: expected redis://host:6379/0 or rediss://…, got {url!r}."
        )
    return url


def read_secret_key(name: str, *, debug: bool, generated_path: Path) -> str:
    """The secret key; in debug only, a generated one kept in var/ so sessions survive restarts."""
    key = read(name)
    if key:
        if len(key) < 32:
            raise ImproperlyConfigured(f"{name}: too short; use at least 50 random characters.")
        return key
    if not debug:
        raise ImproperlyConfigured(
            f"{name} is not set. It is required when DEBUG is off; generate one with "
            "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`."
        )
    if generated_path.exists():
        return generated_path.read_text(encoding="utf-8").strip()
    generated_path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    generated_path.write_text(key, encoding="utf-8")
    generated_path.chmod(0o600)
    return key
