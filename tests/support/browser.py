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
