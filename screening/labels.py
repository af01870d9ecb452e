"""What the scoring's codes read as on a page: bands and norm sets in the reader's language.

`screening.scoring` stays pure Python and speaks codes (`moderately_severe`, `PHQ-A-Kroenke-2001`);
results store those codes. Pages show these labels, never the bare codes."""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from screening import scoring

BANDS: dict[str, Promise] = {
    # PHQ-9, PHQ-A and GAD-7 severity
    "minimal": _("minimal"),
    "mild": _("mild"),
    "moderate": _("moderate"),
    "moderately_severe": _("moderately severe"),
    "severe": _("severe"),
    # SDQ (self-report, three bands)
    "normal": _("normal"),
    "borderline": _("borderline"),
    "abnormal": _("abnormal"),
    # C-SSRS screener: suicide risk
    "none": _("no risk found"),
    "low": _("low risk"),
    "high": _("high risk"),
}
# The C-SSRS "moderate" is a risk, not a severity.
CSSRS_BANDS: dict[str, Promise] = {**BANDS, "moderate": _("moderate risk")}

NORM_SETS: dict[str, Promise] = {
    "PHQ-9-Kroenke-2001": _("PHQ-9 cut-offs (Kroenke 2001)"),
    "PHQ-A-Kroenke-2001": _("PHQ-A, scored with the PHQ-9 cut-offs (Kroenke 2001)"),
    "GAD-7-Spitzer-2006": _("GAD-7 cut-offs (Spitzer 2006)"),
    "SDQ-UK-self-3band": _("SDQ self-report, UK three-band norms"),
    "C-SSRS-screener-recent": _("C-SSRS screener, recent version"),
}


def band_label(band: str | None, *, instrument: str = "") -> str:
    """A band in the reader's language; an unknown code as it is, nothing as a dash."""
    if not band:
        return "—"
    bands = CSSRS_BANDS if instrument == scoring.CSSRS else BANDS
    return str(bands.get(band, band))


def norm_set_label(norm_set: str, *, instrument: str) -> str:
    """The norm set a result recorded, as a reader names it. Results imported before PHQ-A had
    its own name recorded PHQ-9's: the cut-offs are the same, the instrument is PHQ-A's."""
    if instrument == scoring.PHQA and norm_set == "PHQ-9-Kroenke-2001":
        norm_set = scoring.NORM_SETS[scoring.PHQA]
    return str(NORM_SETS.get(norm_set, norm_set))


def labelled_scores(scores: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """A result's scores with their band and norm set labelled, for a page."""
    return {
        instrument: {
            **item,
            "band": band_label(item.get("band"), instrument=instrument),
            "norm_set": norm_set_label(item.get("norm_set", ""), instrument=instrument),
        }
        for instrument, item in scores.items()
    }
