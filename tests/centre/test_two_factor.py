"""Issue 17: two-factor sign-in for every account. A password alone reaches only the second
step's pages — every other page is sent there, the API answers 403, the admin too; an account
with no device enrols first (a QR code, a first code, recovery codes shown once); wrong codes
are audited without the code and rate-limited; an administrator resets a device, never sees it.

These tests sign in through the pages (`/login/`), the way a person does: `client.login` and
`force_login` pass the second step by themselves (tests/conftest.py)."""

from __future__ import annotations

import base64
import re

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from centre import two_factor
from centre.models import AuditEntry
from tests.hostile import route_paths
from tests.support.accounts import (
    DEMO_PASSWORD,
    authenticator,
    authenticator_code,
    password_only,
    sign_in,
)

pytestmark = pytest.mark.usefixtures("no_earlier_failures")

# The pages a session that passed only the password may open (centre/middleware.py).
OPEN = {"second-factor", "second-factor-setup", "logout", "set_language", "session-keepalive"}


def test_a_password_alone_reaches_no_page_but_the_second_step(client, account):
    authenticator(account("counsellor"))  # enrolled: the step asks for a code
    password_only(client, "counsellor")
    checked = 0
    for path, name, is_api in route_paths():
        if name in OPEN or is_api:
            continue
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/signin/second-factor/?next="), path
        checked += 1
    assert checked > 100  # every page of every app, the admin's too
    # ...while the sign-in steps' own pages answer.
    assert client.get("/signin/second-factor/").status_code == 200


def test_the_api_refuses_a_session_that_passed_only_the_password(client, account):
    authenticator(account("counsellor"))
    password_only(client, "counsellor")
    api = [(path, name) for path, name, is_api in route_paths() if is_api]
    assert len(api) > 10
    for path, _name in api:
        for method in (client.get, client.post):
            response = method(path)
            assert response.status_code == 403, path
            assert response.json()["code"] == "sign_in_step_required", path


def test_the_admin_refuses_a_session_that_passed_only_the_password(client, account):
    authenticator(account("admin"))
    password_only(client, "admin")
    assert client.get("/admin/").headers["Location"].startswith("/signin/second-factor/")
    # Even past the middleware, the admin site itself admits a verified session only.
    from django.contrib import admin
    from django.test import RequestFactory

    request = RequestFactory().get("/admin/")
    request.user = account("admin")
    request.user.is_verified = lambda: False
    assert not admin.site.has_permission(request)
    request.user.is_verified = lambda: True
    assert admin.site.has_permission(request)


def test_the_right_code_opens_the_page_asked_for_and_is_audited(client, account):
    counsellor = account("counsellor")
    device = authenticator(counsellor)
    password_only(client, "counsellor")
    asked = client.get("/counselling/")
    step = asked.headers["Location"]
    assert step == "/signin/second-factor/?next=/counselling/"
    before = client.cookies["sessionid"].value
    response = client.post(step, {"code": authenticator_code(device), "next": "/counselling/"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/counselling/"
    assert client.get("/counselling/").status_code == 200
    assert client.cookies["sessionid"].value != before  # a new key after the step
    entry = AuditEntry.objects.filter(actor=counsellor, action="centre.session.second_factor")
    assert list(entry.values_list("result", "data")) == [("success", {"device": "authenticator"})]


def test_a_wrong_code_is_refused_and_audited_without_the_code(client, account):
    counsellor = account("counsellor")
    authenticator(counsellor)
    password_only(client, "counsellor")
    response = client.post("/signin/second-factor/", {"code": "000000"})
    assert response.status_code == 400
    assert "此验证码不正确" in response.text
    assert client.get("/counselling/").status_code == 302  # still not past the step
    entry = AuditEntry.objects.get(action="centre.session.second_factor", result="failed")
    assert entry.actor == counsellor
    assert "000000" not in str(entry.data) + entry.reason


def test_a_code_is_accepted_once(client, account):
    counsellor = account("counsellor")
    device = authenticator(counsellor)
    code = authenticator_code(device)
    password_only(client, "counsellor")
    assert client.post("/signin/second-factor/", {"code": code}).status_code == 302
    client.post("/logout/")
    password_only(client, "counsellor")
    assert client.post("/signin/second-factor/", {"code": code}).status_code == 400


def test_a_recovery_code_signs_in_once_and_says_how_many_are_left(client, account):
    counsellor = account("counsellor")
    authenticator(counsellor)
    codes = two_factor.recovery_codes_create(user=counsellor)
    password_only(client, "counsellor")
    response = client.post("/signin/second-factor/", {"code": codes[0].upper()}, follow=True)
    assert response.status_code == 200
    assert "9" in str(next(iter(response.context["messages"])))
    client.post("/logout/")
    password_only(client, "counsellor")
    assert client.post("/signin/second-factor/", {"code": codes[0]}).status_code == 400
    assert two_factor.recovery_codes_left(counsellor) == 9


def test_wrong_codes_are_limited_per_account_and_the_lockout_audited(client, account, settings):
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**rates, "second_factor_user": "3/hour"},
    }
    counsellor = account("counsellor")
    device = authenticator(counsellor)
    password_only(client, "counsellor")
    for _attempt in range(3):
        device.refresh_from_db()
        device.throttling_failure_count = 0  # django-otp's own delay aside: ours is tested
        device.save()
        assert client.post("/signin/second-factor/", {"code": "000000"}).status_code == 400
    right = client.post("/signin/second-factor/", {"code": authenticator_code(device)})
    assert right.status_code == 429  # even the right code, once the rate is spent
    assert AuditEntry.objects.filter(
        actor=counsellor, action="centre.session.locked_out", data__step="second_factor"
    ).exists()


