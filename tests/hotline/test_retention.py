"""Hotline records are kept at least 3 years (DOMAIN.md §3.1, §5.5): HOTLINE_RETENTION_YEARS is
3 by default, read from the environment, and a shorter period stops start-up with a plain
message naming the setting."""

from __future__ import annotations

import os

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from centre.settings import environment as env
from tests.support.process import run_python


def test_calls_and_alerts_are_kept_three_years_by_default():
    assert settings.HOTLINE_RETENTION_YEARS == 3


def test_a_longer_period_is_read_and_a_shorter_one_refused(monkeypatch):
    monkeypatch.setenv("HOTLINE_RETENTION_YEARS", "10")
    assert env.read_int("HOTLINE_RETENTION_YEARS", default=3, minimum=3) == 10
    monkeypatch.setenv("HOTLINE_RETENTION_YEARS", "2")
    with pytest.raises(ImproperlyConfigured, match=r"^HOTLINE_RETENTION_YEARS"):
        env.read_int("HOTLINE_RETENTION_YEARS", default=3, minimum=3)


@pytest.mark.parametrize("value", ["2", "0", "three"])
def test_start_up_stops_below_three_years(tmp_path, value):
    environment = dict(os.environ)
    environment.update(HOTLINE_RETENTION_YEARS=value, PORTAL_VAR_DIR=str(tmp_path))
    finished = run_python("manage.py", "check", env=environment)
    assert finished.returncode == 1
    assert finished.stderr.strip().startswith("Configuration error: HOTLINE_RETENTION_YEARS")
    assert "Traceback" not in finished.stderr


def test_start_up_accepts_three_years_or_more(tmp_path):
    environment = dict(os.environ)
    environment.update(HOTLINE_RETENTION_YEARS="5", PORTAL_VAR_DIR=str(tmp_path))
    finished = run_python("manage.py", "check", env=environment)
    assert finished.returncode == 0, finished.stderr
