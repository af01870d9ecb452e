"""Scores read in the reader's language: bands and norm sets labelled, never bare codes; the
interview's line in the tier history names the C-SSRS risk in words; PHQ-A shows its own norm
set; the upload help and the campaign's name field say what they are in either language."""

from __future__ import annotations

from django.utils import translation

from screening import labels, scoring
from screening.models import TierChange
from tests.screening.test_clinical_work import flagged, imported  # noqa: F401
from tests.screening.test_review_findings import CSSRS_HIGH
from tests.support.accounts import switch_to


def test_the_interview_names_the_risk_in_words_in_the_tier_history(client, imported):  # noqa: F811
    result = flagged()
    switch_to(client, "counsellor")
    assert client.post(f"/screening/results/{result.pk}/", CSSRS_HIGH).status_code == 302
    reason = TierChange.objects.filter(result=result).latest("pk").reason
    assert reason == "C-SSRS：高风险"
    page = client.get(f"/screening/results/{result.pk}/").content.decode()
    assert "C-SSRS：高风险" in page
    assert "C-SSRS：high" not in page


def test_the_scores_show_bands_and_the_phq_a_norm_set_in_words(client, imported):  # noqa: F811
    result = flagged()
    assert result.scores["PHQ-A"]["norm_set"] == "PHQ-A-Kroenke-2001"
    switch_to(client, "counsellor")
    scores = client.get(f"/screening/results/{result.pk}/").context["scores"]
    assert scores["PHQ-A"]["norm_set"] == "PHQ-A 青少年版，采用 PHQ-9 分界值（Kroenke 2001）"
    assert scores["PHQ-A"]["band"] in {"无或极轻微", "轻度", "中度", "中重度", "重度"}
    client.cookies["portal_language"] = "en"
    scores = client.get(f"/screening/results/{result.pk}/").context["scores"]
    assert scores["PHQ-A"]["norm_set"] == "PHQ-A, scored with the PHQ-9 cut-offs (Kroenke 2001)"


def test_a_result_recorded_with_phq_9s_norm_set_name_reads_as_phq_a(db):
    """Results imported before PHQ-A had its own norm set name recorded PHQ-9's (same cut-offs)."""
    old = labels.norm_set_label("PHQ-9-Kroenke-2001", instrument=scoring.PHQA)
    assert old == labels.norm_set_label("PHQ-A-Kroenke-2001", instrument=scoring.PHQA)
    assert labels.norm_set_label("PHQ-9-Kroenke-2001", instrument=scoring.PHQ9) != old


def test_every_band_the_scoring_gives_has_a_label(db):
    bands = {band for _limit, band in scoring.PHQ_BANDS + scoring.GAD7_BANDS}
    bands |= {"normal", "borderline", "abnormal", "none", "low", "moderate", "high"}
    assert bands <= set(labels.BANDS)
    assert set(scoring.NORM_SETS.values()) <= set(labels.NORM_SETS)
    with translation.override("zh-hans"):
        assert labels.band_label("moderate", instrument=scoring.CSSRS) == "中风险"
        assert labels.band_label("moderate", instrument=scoring.PHQA) == "中度"
    assert labels.band_label(None) == "—"


def test_the_upload_help_and_the_campaign_name_read_in_the_readers_language(client, campaign):
    switch_to(client, "liaison")
    client.cookies["portal_language"] = "en"
    page = client.get(f"/screening/campaigns/{campaign.pk}/").content.decode()
    assert "CSV in UTF-8 or GB18030" in page
    assert "不超过" not in page
    client.cookies["portal_language"] = "zh-hans"
    page = client.get(f"/screening/campaigns/{campaign.pk}/").content.decode()
    assert "不超过 20 MB" in page

    from centre.models import School
    from screening.forms import CampaignForm

    form = CampaignForm(schools=School.objects.all())
    with translation.override("zh-hans"):
        # A campaign's name, not a person's (姓名).
        assert str(form.fields["name"].label) == "筛查名称"
