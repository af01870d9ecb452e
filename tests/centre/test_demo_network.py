"""The demo network is seeded once per run (tests/conftest.py) and is there for every test,
including those that commit and flush every table at their end, and those after them."""

from __future__ import annotations

import pytest

from centre import demo
from centre.models import School, Site, User


def assert_the_network_is_there() -> None:
    usernames = {account.username for account in demo.ACCOUNTS}
    assert set(User.objects.filter(username__in=usernames).values_list("username", flat=True)) == (
        usernames
    )
    assert Site.objects.filter(code__in=[code for code, *_ in demo.SITES]).count() == len(
        demo.SITES
    )
    assert School.objects.filter(code__in=[code for code, *_ in demo.SCHOOLS]).count() == len(
        demo.SCHOOLS
    )


def test_a_test_in_a_transaction_sees_the_network(db):
    assert_the_network_is_there()


@pytest.mark.parametrize("turn", ["first", "second"])
@pytest.mark.django_db(transaction=True)
def test_a_committing_test_sees_the_network_even_after_another_flushed_it(turn, account):
    assert_the_network_is_there()
    User.objects.filter(username="counsellor2").update(first_name=turn)  # committed, then flushed
    assert account("counsellor").check_password("demo-password-for-tests")
