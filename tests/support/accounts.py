"""Signing the Django test client in as a demo account (tests/conftest.py seeds them), and the
second sign-in step with real codes: an authenticator (a confirmed TOTP device) per account and
the code it shows now, computed from its key as the user's phone would."""

from __future__ import annotations

import re
import time

DEMO_PASSWORD = "demo-password-for-tests"


def sign_in(client, username: str, *, language: str | None = None):
    """Sign `client` in as the demo account `username`; `language` sets the language cookie.
    Like every `client.login`/`force_login` in the tests, the session passed the second step
    too (tests/conftest.py)."""
    assert client.login(username=username, password=DEMO_PASSWORD)
    if language:
        client.cookies["portal_language"] = language
    return client


def switch_to(client, username: str):
    """Sign the current account out (an audited sign-out) and `username` in."""
    client.logout()
    return sign_in(client, username)


def authenticator(user):
    """`user`'s confirmed authenticator (a TOTP device), made the first time it is asked for."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)


def authenticator_code(device) -> str:
    """The code `device`'s app shows now — one it has not accepted yet: a code is accepted once
    (django-otp remembers its time step), so a second sign-in within the same 30 seconds takes
    the next step's code, which the device accepts (one step of tolerance), or waits for it."""
    from django_otp.oath import hotp

    device.refresh_from_db()
    while True:
        now = (int(time.time()) - device.t0) // device.step + device.drift
        step = max(now, device.last_t + 1)
        if step <= now + device.tolerance:
            return str(hotp(device.bin_key, step, digits=device.digits)).zfill(device.digits)
        time.sleep(1)


def forget_wrong_codes(user) -> None:
    """Wrong codes counted by earlier tests (the cache outlives a test and a run) are not held
    against this sign-in: the account's and the local addresses' counts start again."""
    from centre.throttling import tries_forget

    keys = [("second_factor_user", f"user:{user.pk}")]
    keys += [("second_factor_address", address) for address in ("127.0.0.1", "::1", "")]
    for scope, ident in keys:
        tries_forget(scope, ident)


def pass_second_factor(client, user, next_page: str | None = None):
    """The second step of a password-only sign-in (`client.post("/login/", ...)`), with the
    code of `user`'s authenticator (a username will do): the answer of the step's page. The
    step's form is read first, for its CSRF token (a client that enforces CSRF checks)."""
    if isinstance(user, str):
        from centre.models import User

        user = User.objects.get(username=user)
    device = authenticator(user)
    forget_wrong_codes(user)
    form = client.get("/signin/second-factor/")
    token = (
        re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
        if form.status_code == 200
        else None
    )
    data = {"code": authenticator_code(device)}
    if next_page:
        data["next"] = next_page
    if token:
        data["csrfmiddlewaretoken"] = token[1]
    return client.post("/signin/second-factor/", data, HTTP_ORIGIN="http://testserver")


def password_only(client, username: str):
    """Sign in with the password alone, through the sign-in page: a session before its second
    step."""
    response = client.post("/login/", {"username": username, "password": DEMO_PASSWORD})
    assert response.status_code == 302
    return response


def signed_in_browser(username: str, user_agent: str = ""):
    """A browser signed in as `username` through the pages, both steps, as a person does."""
    from django.test import Client

    client = Client(HTTP_USER_AGENT=user_agent)
    password_only(client, username)
    assert pass_second_factor(client, username).status_code == 302
    return client


def no_delay(user) -> None:
    """django-otp's delay after a wrong code (a second per device, doubling) set aside: tests
    try codes faster than a person would; the portal's own rate is tested apart."""
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    for model in (StaticDevice, TOTPDevice):
        model.objects.filter(user=user).update(throttling_failure_count=0)
