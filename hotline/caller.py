"""A caller's number as a blind index, for repeat-caller look-ups without a plain-text search.

`caller_hash` is `centre.encryption.blind_index` of the normalised number: HMAC-SHA256 under
FIELD_INDEX_KEY, the blind indexes' own key, so the 10^11 possible numbers cannot be hashed
and compared without it (a plain hash could), and `rotate_field_key` recomputes it with the
other blind indexes when that key changes (`Call.caller_phone_hash` names `normalise`).
"""

from __future__ import annotations

import re

from centre.encryption import normalised_index

_NOT_DIGITS = re.compile(r"[^0-9+]", re.ASCII)
NORMALISE = "hotline.caller.normalise"  # the dotted path the blind index field keeps


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
    """The blind index (hex, 64 characters) of the normalised number; "" for no number."""
    return normalised_index(number, NORMALISE)
