"""Issue 17, an attacker's pass over signing in, the second step and sessions. Each test is one
attack and what must hold; the ones the earlier tests already make are named where they are
(tests/centre/test_two_factor.py, test_sign_in_sessions.py).

- A code replayed: test_two_factor `test_a_code_is_accepted_once` (another sign-in, later);
  here, two browsers sending the same code at once.
- A used recovery code: test_two_factor `test_a_recovery_code_signs_in_once…`; here, typed
  again with other case and spaces.
- A session past the password only: test_two_factor walks every page (GET) and the API;
  here, every pattern with POST and HEAD too, HTTP Basic and the admin's own sign-in page.
- Sessions ending at once (password, role, deactivation, the admin's action): the earlier tests
  go on with the same browser; here, the old cookie is replayed from another one."""

from __future__ import annotations

import datetime
import re

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client
from django_otp.plugins.otp_static.models import StaticToken

from centre import throttling, two_factor
from centre.models import AuditEntry, SignInSession
from tests.hostile import route_paths
from tests.support.accounts import (
    DEMO_PASSWORD,
    authenticator,
    authenticator_code,
    no_delay,
    pass_second_factor,
    password_only,
    sign_in,
    signed_in_browser,
)
from tests.support.concurrency import at_the_same_time

pytestmark = pytest.mark.usefixtures("no_earlier_failures")

SECOND_STEP = "/signin/second-factor/"
NEW_PASSWORD = "lantern-harbour-91"
ATTACKER = "10.0.0.66"


def cookie(client: Client) -> str:
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def replayed(key: str) -> Client:
    """Another browser presenting the session cookie `key` (stolen, or kept from before)."""
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = key
    return client


def sent_to_sign_in(client: Client) -> bool:
    response = client.get("/inbox/")
    return response.status_code == 302 and response.headers["Location"].startswith("/login/")


def rate(settings, **rates: str) -> None:
    throttle_rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**throttle_rates, **rates},
    }


# Codes -------------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_one_code_sent_by_two_browsers_at_once_passes_once(demo_network):
    from centre.models import User

    counsellor = User.objects.get(username="counsellor")
    code = authenticator_code(authenticator(counsellor))
    browsers = [Client(), Client()]
    for client in browsers:
        password_only(client, "counsellor")
    pending = iter(browsers)
    answers = at_the_same_time(lambda: next(pending).post(SECOND_STEP, {"code": code}).status_code)
    assert sorted(answers) == [302, 400]


def test_a_used_recovery_code_is_refused_however_it_is_typed(client, counsellor):
    codes = two_factor.recovery_codes_create(user=counsellor)
    password_only(client, "counsellor")
    assert client.post(SECOND_STEP, {"code": codes[0]}).status_code == 302
    for typed in (codes[0], codes[0].upper(), f" {codes[0][:4]} {codes[0][4:]} "):
        no_delay(counsellor)
        other = Client()
        password_only(other, "counsellor")
        assert other.post(SECOND_STEP, {"code": typed}).status_code == 400, typed
    assert two_factor.recovery_codes_left(counsellor) == 9


def test_a_code_of_another_account_is_refused(client, counsellor, account):
    colleague = account("counsellor2")
    theirs = two_factor.recovery_codes_create(user=colleague)
    password_only(client, "counsellor")
    assert client.post(SECOND_STEP, {"code": theirs[0]}).status_code == 400
    code = authenticator_code(authenticator(colleague))
    no_delay(counsellor)
    assert client.post(SECOND_STEP, {"code": code}).status_code == 400


# A session that passed only the password ---------------------------------------------------------


def test_a_password_only_session_gets_only_the_second_step_by_any_method(client, counsellor):
    password_only(client, "counsellor")
    checked = 0
    for path, name, is_api in route_paths():
        if name in {"second-factor", "second-factor-setup", "logout", "set_language"}:
            continue
        if name == "session-keepalive":
            continue  # it answers only whether the session lives (tested below)
        for method in (client.post, client.head, client.put, client.delete):
            response = method(path)
            if is_api:
                assert response.status_code == 403, (method, path)
                assert b"sign_in_step_required" in response.content or method == client.head
            else:
                assert response.status_code == 302, (method, path)
                assert response.headers["Location"].startswith(f"{SECOND_STEP}?next="), path
            checked += 1
    assert checked > 400
    assert not AuditEntry.objects.filter(action__endswith=".viewed").exists()
    assert not AuditEntry.objects.filter(action__endswith=".exported").exists()


