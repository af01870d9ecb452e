"""Issue 17: a user makes their own recovery codes (`/account/recovery-codes/`). Only after
typing their password or a code of their app again — never a recovery code, never from a
session that passed the password alone; the new set is shown once, the old stops working at
once, the account's other sessions end (this one stays, under a new key), the renewal is
audited without a code; the sessions page counts the codes left and warns when few are."""

from __future__ import annotations

import pytest
from django.test import Client
from django_otp.plugins.otp_static.models import StaticToken

from centre import two_factor
from centre.errors import ServiceError
from centre.models import AuditEntry
from tests.support.accounts import (
    DEMO_PASSWORD,
    authenticator,
    authenticator_code,
    no_delay,
    password_only,
    sign_in,
)

pytestmark = pytest.mark.usefixtures("no_earlier_failures")

PAGE = "/account/recovery-codes/"


def renew(client: Client, proof: str):
    return client.post(PAGE, {"password_or_code": proof})


def codes_work(user, codes: list[str]) -> list[bool]:
    """Whether each of `codes` passes the second step, on a fresh browser each."""
    works = []
    for code in codes:
        no_delay(user)
        client = Client()
        password_only(client, user.username)
        works.append(client.post("/signin/second-factor/", {"code": code}).status_code == 302)
    return works


def test_the_password_again_makes_a_new_set_and_the_old_one_stops_working(client, counsellor):
    old = two_factor.recovery_codes_create(user=counsellor)
    sign_in(client, "counsellor")
    form = client.get(PAGE)
    assert form.status_code == 200
    assert 'autocomplete="current-password"' in form.text
    assert two_factor.recovery_codes_left(counsellor) == 10  # looking changes nothing

    response = renew(client, DEMO_PASSWORD)
    assert response.status_code == 200
    new = response.context["codes"]
    assert len(new) == 10
    assert all(code in response.text for code in new)
    assert not set(new) & set(old)
    assert "打印" in response.text  # the print button, in Chinese
    assert response.headers["Cache-Control"].startswith("max-age=0")  # never_cache
    assert codes_work(counsellor, [old[0], new[0]]) == [False, True]
    assert two_factor.recovery_codes_left(counsellor) == 9


def test_a_code_of_the_app_does_too_once(client, counsellor):
    sign_in(client, "counsellor")
    code = authenticator_code(authenticator(counsellor))
    assert renew(client, code).status_code == 200
    assert renew(client, code).status_code == 400  # the same code again: used
    no_delay(counsellor)
    password_only(other := Client(), "counsellor")
    assert other.post("/signin/second-factor/", {"code": code}).status_code == 400


def test_the_renewal_is_audited_without_a_code(client, counsellor):
    sign_in(client, "counsellor")
    codes = renew(client, DEMO_PASSWORD).context["codes"]
    entry = AuditEntry.objects.get(action="centre.user.recovery_codes_renewed")
    assert (entry.actor, entry.target_id, entry.result) == (
        counsellor,
        str(counsellor.pk),
        "success",
    )
    assert entry.data == {"proof": "password", "codes": 10}
    assert not any(code in str(entry.data) + entry.reason for code in codes)
    page = client.get("/audit/")
    assert page.status_code in (302, 404)  # a counsellor reads no audit log, let alone codes


@pytest.mark.parametrize(
    "proof",
    ["wrong-password", "000000", "", " ", "\x00" + DEMO_PASSWORD, "x" * 129, "٣٣٣٣٣٣"],
)
def test_a_wrong_or_hostile_proof_makes_nothing_and_is_audited(client, counsellor, proof):
    old = two_factor.recovery_codes_create(user=counsellor)
    sign_in(client, "counsellor")
    response = renew(client, proof)
    assert response.status_code == 400
    assert "codes" not in response.context
    assert sorted(
        StaticToken.objects.filter(device__user=counsellor).values_list("token", flat=True)
    ) == sorted(old)
    assert not AuditEntry.objects.filter(action="centre.user.recovery_codes_renewed").exists()


