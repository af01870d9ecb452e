"""`world`: one record of every kind a persona could open (tests/hostile.py)."""

from __future__ import annotations

import pytest

from tests.hostile import build_world


@pytest.fixture
def world(account):
    return build_world(account)
