"""`world`: one record of every kind a persona could open (tests/hostile.py); the sign-in
tests' accounts and a count of wrong codes started afresh."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from tests.hostile import build_world


@pytest.fixture
def world(account):
    return build_world(account)


@pytest.fixture
def no_earlier_failures():
    """Wrong codes of earlier tests (same accounts, same address; the cache outlives a test)
    are not counted here, nor this test's after it."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def counsellor(account):
    """The demo counsellor, enrolled with an authenticator (tests/support/accounts.py)."""
    from tests.support.accounts import authenticator

    user = account("counsellor")
    authenticator(user)
    return user
