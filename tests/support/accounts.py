"""Signing the Django test client in as a demo account (tests/conftest.py seeds them)."""

from __future__ import annotations

DEMO_PASSWORD = "demo-password-for-tests"


def sign_in(client, username: str, *, language: str | None = None):
    """Sign `client` in as the demo account `username`; `language` sets the language cookie."""
    assert client.login(username=username, password=DEMO_PASSWORD)
    if language:
        client.cookies["portal_language"] = language
    return client


def switch_to(client, username: str):
    """Sign the current account out (an audited sign-out) and `username` in."""
    client.logout()
    return sign_in(client, username)