def test_the_keepalive_keeps_a_password_only_session_but_opens_nothing(client, counsellor):
    password_only(client, "counsellor")
    response = client.post("/session/keepalive/")
    assert response.status_code in (200, 204)
    assert b"counsellor" not in response.content
    assert client.get("/counselling/").headers["Location"].startswith(SECOND_STEP)


def test_the_api_takes_no_password_but_the_sessions(client, counsellor):
    """No HTTP Basic, no token: a password alone never reaches the API from outside a session."""
    import base64

    from rest_framework.settings import api_settings

    assert [cls.__name__ for cls in api_settings.DEFAULT_AUTHENTICATION_CLASSES] == [
        "SessionAuthentication"
    ]
    basic = base64.b64encode(f"counsellor:{DEMO_PASSWORD}".encode()).decode()
    for path in ("/api/v1/me/", "/api/v1/schema/", "/api/v1/counselling/cases/"):
        response = client.get(path, HTTP_AUTHORIZATION=f"Basic {basic}")
        assert response.status_code in (401, 403, 404), path
        response = client.get(path, HTTP_AUTHORIZATION="Token 0123456789abcdef")
        assert response.status_code in (401, 403, 404), path
    assert "rest_framework.authtoken" not in settings.INSTALLED_APPS


def test_every_api_view_authenticates_by_session_only():
    from django.urls import resolve

    checked = 0
    for path, _name, is_api in route_paths():
        if not is_api:
            continue
        view = resolve(path).func
        cls = getattr(view, "cls", None) or getattr(view, "view_class", None)
        classes = getattr(cls, "authentication_classes", None)
        if classes is None:
            continue  # a plain page (the docs), behind the sign-in steps like any page
        assert [item.__name__ for item in classes] == ["SessionAuthentication"], path
        checked += 1
    assert checked > 10


def test_the_admins_own_sign_in_page_is_no_way_around_the_second_step(client, account):
    authenticator(account("admin"))
    anonymous = client.post("/admin/login/", {"username": "admin", "password": DEMO_PASSWORD})
    assert anonymous.status_code == 302
    assert client.get("/admin/").headers["Location"].startswith(SECOND_STEP)
    assert client.get("/admin/centre/user/").headers["Location"].startswith(SECOND_STEP)


def test_the_admins_sign_in_page_does_not_renew_a_sessions_lifetime(account, settings):
    """A verified administrator posting the password to the admin's sign-in page again signed
    in again under Django: the session's start (and its absolute end) must not move."""
    settings.SESSION_ABSOLUTE_SECONDS = 3600
    start = datetime.datetime.now(tz=datetime.UTC)
    with time_machine.travel(start, tick=False) as clock:
        admin = signed_in_browser("admin")
        for _step in range(5):  # active every 10 minutes: never idle
            clock.shift(datetime.timedelta(minutes=10))
            assert admin.post("/session/keepalive/").status_code == 200
        signed = admin.post("/admin/login/", {"username": "admin", "password": DEMO_PASSWORD})
        assert signed.status_code == 302
        clock.shift(datetime.timedelta(minutes=11))  # 61 minutes after the first sign-in
        assert sent_to_sign_in(admin)


# Where a sign-in step goes next ------------------------------------------------------------------

OFF_SITE = [
    "//evil.example/",
    "https://evil.example/",
    "http://evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\\/evil.example",
    "javascript:alert(1)",
    "JavaScript:alert(1)",
    " javascript:alert(1)",
    "/\tjavascript:alert(1)",
    "/%09/evil.example",
    "///evil.example",
    "https:evil.example",
    "data:text/html,hi",
    "/\x00evil",
]


def on_site(location: str) -> bool:
    """Whether a browser goes to a path of ours (browsers drop tabs and newlines, and read a
    backslash as a slash)."""
    seen = "".join(location.split()).replace("\\", "/")
    return seen.startswith("/") and not seen.startswith("//") and "\x00" not in seen


