"""A caller's number as a keyed hash, for repeat-caller look-ups without a plain-text search.

The key is `settings.HOTLINE_CALLER_KEY` when set, else one derived from SECRET_KEY, so the
hashes cannot be recomputed from a list of numbers without the key.
"""

from __future__ import annotations

import hashlib
import hmac
import re

from django.conf import settings

_NOT_DIGITS = re.compile(r"[^0-9+]", re.ASCII)


def _key() -> bytes:
    key = getattr(settings, "HOTLINE_CALLER_KEY", "")
    if key:
        return key.encode() if isinstance(key, str) else bytes(key)
    return hashlib.sha256(b"hotline-caller:" + settings.SECRET_KEY.encode()).digest()


def normalise(number: str) -> str:
    """The number's ASCII digits (a leading + kept; spaces, dashes and brackets dropped;
    +86 / 0086 country prefixes dropped so the same mobile hashes the same)."""
    digits = _NOT_DIGITS.sub("", number.strip())
    plus = digits.startswith("+")
    digits = digits.replace("+", "")
    if plus and digits.startswith("86"):
        digits = digits[2:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    return digits


def caller_hash(number: str) -> str:
    """HMAC-SHA256 (hex, 64 characters) of the normalised number; "" for no number."""
    digits = normalise(number)
    if not digits:
        return ""
    return hmac.new(_key(), digits.encode("ascii"), hashlib.sha256).hexdigest()
