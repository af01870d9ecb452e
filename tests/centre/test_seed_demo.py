from __future__ import annotations

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command

from centre.models import School, Site, User
from centre.roles import Role

EXPECTED_ROLES = {
    "counsellor": Role.COUNSELLOR,
    "counsellor2": Role.COUNSELLOR,
    "supervisor": Role.SUPERVISOR,
    "liaison": Role.SCHOOL_LIAISON,
    "liaison2": Role.SCHOOL_LIAISON,
    "operator": Role.HOTLINE_OPERATOR,
    "crisis": Role.CRISIS_TEAM,
    "outreach": Role.OUTREACH_COORDINATOR,
    "stats": Role.STATISTICS_ADMINISTRATOR,
    "auditor": Role.AUDITOR,
    "admin": Role.SYSTEM_ADMINISTRATOR,
}


@pytest.fixture(autouse=True)
def without_demo_accounts(db):
    """The command meets a database without the demo accounts (tests/conftest.py seeds them for
    every other test; this test's transaction puts them back)."""
    from centre import demo

    User.objects.filter(username__in=[account.username for account in demo.ACCOUNTS]).delete()


@pytest.fixture
def debug_on(settings, monkeypatch):
    settings.DEBUG = True
    monkeypatch.setenv("DEMO_PASSWORD", "a-demo-password")


def test_it_creates_one_account_per_role_that_can_sign_in(db, debug_on):
    call_command("seed_demo")
    for username, role in EXPECTED_ROLES.items():
        user = User.objects.get(username=username)
        assert user.roles() == [role]
        assert authenticate(username=username, password="a-demo-password") == user


def test_it_is_idempotent(db, debug_on):
    call_command("seed_demo")
    counts = (User.objects.count(), Site.objects.count(), School.objects.count())
    call_command("seed_demo")
    assert (User.objects.count(), Site.objects.count(), School.objects.count()) == counts


def test_the_two_liaisons_follow_different_schools(db, debug_on):
    call_command("seed_demo")
    liaison, liaison2 = User.objects.get(username="liaison"), User.objects.get(username="liaison2")
    assert liaison.school is not None
    assert liaison2.school is not None
    assert liaison.school != liaison2.school
    # The crisis team's page of a flagged student gives the liaison's number to call.
    assert liaison.phone
    assert liaison2.phone


def test_without_a_demo_password_one_is_generated_and_shown_once(db, settings, monkeypatch, capsys):
    settings.DEBUG = True
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    call_command("seed_demo")
    first = capsys.readouterr().out
    password = first.split("(shown once): ")[1].split()[0]
    assert authenticate(username="counsellor", password=password) is not None

    call_command("seed_demo")
    assert "shown once" not in capsys.readouterr().out
    assert authenticate(username="counsellor", password=password) is not None


def test_it_refuses_to_run_when_debug_is_off_unless_forced(db, settings, monkeypatch):
    settings.DEBUG = False
    monkeypatch.setenv("DEMO_PASSWORD", "a-demo-password")
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo")
    assert not User.objects.filter(username="counsellor").exists()

    call_command("seed_demo", "--force")
    assert User.objects.filter(username="counsellor").exists()
