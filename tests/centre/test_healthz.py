from __future__ import annotations

import json
import os

from django.db import connection

from tests.support.process import run_python

PROBE = """
import django, json
django.setup()
from django.test import Client
response = Client().get("/healthz")
print(json.dumps({"status_code": response.status_code, **response.json()}))
"""


def test_healthz_answers_200_when_the_database_and_the_broker_answer(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}
    assert "no-store" in response.headers["Cache-Control"]


def probe(tmp_path, **overrides: str) -> dict:
    """Ask /healthz from a separate process, so a broken server is really unreachable."""
    environment = dict(os.environ, PORTAL_VAR_DIR=str(tmp_path), ALLOWED_HOSTS="testserver")
    environment.update(DJANGO_SETTINGS_MODULE="centre.settings.test", **overrides)
    finished = run_python("-c", PROBE, env=environment)
    assert finished.returncode == 0, finished.stderr
    return json.loads(finished.stdout.strip().splitlines()[-1])


def database_url_of_the_test_database() -> str:
    database = connection.settings_dict
    return f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"


def test_healthz_answers_200_with_the_embedded_file_broker(tmp_path, db):
    answer = probe(tmp_path, REDIS_URL="", DATABASE_URL=database_url_of_the_test_database())
    assert answer == {"status_code": 200, "status": "ok", "database": "ok", "broker": "ok"}


def test_healthz_answers_503_naming_the_broker_when_redis_does_not_answer(tmp_path, db):
    answer = probe(
        tmp_path,
        REDIS_URL="redis://127.0.0.1:1/0",
        DATABASE_URL=database_url_of_the_test_database(),
    )
    assert answer == {
        "status_code": 503,
        "status": "unavailable",
        "database": "ok",
        "broker": "unavailable",
    }


def test_healthz_answers_503_naming_the_database_when_postgres_does_not_answer(tmp_path):
    answer = probe(tmp_path, DATABASE_URL="postgres://postgres@127.0.0.1:1/portal")
    assert answer == {
        "status_code": 503,
        "status": "unavailable",
        "database": "unavailable",
        "broker": "ok",
    }


def test_the_database_check_of_make_run_passes_on_the_embedded_sqlite(tmp_path):
    """`make run` without DATABASE_URL: the check must not stop on SQLite (regression)."""
    environment = {key: value for key, value in os.environ.items() if key not in {"DATABASE_URL"}}
    environment.update(
        PORTAL_SKIP_DOTENV="1",
        PORTAL_VAR_DIR=str(tmp_path),
        DJANGO_SETTINGS_MODULE="centre.settings.base",
    )
    finished = run_python("-m", "centre.database_check", "--create", env=environment)
    assert finished.returncode == 0, finished.stderr