def test_a_wrong_proof_is_counted_as_a_wrong_code_and_audited(client, counsellor, settings):
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**rates, "second_factor_user": "2/hour"},
    }
    sign_in(client, "counsellor")
    assert renew(client, "wrong-password").status_code == 400
    failed = AuditEntry.objects.get(action="centre.session.second_factor", result="failed")
    assert failed.data == {"step": "recovery_codes"}
    assert "wrong-password" not in str(failed.data) + failed.reason
    assert renew(client, "another-guess").status_code == 400
    # The rate spent: even the right password is refused, and the sign-in step too.
    assert renew(client, DEMO_PASSWORD).status_code == 429
    password_only(other := Client(), "counsellor")
    code = authenticator_code(authenticator(counsellor))
    assert other.post("/signin/second-factor/", {"code": code}).status_code == 429


def test_a_recovery_code_makes_no_new_ones_and_is_not_used_up(client, counsellor):
    codes = two_factor.recovery_codes_create(user=counsellor)
    sign_in(client, "counsellor")
    assert renew(client, codes[0]).status_code == 400
    assert two_factor.recovery_codes_left(counsellor) == 10


def test_only_a_signed_in_session_past_both_steps_reaches_the_page(client, counsellor):
    assert client.get(PAGE).headers["Location"].startswith("/login/")
    assert renew(client, DEMO_PASSWORD).headers["Location"].startswith("/login/")
    password_only(client, "counsellor")
    for response in (client.get(PAGE), renew(client, DEMO_PASSWORD)):
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/signin/second-factor/")
    assert not StaticToken.objects.filter(device__user=counsellor).exists()


def test_the_service_refuses_a_wrong_proof_and_changes_nothing(rf, counsellor):
    old = two_factor.recovery_codes_create(user=counsellor)
    request = rf.post(PAGE)
    with pytest.raises(ServiceError):
        two_factor.recovery_codes_renew(request=request, user=counsellor, proof=old[0])
    codes = two_factor.recovery_codes_renew(request=request, user=counsellor, proof=DEMO_PASSWORD)
    assert two_factor.recovery_codes_left(counsellor) == len(codes) == 10


def test_a_renewal_leaves_other_accounts_codes_alone(client, counsellor, account):
    colleague = account("counsellor2")
    theirs = two_factor.recovery_codes_create(user=colleague)
    sign_in(client, "counsellor")
    renew(client, DEMO_PASSWORD)
    assert two_factor.recovery_codes_left(colleague) == 10
    assert codes_work(colleague, theirs[:1]) == [True]


@pytest.mark.parametrize(("used", "warned"), [(0, False), (6, False), (7, True), (10, True)])
def test_the_sessions_page_counts_the_codes_left_and_warns_when_few(
    client, counsellor, used, warned
):
    codes = two_factor.recovery_codes_create(user=counsellor)
    StaticToken.objects.filter(token__in=codes[:used]).delete()
    sign_in(client, "counsellor")
    page = client.get("/account/sessions/")
    assert f"您还有 {10 - used} 个未使用的恢复码" in page.text
    assert ('id="recovery-codes-few"' in page.text) is warned
    assert f'href="{PAGE}"' in page.text


def test_signing_in_with_one_of_the_last_codes_says_to_make_new_ones(client, counsellor):
    codes = two_factor.recovery_codes_create(user=counsellor)
    StaticToken.objects.filter(token__in=codes[:7]).delete()
    password_only(client, "counsellor")
    response = client.post("/signin/second-factor/", {"code": codes[9]}, follow=True)
    said = [str(message) for message in response.context["messages"]]
    assert "请在“您的会话”页面生成新的恢复码。" in said


