from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from centre.settings import environment as env
from tests.support.process import run_python


@pytest.mark.parametrize(
    ("name", "value", "reader"),
    [
        ("DEBUG", "maybe", lambda: env.read_bool("DEBUG", default=False)),
        ("SESSION_IDLE_SECONDS", "ten", lambda: env.read_int("SESSION_IDLE_SECONDS", default=1)),
        ("REDIS_URL", "http://127.0.0.1:6379", lambda: env.read_redis_url("REDIS_URL")),
        (
            "DATABASE_URL",
            "mysql://root@127.0.0.1/portal",
            lambda: env.read_database("DATABASE_URL", default_sqlite_path=Path("unused")),
        ),
        (
            "DATABASE_URL",
            "postgres://postgres@127.0.0.1:5432",
            lambda: env.read_database("DATABASE_URL", default_sqlite_path=Path("unused")),
        ),
        (
            "SECRET_KEY",
            "short",
            lambda: env.read_secret_key("SECRET_KEY", debug=False, generated_path=Path("unused")),
        ),
    ],
)
def test_a_malformed_value_is_refused_naming_the_variable(monkeypatch, name, value, reader):
    monkeypatch.setenv(name, value)
    with pytest.raises(ImproperlyConfigured, match=rf"^{name}"):
        reader()


def test_well_formed_values_are_read(monkeypatch, tmp_path):
    monkeypatch.setenv("DEBUG", "Yes")
    monkeypatch.setenv("ALLOWED_HOSTS", "portal.example.cn, 10.0.0.5 ,")
    monkeypatch.setenv("DATABASE_URL", "postgres://portal@db.internal:5433/portal")
    assert env.read_bool("DEBUG", default=False) is True
    assert env.read_list("ALLOWED_HOSTS", default="") == ["portal.example.cn", "10.0.0.5"]
    database = env.read_database("DATABASE_URL", default_sqlite_path=tmp_path / "unused.sqlite3")
    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert (database["HOST"], database["PORT"], database["NAME"]) == ("db.internal", 5433, "portal")


def test_without_a_database_url_the_portal_uses_sqlite_under_var(monkeypatch, tmp_path):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    database = env.read_database("DATABASE_URL", default_sqlite_path=tmp_path / "var" / "p.sqlite3")
    assert database["ENGINE"] == "django.db.backends.sqlite3"
    assert (tmp_path / "var").is_dir()


def test_a_secret_key_is_required_when_debug_is_off_and_generated_once_in_debug(
    monkeypatch, tmp_path
):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ImproperlyConfigured, match=r"^SECRET_KEY is not set"):
        env.read_secret_key("SECRET_KEY", debug=False, generated_path=tmp_path / "key")
    first = env.read_secret_key("SECRET_KEY", debug=True, generated_path=tmp_path / "key")
    again = env.read_secret_key("SECRET_KEY", debug=True, generated_path=tmp_path / "key")
    assert len(first) >= 50
    assert first == again


def test_a_secret_can_come_from_a_file(monkeypatch, tmp_path):
    secret_file = tmp_path / "secret"
    secret_file.write_text("x" * 60 + "\n", encoding="utf-8")
    monkeypatch.setenv("SECRET_KEY_FILE", str(secret_file))
    assert env.read_secret_key("SECRET_KEY", debug=False, generated_path=tmp_path / "k") == "x" * 60


def test_start_up_stops_with_a_plain_message_naming_the_variable(tmp_path):
    environment = {
        key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"
    }
    environment.update(DEBUG="perhaps", PORTAL_VAR_DIR=str(tmp_path))
    finished = run_python("manage.py", "check", env=environment)
    assert finished.returncode == 1
    assert finished.stderr.strip().startswith("Configuration error: DEBUG: expected one of")
    assert "Traceback" not in finished.stderr
