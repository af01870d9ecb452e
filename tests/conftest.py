"""The shared cast, for every folder of tests (no conftest imports another).

The demo network (sites, schools, one account per role, made by the same code as `seed_demo`)
is seeded once into the test database, before the first test; tests that run in a transaction
see it and roll their own changes back. Tests that commit (`transaction=True`, the Celery worker,
the browser and live-server tests) end with a flush of every table: the network is seeded again
before the next test that uses the database (`pytest_runtest_teardown`), so it sees it too.

- `alice` (demo `counsellor`) leads `alice_case`; `bob` (demo `counsellor2`) leads `bob_case`;
  both at site K01. No case is shared between them.
- `sam` (demo `supervisor`, K01) sees every case of K01 and the stations below it.
- `liaison`, `operator`, `stats`, `auditor`, `outreach`, `crisis` see no case content.
- `alice_session`, `alice_referral`: a session (with a note) and a referral of `alice_case`.
- `campaign`: a screening campaign at SCH-0101 (the demo `liaison`'s school), PHQ-A and GAD-7.

`client.login(...)` and `client.force_login(user)` sign in past the second step too (the
user's authenticator is made when first needed): tests of other things need not know about
it. A test of signing in itself goes through the pages (`/login/`, then
`tests.support.accounts.pass_second_factor`, which types the code the device shows now).
"""

from __future__ import annotations

import datetime
import os

import pytest
from django.test.client import ClientMixin
from pytest_django.plugin import blocking_manager_key, validate_django_db

from centre.database_check import database_problem
from tests.support.accounts import DEMO_PASSWORD, authenticator
from tests.support.clock import years_ago

# Playwright's sync API runs an event loop in the test thread; Django refuses ORM calls from a
# thread with a running loop unless told this is deliberate (tests only).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

_password_only_login = ClientMixin._login


def _login_with_second_factor(self, user, backend=None):
    """`client.login` and `client.force_login` sign in past the second step too, as
    `django_otp.login` does after a code: the user's confirmed authenticator is the session's
    device. A test of the second step itself signs in through the pages (`/login/`)."""
    from django_otp import DEVICE_ID_SESSION_KEY

    _password_only_login(self, user, backend)
    session = self.session
    session[DEVICE_ID_SESSION_KEY] = authenticator(user).persistent_id
    session.save()


ClientMixin._login = _login_with_second_factor


def pytest_sessionstart(session: pytest.Session) -> None:
    with session.config.stash[blocking_manager_key].unblock():
        problem = database_problem()
    if problem:
        pytest.exit(problem, returncode=2)


def seed_demo_network() -> None:
    from centre import demo
    from outreach.topics import ensure_topics

    demo.seed(password=DEMO_PASSWORD, log=lambda message: None)
    ensure_topics()  # rows of a data migration, gone after a flush


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database, with the demo network committed once for the whole run."""
    with django_db_blocker.unblock():
        seed_demo_network()


def flushes_database(item: pytest.Item) -> bool:
    """Whether `item` commits, and so ends with a flush (pytest-django's own criterion)."""
    marker = item.get_closest_marker("django_db")
    if marker:
        transaction, reset_sequences, *_ = validate_django_db(marker)
        if transaction or reset_sequences:
            return True
    fixtures = getattr(item, "fixturenames", [])
    return "transactional_db" in fixtures or "live_server" in fixtures


def uses_database(item: pytest.Item) -> bool:
    fixtures = getattr(item, "fixturenames", [])
    return bool(item.get_closest_marker("django_db")) or "db" in fixtures or flushes_database(item)


# Whether a test has flushed the network away since it was last seeded.
NETWORK = {"flushed": False}


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None):
    result = yield
    NETWORK["flushed"] = NETWORK["flushed"] or flushes_database(item)
    if NETWORK["flushed"] and nextitem is not None and uses_database(nextitem):
        with item.config.stash[blocking_manager_key].unblock():
            seed_demo_network()
        NETWORK["flushed"] = False
    return result


@pytest.fixture
def demo_network(db):
    """The demo sites, schools and accounts, as `seed_demo` makes them (seeded once)."""
    from centre import demo

    return demo


@pytest.fixture
def account(demo_network):
    """Look up a demo account by username: `account("counsellor")`."""
    from centre.models import User

    return lambda username: User.objects.get(username=username)


@pytest.fixture
def k01(demo_network):
    from centre.models import Site

    return Site.objects.get(code="K01")


@pytest.fixture
def school(demo_network):
    from centre.models import School

    return School.objects.get(code="SCH-0101")


@pytest.fixture
def staff_at(demo_network):
    """A new member of staff with `role` at the site `code` (a child is registered by the
    staff of the site they are registered at)."""
    from django.contrib.auth.models import Group

    from centre.models import Site, User

    def make(username: str, role: str, code: str):
        user = User.objects.create_user(
            username=username, password=DEMO_PASSWORD, site=Site.objects.get(code=code)
        )
        user.groups.add(Group.objects.get(name=role))
        return user

    return make


@pytest.fixture
def alice(account):
    return account("counsellor")


@pytest.fixture
def bob(account):
    return account("counsellor2")


@pytest.fixture
def sam(account):
    return account("supervisor")


@pytest.fixture
def make_case(k01, school):
    """Register a child (12 by default), record a guardian's consent and open a case."""
    from tests.support.counselling import open_case

    counter = {"n": 0}

    def make(*, counsellor, age: int = 12, risk_level: str = "none", site=None, **case_fields):
        counter["n"] += 1
        return open_case(
            counsellor=counsellor,
            site=site or k01,
            school=school,
            full_name=f"学生{counter['n']:03d}",
            date_of_birth=years_ago(age, counter["n"]),
            risk_level=risk_level,
            **case_fields,
        )

    return make


@pytest.fixture
def alice_case(make_case, alice):
    return make_case(counsellor=alice)


@pytest.fixture
def bob_case(make_case, bob):
    return make_case(counsellor=bob)


@pytest.fixture
def alice_session(alice, alice_case):
    """An attended session of `alice_case`, held now, with a note."""
    from django.utils import timezone

    from tests.support.counselling import session

    return session(alice, alice_case, timezone.now(), note_plan="下次两周后")


@pytest.fixture
def alice_referral(alice, alice_case):
    """A referral of `alice_case` to the hospital's outpatients, just created."""
    from counselling import services

    return services.referral_create(
        actor=alice, case=alice_case, destination="outpatient", reason="评估用药"
    )


@pytest.fixture
def campaign(account):
    """A screening campaign at SCH-0101, the demo `liaison`'s school, with PHQ-A and GAD-7."""
    from centre.models import School
    from screening.models import Campaign

    return Campaign.objects.create(
        school=School.objects.get(code="SCH-0101"),
        name="2026 秋季筛查",
        instruments=["PHQ-A", "GAD-7"],
        opens_on=datetime.date(2026, 9, 1),
        closes_on=datetime.date(2026, 12, 31),
        liaison=account("liaison"),
    )


@pytest.fixture
def celery_worker(transactional_db):
    """A real Celery worker on the real Redis broker, in a thread of the test process
    (ENGINEERING.md §3.5: eager mode is not a test). Tests using it commit their data."""
    from celery.contrib.testing.worker import start_worker

    from centre.celery import app

    app.control.purge()
    with start_worker(
        app,
        pool="solo",
        concurrency=1,
        perform_ping_check=False,
        queues=["reminders", "default", "imports", "stats"],
    ) as worker:
        yield worker