def test_the_enrolment_done_page_links_to_new_codes(client, staff_at):
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    staff_at("newcomer", "counsellor", "K01")
    password_only(client, "newcomer")
    client.get("/signin/second-factor/setup/")
    device = TOTPDevice.objects.get(user__username="newcomer", confirmed=False)
    done = client.post(
        "/signin/second-factor/setup/", {"code": str(TOTP(device.bin_key).token()).zfill(6)}
    )
    assert done.status_code == 200
    assert f'href="{PAGE}"' in done.text


def test_a_session_that_must_change_its_password_makes_no_codes(client, counsellor):
    sign_in(client, "counsellor")
    counsellor.must_change_password = True
    counsellor.save(update_fields=["must_change_password"])
    for response in (client.get(PAGE), renew(client, DEMO_PASSWORD)):
        assert response.headers["Location"].startswith("/account/password/")
    assert not StaticToken.objects.filter(device__user=counsellor).exists()


def test_a_renewal_from_another_site_is_refused_by_the_csrf_check(counsellor):
    forged = Client(enforce_csrf_checks=True)
    sign_in(forged, "counsellor")
    assert renew(forged, DEMO_PASSWORD).status_code == 403
    assert not StaticToken.objects.filter(device__user=counsellor).exists()


@pytest.mark.django_db(transaction=True)
def test_two_renewals_at_once_leave_one_set(demo_network, rf):
    from centre.models import User
    from tests.support.concurrency import at_the_same_time

    counsellor = User.objects.get(username="counsellor")
    made = at_the_same_time(
        lambda: two_factor.recovery_codes_renew(
            request=rf.post(PAGE), user=counsellor, proof=DEMO_PASSWORD
        )
    )
    working = set(
        StaticToken.objects.filter(device__user=counsellor).values_list("token", flat=True)
    )
    # One of the two sets, whole, the other not at all (which one is the later commit's; the
    # threads may finish in the other order: ending the other sessions comes after it).
    assert working in [set(codes) for codes in made]
    assert len(working) == 10
    assert set(made[0]) != set(made[1])


def test_a_renewal_ends_the_other_sessions_and_keeps_this_one_under_a_new_key(counsellor):
    """Someone who fears a code leaked makes new ones: whoever used it may already be signed in
    elsewhere, so those sessions end at once, as after a password change."""
    from centre.models import SignInSession
    from tests.support.accounts import signed_in_browser

    laptop = signed_in_browser("counsellor", "Firefox/120.0")
    phone = signed_in_browser("counsellor", "Chrome/120.0 Mobile")
    colleague = signed_in_browser("counsellor2", "Firefox/120.0")
    old_key = laptop.session.session_key
    copied = Client()  # a copy of the laptop's cookie, taken before the renewal
    copied.cookies["sessionid"] = old_key

    assert renew(laptop, DEMO_PASSWORD).status_code == 200
    assert laptop.get("/inbox/").status_code == 200
    assert laptop.session.session_key != old_key
    assert phone.get("/inbox/").status_code == 302
    assert copied.get("/inbox/").status_code == 302
    assert colleague.get("/inbox/").status_code == 200
    assert list(
        SignInSession.objects.filter(user=counsellor).values_list("session_key", flat=True)
    ) == [laptop.session.session_key]
    ended = AuditEntry.objects.get(action="centre.session.ended", target_id=str(counsellor.pk))
    assert (ended.actor, ended.data) == (
        counsellor,
        {"sessions": 1, "reason": "recovery_codes_renewed"},
    )


def test_a_wrong_proof_ends_no_session(counsellor):
    from tests.support.accounts import signed_in_browser

    laptop = signed_in_browser("counsellor", "Firefox/120.0")
    phone = signed_in_browser("counsellor", "Chrome/120.0 Mobile")
    assert renew(laptop, "not it").status_code == 400
    assert phone.get("/inbox/").status_code == 200
    assert not AuditEntry.objects.filter(action="centre.session.ended").exists()
