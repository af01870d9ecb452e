"""The second sign-in step (DOMAIN.md §5.6 "MFA for all staff roles"; README "Security").

Every account signs in with its password, then a code: from an authenticator app (TOTP,
django-otp's `TOTPDevice`) or one of its one-time recovery codes (a `StaticDevice`). An account
with neither is enrolled before any other page: a QR code of a new secret, confirmed by a first
code, then ten recovery codes shown once. The secret and the codes are shown only to their
owner, at enrolment; an administrator can only reset them (the owner enrols again), audited.

After `second_factor_user` wrong codes an hour for an account, or `second_factor_address` from
an address (centre/throttling.py), every code is refused until the hour has passed — on top of
django-otp's doubling delay per device. Every failure is audited, never with the code typed."""

from __future__ import annotations

import base64

import django_otp
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from centre.audit import audit_log
from centre.errors import ServiceError
from centre.models import AuditEntry, User
from centre.qr import qr_svg
from centre.throttling import failure_record, failures_below_rate
from centre.user_sessions import EndReason, session_key_cycle, sessions_end

AUTHENTICATOR = "authenticator"  # the name of an account's TOTP device
RECOVERY = "recovery"  # the name of its recovery codes' device
CODE_MAX_LENGTH = 16  # a recovery code is 8 characters, an app's code 6


class CodeRefusedError(ServiceError):
    code = "code_refused"


class TooManyCodesError(ServiceError):
    status = 429
    code = "too_many_codes"


def session_verified(request: HttpRequest) -> bool:
    """Whether the signed-in session passed the second step (django-otp's middleware)."""
    is_verified = getattr(request.user, "is_verified", None)
    return bool(is_verified()) if callable(is_verified) else False


def has_device(user: User) -> bool:
    """Whether `user` can pass the second step (an app or recovery codes), else enrols first."""
    return bool(django_otp.user_has_device(user, confirmed=True))


def recovery_codes_left(user: User) -> int:
    return int(StaticToken.objects.filter(device__user=user, device__confirmed=True).count())


