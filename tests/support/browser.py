"""What browser tests share besides fixtures: committed data, screenshots."""

from __future__ import annotations

from pathlib import Path

import pytest

# Committed data, for the live server reads through its own connection.
BROWSER_DB = pytest.mark.django_db(transaction=True)
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in_with_code(page, username: str, password: str) -> None:
    """Both sign-in steps through the pages, from the sign-in page (or any page that sent the
    browser there): the password, then the code the account's authenticator shows now,
    computed from its key as a phone would (tests/support/accounts.py)."""
    from centre.models import User
    from tests.support.accounts import authenticator, authenticator_code, forget_wrong_codes

    user = User.objects.get(username=username)
    device = authenticator(user)
    forget_wrong_codes(user)
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("form.form-stack button[type=submit]")
    page.wait_for_url("**/signin/second-factor/**")
    page.fill("#id_code", authenticator_code(device))
    page.click("form.form-stack button[type=submit]")
    page.wait_for_url(lambda url: "/signin/" not in url)
