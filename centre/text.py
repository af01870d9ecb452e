"""Free text that must say something: a reason for break-glass access, a risk change, the crisis
exception. Zero-width spaces, spaces and punctuation are not words, and a reason of them alone
says nothing to the auditor who reads it."""

from __future__ import annotations

import unicodedata

from django.utils.translation import gettext as _


def without_invisible(text: str) -> str:
    """`text` trimmed and without format characters (zero-width spaces and joiners, direction
    marks: Unicode category Cf), as a reader of the audit log sees it."""
    return "".join(
        character for character in text if unicodedata.category(character) != "Cf"
    ).strip()


def word_characters(text: str) -> int:
    """How many letters and digits `text` holds (spaces, punctuation, symbols and invisible
    characters do not count)."""
    return sum(1 for character in text if unicodedata.category(character)[0] in "LN")


def masked_name(full_name: str) -> str:
    """A child named as messages and lists name them (DOMAIN.md §4.3): the family name only,
    王同学 ("Wang (student)" in English uses the same first character)."""
    family = without_invisible(full_name)[:1]
    return _("%(family)s (student)") % {"family": family}