def enrolment_device(*, user: User) -> TOTPDevice:
    """The authenticator `user` is enrolling: a new secret, kept unconfirmed (the same QR code
    again if the page is reloaded) until its first code confirms it."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=AUTHENTICATOR, confirmed=False)
    return device


def enrolment_picture(device: TOTPDevice) -> dict[str, str]:
    """What the enrolment page shows its owner: the QR code, and the secret to type instead."""
    secret = base64.b32encode(device.bin_key).decode()
    return {
        "qr": qr_svg(device.config_url),
        "secret": " ".join(secret[start : start + 4] for start in range(0, len(secret), 4)),
    }


def enrolment_confirm(*, request: HttpRequest, user: User, code: str) -> list[str]:
    """Confirm the authenticator being enrolled with its first code: the session passes the
    second step, and the account gets new recovery codes, returned to be shown once."""
    _refuse_when_too_many(request, user)
    device = enrolment_device(user=user)
    if not device.verify_token(_normalised(code)):  # a failure is counted on the device
        _audit_failure(request, user, step="enrolment")
        raise CodeRefusedError(_("That code is not right. Type the code your app shows now."))
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = recovery_codes_create(user=user)
    audit_log(actor=user, action="centre.user.two_factor_enrolled", target=user, request=request)
    _pass(request, device)
    return codes


def recovery_codes_create(*, user: User) -> list[str]:
    """New recovery codes for `user` (the old ones stop working), returned to be shown once."""
    with transaction.atomic():
        # One renewal at a time per account: two at once would leave two sets working.
        User.objects.select_for_update().filter(pk=user.pk).exists()
        StaticDevice.objects.filter(user=user).delete()
        device = StaticDevice.objects.create(user=user, name=RECOVERY, confirmed=True)
        codes = [StaticToken.random_token() for _number in range(settings.OTP_RECOVERY_CODES)]
        StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def recovery_codes_renew(*, request: HttpRequest, user: User, proof: str) -> list[str]:
    """The signed-in `user`'s own new recovery codes, once they proved it is them again with
    their password or a code of their app (not a recovery code: a code found on paper must not
    make more). The old codes stop working at once, and so do the user's other sessions: new
    codes are what someone asks for who fears one leaked, and whoever used it may be signed in
    elsewhere already (as after a password change, this browser stays, under a new key).
    Audited, never with a code. Wrong proofs count as wrong codes (`_refuse_when_too_many`)."""
    _refuse_when_too_many(request, user)
    proved_by = _proof(user, proof)
    if proved_by is None:
        _audit_failure(request, user, step="recovery_codes")
        raise CodeRefusedError(_("That is not your password, nor the code your app shows now."))
    codes = recovery_codes_create(user=user)
    audit_log(
        actor=user,
        action="centre.user.recovery_codes_renewed",
        target=user,
        request=request,
        data={"proof": proved_by, "codes": len(codes)},
    )
    _end_other_sessions(request, user)
    return codes


def _end_other_sessions(request: HttpRequest, user: User) -> None:
    """Every session of `user` but the requesting browser's, which goes on under a new key (a
    copy of its old cookie is worth nothing). A request without a session (a script) keeps none."""
    session = getattr(request, "session", None)
    if session is not None and session.session_key:
        session_key_cycle(request)
    keep_key = session.session_key if session is not None else None
    sessions_end(
        user=user,
        actor=user,
        reason=EndReason.RECOVERY_CODES_RENEWED,
        keep_key=keep_key,
        request=request,
    )


def recovery_codes_few(left: int) -> bool:
    """Whether `left` unused recovery codes are few enough to warn their owner."""
    return left <= settings.OTP_RECOVERY_CODES_FEW


def _proof(user: User, proof: str) -> str | None:
    """What `proof` is of `user`: their password, a code their app shows now, or neither."""
    if proof and user.check_password(proof):
        return "password"
    token = _normalised(proof)
    if not token.isdigit():  # never a password: all-digit ones are refused (validators)
        return None
    with transaction.atomic():  # the device locked: a code is accepted once (`last_t`)
        devices = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True)
        if any(device.verify_token(token) for device in devices):
            return AUTHENTICATOR
    return None


def second_factor_verify(*, request: HttpRequest, user: User, code: str) -> Device:
    """Check a code from the app, else a recovery code (used up); the session passes the
    second step. Refused codes and refusals for too many tries are audited."""
    _refuse_when_too_many(request, user)
    token = _normalised(code)
    with transaction.atomic():
        device = next(
            (
                device
                for device in django_otp.devices_for_user(user, for_verify=True)
                if device.verify_token(token)
            ),
            None,
        )
    if device is None:
        _audit_failure(request, user, step="second_factor")
        raise CodeRefusedError(_("That code is not right, or it was used already. Try again."))
    _pass(request, device)
    audit_log(
        actor=user,
        action="centre.session.second_factor",
        request=request,
        data={"device": RECOVERY if isinstance(device, StaticDevice) else AUTHENTICATOR},
    )
    return device


def second_factor_reset(*, user: User, actor: User, request: HttpRequest | None = None) -> None:
    """An administrator's reset of `user`'s authenticator and recovery codes (a lost phone):
    their sessions end, and their next sign-in enrols again. Nobody sees a secret."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        audit_log(actor=actor, action="centre.user.two_factor_reset", target=user, request=request)
    sessions_end(user=user, actor=actor, reason=EndReason.SECOND_FACTOR_RESET, request=request)


def _pass(request: HttpRequest, device: Device) -> None:
    django_otp.login(request, device)
    session_key_cycle(request)


def _normalised(code: str) -> str:
    """What was typed, as devices compare it: no spaces, lower case, bounded."""
    return "".join(code.split()).lower()[:CODE_MAX_LENGTH]


def _refuse_when_too_many(request: HttpRequest, user: User) -> None:
    """Refuse any code, right or wrong, once the account or the address has had its rate of
    wrong ones (a right code after many wrong ones is no proof)."""
    per_account = failures_below_rate(request, "second_factor_user", key=f"user:{user.pk}")
    per_address = failures_below_rate(request, "second_factor_address")
    if per_account and per_address:
        return
    audit_log(
        actor=user,
        action="centre.session.locked_out",
        result=AuditEntry.Result.FAILED,
        request=request,
        data={"step": "second_factor"},
    )
    raise TooManyCodesError(
        _("Too many codes were tried. Wait an hour, or ask your administrator.")
    )


def _audit_failure(request: HttpRequest, user: User, *, step: str) -> None:
    """A wrong code: counted for the rate, audited (never with the code)."""
    failure_record(request, "second_factor_user", key=f"user:{user.pk}")
    failure_record(request, "second_factor_address")
    audit_log(
        actor=user,
        action="centre.session.second_factor",
        result=AuditEntry.Result.FAILED,
        request=request,
        data={"step": step},
    )