@pytest.mark.parametrize("wanted", OFF_SITE)
def test_next_never_leaves_the_site(client, counsellor, wanted):
    signed = client.post(
        "/login/", {"username": "counsellor", "password": DEMO_PASSWORD, "next": wanted}
    )
    assert on_site(signed.headers["Location"]), signed.headers["Location"]
    step = client.get(SECOND_STEP, {"next": wanted})
    assert step.status_code == 200
    assert on_site(step.context["next"]), step.context["next"]
    done = pass_second_factor(client, counsellor, next_page=wanted)
    assert done.status_code == 302
    assert on_site(done.headers["Location"]), done.headers["Location"]
    again = client.get(SECOND_STEP, {"next": wanted})  # verified: sent on at once
    assert on_site(again.headers["Location"]), again.headers["Location"]
    changed = client.post(
        f"/account/password/?next={wanted}",
        {
            "old_password": DEMO_PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert on_site(changed.headers["Location"]), changed.headers["Location"]


def test_next_inside_the_site_is_kept(client, counsellor):
    password_only(client, "counsellor")
    done = pass_second_factor(client, counsellor, next_page="/counselling/?page=2")
    assert done.headers["Location"] == "/counselling/?page=2"


# Fixation ----------------------------------------------------------------------------------------


def test_the_session_key_changes_at_sign_in_and_at_the_second_step(client, counsellor):
    planted = SessionStore()
    planted["planted"] = True
    planted.create()  # a key an attacker set in the victim's browser before the sign-in
    client.cookies[settings.SESSION_COOKIE_NAME] = planted.session_key
    password_only(client, "counsellor")
    after_password = cookie(client)
    assert after_password != planted.session_key
    assert not SessionStore().exists(planted.session_key)
    assert sent_to_sign_in(replayed(planted.session_key))

    assert pass_second_factor(client, counsellor).status_code == 302
    assert cookie(client) != after_password
    assert not SessionStore().exists(after_password)
    # The key seen before the step (e.g. in a shared computer's cookie jar) opens nothing.
    assert sent_to_sign_in(replayed(after_password))
    assert SignInSession.objects.filter(user=counsellor).get().session_key == cookie(client)
    assert client.get("/inbox/").status_code == 200


# Ending sessions ---------------------------------------------------------------------------------


def change_own_password(victim_browser: Client, admin_browser: Client, user) -> None:
    victim_browser.post(
        "/account/password/",
        {
            "old_password": DEMO_PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )


def revoke_role(victim_browser: Client, admin_browser: Client, user) -> None:
    user.groups.remove(Group.objects.get(name="counsellor"))


def deactivate(victim_browser: Client, admin_browser: Client, user) -> None:
    user.is_active = False
    user.save()


def administrator_ends(victim_browser: Client, admin_browser: Client, user) -> None:
    response = admin_browser.post(
        "/admin/centre/user/", {"action": "end_sessions", "_selected_action": [user.pk]}
    )
    assert response.status_code == 302


def administrator_resets_password(victim_browser: Client, admin_browser: Client, user) -> None:
    response = admin_browser.post(
        f"/admin/centre/user/{user.pk}/password/",
        {"password1": "chosen-by-admin-42", "password2": "chosen-by-admin-42"},
    )
    assert response.status_code == 302


def administrator_resets_second_step(victim_browser: Client, admin_browser: Client, user) -> None:
    admin_browser.post(
        "/admin/centre/user/", {"action": "reset_second_factor", "_selected_action": [user.pk]}
    )


@pytest.mark.parametrize(
    "end",
    [
        change_own_password,
        revoke_role,
        deactivate,
        administrator_ends,
        administrator_resets_password,
        administrator_resets_second_step,
    ],
)
def test_an_old_session_cookie_replayed_gets_the_sign_in_page(counsellor, end):
    phone = signed_in_browser("counsellor")
    laptop = signed_in_browser("counsellor")
    stolen = cookie(phone)
    laptop_before = cookie(laptop)
    admin = signed_in_browser("admin")
    end(laptop, admin, counsellor)
    assert sent_to_sign_in(replayed(stolen))
    assert sent_to_sign_in(phone)
    if end is change_own_password:  # the browser that changed it stays, under a new key only
        assert cookie(laptop) != laptop_before
        assert sent_to_sign_in(replayed(laptop_before))
        assert laptop.get("/inbox/").status_code == 200
    assert signed_in_browser("counsellor2").get("/inbox/").status_code == 200  # others stay


def test_the_absolute_lifetime_survives_activity_key_changes_and_a_new_password(
    counsellor, settings
):
    settings.SESSION_ABSOLUTE_SECONDS = 3600
    start = datetime.datetime.now(tz=datetime.UTC)
    with time_machine.travel(start, tick=False) as clock:
        client = signed_in_browser("counsellor")
        clock.shift(datetime.timedelta(minutes=10))
        client.post(
            "/account/password/",
            {
                "old_password": DEMO_PASSWORD,
                "new_password1": NEW_PASSWORD,
                "new_password2": NEW_PASSWORD,
            },
        )
        for _step in range(4):
            clock.shift(datetime.timedelta(minutes=10))
            assert client.post("/session/keepalive/").status_code == 200
        # A forged start in the cookie is impossible (the session is on the server); signing
        # in again from the same browser is refused while signed in.
        again = client.post("/login/", {"username": "counsellor", "password": NEW_PASSWORD})
        assert again.status_code == 302
        clock.shift(datetime.timedelta(minutes=11, seconds=30))  # 61.5 minutes after signing in
        assert sent_to_sign_in(client)


@pytest.mark.parametrize("chosen", ["abc", "-1", "0", "1.5", "9" * 30, "²", ""])
def test_ending_a_session_by_a_guessed_id_answers_no_500_and_ends_nothing(counsellor, chosen):
    laptop = signed_in_browser("counsellor")
    colleague = signed_in_browser("counsellor2")
    response = laptop.post("/account/sessions/", {"session": chosen})
    assert response.status_code in (400, 404)
    assert colleague.get("/inbox/").status_code == 200


def test_ending_a_session_by_its_key_or_another_users_id_ends_nothing(counsellor, account):
    laptop = signed_in_browser("counsellor")
    colleague = signed_in_browser("counsellor2")
    theirs = SignInSession.objects.get(user=account("counsellor2"))
    assert laptop.post("/account/sessions/", {"session": theirs.session_key}).status_code == 400
    for guess in (theirs.pk, theirs.pk + 1000):
        assert laptop.post("/account/sessions/", {"session": guess}).status_code == 404
    assert laptop.post("/account/sessions/", {"session": theirs.pk, "everywhere": "on"})
    assert colleague.get("/inbox/").status_code == 200


def test_the_admins_reset_is_audited_and_shows_no_secret(client, counsellor):
    device = authenticator(counsellor)
    codes = two_factor.recovery_codes_create(user=counsellor)
    sign_in(client, "admin")
    shown = client.get(f"/admin/centre/user/{counsellor.pk}/change/").text
    shown += client.get(f"/admin/centre/user/{counsellor.pk}/history/").text
    response = client.post(
        "/admin/centre/user/",
        {"action": "reset_second_factor", "_selected_action": [counsellor.pk]},
        follow=True,
    )
    shown += response.text
    secret = device.key
    assert secret not in shown
    assert not any(code in shown for code in codes)
    entry = AuditEntry.objects.get(action="centre.user.two_factor_reset")
    assert entry.actor.username == "admin"
    assert entry.target_id == str(counsellor.pk)
    audited = "".join(str(each.data) + each.reason for each in AuditEntry.objects.all())
    assert secret not in audited
    assert not any(code in audited for code in codes)
    assert not StaticToken.objects.filter(device__user=counsellor).exists()


# Rates and lockouts ------------------------------------------------------------------------------


def test_wrong_codes_are_limited_per_address_across_accounts(settings, account):
    rate(settings, second_factor_address="3/hour")
    for username in ("counsellor", "counsellor2", "supervisor"):
        authenticator(account(username))
        guesser = Client(REMOTE_ADDR=ATTACKER)
        password_only(guesser, username)
        assert guesser.post(SECOND_STEP, {"code": "000000"}).status_code == 400
    operator = account("operator")
    late = Client(REMOTE_ADDR=ATTACKER)
    password_only(late, "operator")
    right = late.post(SECOND_STEP, {"code": authenticator_code(authenticator(operator))})
    assert right.status_code == 429  # even the right code, from the address that guessed
    # Another address is not held to it.
    elsewhere = Client(REMOTE_ADDR="10.0.0.7")
    password_only(elsewhere, "operator")
    right = elsewhere.post(SECOND_STEP, {"code": authenticator_code(authenticator(operator))})
    assert right.status_code == 302
    assert AuditEntry.objects.filter(
        action="centre.session.locked_out", ip_address=ATTACKER, data__step="second_factor"
    ).exists()


def test_a_second_step_lockout_ends_with_its_hour(settings, counsellor):
    rate(settings, second_factor_user="2/hour")
    start = datetime.datetime.now(tz=datetime.UTC).replace(minute=0, second=5)
    with time_machine.travel(start, tick=False) as clock:
        client = Client()
        password_only(client, "counsellor")
        for _try in range(2):
            no_delay(counsellor)
            client.post(SECOND_STEP, {"code": "000000"})
        no_delay(counsellor)
        code = authenticator_code(authenticator(counsellor))
        assert client.post(SECOND_STEP, {"code": code}).status_code == 429
        clock.shift(datetime.timedelta(hours=1))
        code = authenticator_code(authenticator(counsellor))
        assert client.post(SECOND_STEP, {"code": code}).status_code == 302


def test_tries_forget_starts_the_count_again(rf, settings):
    rate(settings, second_factor_user="1/hour")
    request = rf.get("/")
    throttling.failure_record(request, "second_factor_user", key="user:7")
    assert not throttling.failures_below_rate(request, "second_factor_user", key="user:7")
    throttling.tries_forget("second_factor_user", "user:7")
    assert throttling.failures_below_rate(request, "second_factor_user", key="user:7")


def test_password_guesses_lock_only_that_address_and_only_for_a_while(settings, counsellor):
    """django-axes locks a username from one address (`AXES_LOCKOUT_PARAMETERS`): an attacker
    guessing a victim's password locks themselves out, not the victim at their own desk; and a
    lockout ends after `AXES_COOLOFF_TIME`, so it is no way to keep anyone out for good."""
    settings.AXES_ENABLED = True
    start = datetime.datetime.now(tz=datetime.UTC)
    with time_machine.travel(start, tick=False) as clock:
        attacker = Client(REMOTE_ADDR=ATTACKER)
        for _try in range(settings.AXES_FAILURE_LIMIT):
            attacker.post("/login/", {"username": "counsellor", "password": "guess-guess"})
        locked = attacker.post("/login/", {"username": "counsellor", "password": DEMO_PASSWORD})
        assert locked.status_code == 429
        victim = Client(REMOTE_ADDR="10.0.0.7")
        assert password_only(victim, "counsellor").headers["Location"].startswith("/")
        clock.shift(datetime.timedelta(minutes=16))
        again = Client(REMOTE_ADDR=ATTACKER)
        assert password_only(again, "counsellor").status_code == 302


def test_sign_in_errors_never_say_whether_an_account_exists(settings, client, account):
    settings.AXES_ENABLED = True
    inactive = account("counsellor2")
    inactive.is_active = False
    inactive.save()
    answers = []
    for username, password in (
        ("counsellor", "not-the-password"),  # exists, wrong password
        ("nobody-here", "not-the-password"),  # does not exist
        ("nobody-here", DEMO_PASSWORD),
        ("counsellor2", DEMO_PASSWORD),  # exists, inactive, right password
    ):
        response = Client().post("/login/", {"username": username, "password": password})
        answers.append(
            (
                response.status_code,
                [str(error) for error in response.context["form"].non_field_errors()],
            )
        )
    assert len(set(map(str, answers))) == 1, answers
    # A lockout reads the same for a name that exists and one that does not.
    locks = []
    for username in ("counsellor", "nobody-at-all"):
        guesser = Client(REMOTE_ADDR=ATTACKER)
        for _try in range(settings.AXES_FAILURE_LIMIT + 1):
            response = guesser.post("/login/", {"username": username, "password": "guess-1"})
        page = re.sub(r'name="csrfmiddlewaretoken" value="\w+"', "", response.text)
        locks.append((response.status_code, page.replace(username, "NAME")))
    assert locks[0] == locks[1]
    assert locks[0][0] == 429
