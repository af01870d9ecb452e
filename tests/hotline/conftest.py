"""The hotline's cast: operators at two sites, a supervisor of the city tree and of K01, the
crisis team; calls made through the services."""

from __future__ import annotations

import pytest


@pytest.fixture
def operator(account):
    return account("operator")  # at CITY


@pytest.fixture
def olga(staff_at):
    """A second operator, at K01."""
    return staff_at("olga", "hotline_operator", "K01")


@pytest.fixture
def otto(staff_at):
    """An operator at K02 (another county)."""
    return staff_at("otto", "hotline_operator", "K02")


@pytest.fixture
def crisis(account):
    return account("crisis")


@pytest.fixture
def make_call():
    """A saved call taken by `operator` (keyword fields go to `call_save`)."""
    from hotline.services import call_save, call_start

    def make(operator, *, contact_type="child_about_self", **fields):
        call = call_start(actor=operator)
        return call_save(
            actor=operator,
            call=call,
            expected_version=call.version,
            contact_type=contact_type,
            **fields,
        )

    return make
