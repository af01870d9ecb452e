"""Typed readers for settings that come from the environment.

Each reader fails loudly with the variable's name, so a typo in a deployment stops start-up with a
message an operator can act on instead of a traceback from deep inside Django or Celery.
"""

from __future__ import annotations

import base64
import os
import re
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


FIELD_KEY_BYTES = 32  # AES-256


def new_field_key() -> str:
    """A fresh key for FIELD_ENCRYPTION_KEYS or FIELD_INDEX_KEY: 32 random bytes, URL-safe
    base64 (44 characters)."""
    return base64.urlsafe_b64encode(secrets.token_bytes(FIELD_KEY_BYTES)).decode("ascii")


def decode_field_key(name: str, text: str) -> bytes:
    """The 32 bytes of one key as written in the environment; names the variable, never the key."""
    try:
        key = base64.urlsafe_b64decode(text.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        key = b""
    if len(key) != FIELD_KEY_BYTES:
        raise ImproperlyConfigured(
            f"{name}: each key is 32 random bytes in URL-safe base64 (44 characters); generate "
            "one with `python manage.py rotate_field_key --generate-key`."
        )
    return key


def read_field_keys(
    name: str, *, debug: bool, generated_path: Path, secret_key: str, single: bool = False
) -> list[str]:
    """The keys of field-level encryption (`centre.encryption`), the current one first; kept
    apart from SECRET_KEY, which they may not repeat. In debug only, a key generated once into
    var/ when none is set, so a trial run's data stays readable across restarts."""
    keys = [key for key in re.split(r"[\s,]+", read(name)) if key]
    if not keys:
        if not debug:
            raise ImproperlyConfigured(
                f'{name} is not set. It is required when DEBUG is off (README "Security"); '
                "generate a key with `python manage.py rotate_field_key --generate-key`."
            )
        keys = [_generated_field_key(generated_path)]
    if single and len(keys) > 1:
        raise ImproperlyConfigured(f"{name}: one key only.")
    secret = secret_key.encode("utf-8")
    decoded = [decode_field_key(name, key) for key in keys]
    if any(key == secret_key or raw == secret for key, raw in zip(keys, decoded, strict=True)):
        raise ImproperlyConfigured(f"{name}: a key may not be SECRET_KEY; give it its own.")
    if len(set(decoded)) != len(decoded):
        raise ImproperlyConfigured(f"{name}: the same key is listed twice.")
    return keys


def _generated_field_key(path: Path) -> str:
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = new_field_key()
    path.write_text(key, encoding="utf-8")
    path.chmod(0o600)
    return key


def read_field_index_key(
    name: str, *, debug: bool, generated_path: Path, secret_key: str, encryption_keys: list[str]
) -> str:
    """The key of the blind indexes (`centre.encryption.blind_index`): one key, neither
    SECRET_KEY nor an encryption key, so knowing one never gives the other."""
    [key] = read_field_keys(
        name, debug=debug, generated_path=generated_path, secret_key=secret_key, single=True
    )
    if key in encryption_keys:
        raise ImproperlyConfigured(f"{name}: may not be one of FIELD_ENCRYPTION_KEYS.")
    return key