def test_an_account_with_no_device_enrols_first_with_a_qr_code(client, staff_at):
    newcomer = staff_at("newcomer", "counsellor", "K01")
    password_only(client, "newcomer")
    first = client.get("/")
    assert first.headers["Location"] == "/signin/second-factor/setup/?next=/"
    page = client.get(first.headers["Location"])
    assert page.status_code == 200
    assert "<svg" in page.text  # the QR code, drawn here
    device = TOTPDevice.objects.get(user=newcomer, confirmed=False)
    secret = base64.b32encode(device.bin_key).decode()
    assert re.sub(r"\s", "", page.context["secret"]) == secret
    assert client.get("/signin/second-factor/setup/").context["secret"] == page.context["secret"]

    code = str(TOTP(device.bin_key).token()).zfill(6)
    done = client.post("/signin/second-factor/setup/", {"code": code, "next": "/"})
    assert done.status_code == 200
    codes = done.context["codes"]
    assert len(codes) == 10
    assert all(recovery in done.text for recovery in codes)
    device.refresh_from_db()
    assert device.confirmed
    assert StaticDevice.objects.get(user=newcomer).token_set.count() == 10
    assert client.get("/counselling/").status_code == 200
    assert AuditEntry.objects.filter(
        actor=newcomer, action="centre.user.two_factor_enrolled"
    ).exists()


def test_an_enrolled_account_cannot_enrol_another_device_with_its_password(client, account):
    counsellor = account("counsellor")
    authenticator(counsellor)
    password_only(client, "counsellor")
    assert (
        client.get("/signin/second-factor/setup/")
        .headers["Location"]
        .startswith("/signin/second-factor/")
    )
    client.post("/signin/second-factor/setup/", {"code": "123456"})
    assert TOTPDevice.objects.filter(user=counsellor).count() == 1


def test_a_wrong_first_code_does_not_enrol(client, staff_at):
    newcomer = staff_at("newcomer", "counsellor", "K01")
    password_only(client, "newcomer")
    client.get("/signin/second-factor/setup/")
    assert client.post("/signin/second-factor/setup/", {"code": "x"}).status_code == 400
    assert not two_factor.has_device(newcomer)
    assert AuditEntry.objects.filter(
        actor=newcomer, action="centre.session.second_factor", result="failed"
    ).exists()


def test_an_administrator_resets_a_device_without_seeing_it(client, account):
    counsellor = account("counsellor")
    device = authenticator(counsellor)
    other = client.__class__()
    sign_in(other, "counsellor")  # signed in elsewhere: the reset ends it
    sign_in(client, "admin")
    listing = client.get("/admin/")
    assert "totpdevice" not in listing.text
    assert "staticdevice" not in listing.text
    assert client.get("/admin/otp_totp/totpdevice/").status_code == 404
    change = client.get(f"/admin/centre/user/{counsellor.pk}/change/")
    assert device.key not in change.text
    response = client.post(
        "/admin/centre/user/",
        {"action": "reset_second_factor", "_selected_action": [counsellor.pk]},
    )
    assert response.status_code == 302
    assert not two_factor.has_device(counsellor)
    assert other.get("/counselling/").status_code == 302  # its session ended
    assert AuditEntry.objects.filter(
        action="centre.user.two_factor_reset", target_id=str(counsellor.pk)
    ).exists()
    # Their next sign-in enrols again.
    client.post("/logout/")
    password_only(client, "counsellor")
    assert client.get("/").headers["Location"].startswith("/signin/second-factor/setup/")


def test_nobody_resets_their_own_second_step(client, account):
    admin = account("admin")
    authenticator(admin)
    sign_in(client, "admin")
    client.post(
        "/admin/centre/user/", {"action": "reset_second_factor", "_selected_action": [admin.pk]}
    )
    assert two_factor.has_device(admin)


def test_the_second_step_pages_are_in_chinese(client, account):
    authenticator(account("counsellor"))
    password_only(client, "counsellor")
    page = client.get("/signin/second-factor/")
    assert "登录第二步" in page.text
    assert 'autocomplete="one-time-code"' in page.text
    assert 'id="main-navigation"' not in page.text  # no navigation before the step


def test_seed_demo_prints_recovery_codes_once_and_they_pass_the_second_step(
    client, account, settings, monkeypatch, capsys
):
    from django.core.management import call_command

    settings.DEBUG = True
    monkeypatch.setenv("DEMO_PASSWORD", DEMO_PASSWORD)
    TOTPDevice.objects.all().delete()
    StaticDevice.objects.all().delete()
    call_command("seed_demo")
    printed = capsys.readouterr().out
    line = next(line for line in printed.splitlines() if line.split()[:1] == ["counsellor"])
    codes = line.split()[1:]
    assert len(codes) == 10
    call_command("seed_demo")
    assert codes[0] not in capsys.readouterr().out  # shown once

    password_only(client, "counsellor")
    assert client.get("/").headers["Location"].startswith("/signin/second-factor/?")
    assert client.post("/signin/second-factor/", {"code": codes[0]}).status_code == 302
    assert client.get("/counselling/").status_code == 200


def test_seed_demo_never_runs_with_debug_off(settings):
    from django.core.management import CommandError, call_command

    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo")
