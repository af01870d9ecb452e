"""Screening tests read their messages in English; `imported` is a roster uploaded by the page
(the campaign and the roster files: tests/conftest.py and tests/support/rosters.py)."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from screening.models import ConsentBasis, RosterImport
from tests.support.accounts import sign_in
from tests.support.rosters import csv_bytes, roster_rows, student_row


@pytest.fixture(autouse=True)
def in_english():
    """Messages are checked in English here (the portal's default is Chinese)."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def imported(client, campaign):
    """A small roster uploaded through the page by the school's liaison: row 2 is flagged."""
    rows = roster_rows(4)
    rows[0] = student_row(1, phq=[3, 3, 3, 3, 3, 1, 1, 0, 2])  # 19 + item 9: orange, crisis
    rows[3][6] = "=cmd|' /C calc'!A0"  # a formula in a bad cell: reported, never run
    sign_in(client, "liaison")
    upload = SimpleUploadedFile("名单.csv", csv_bytes(rows, encoding="gb18030"))
    response = client.post(f"/screening/campaigns/{campaign.pk}/", {"file": upload})
    assert response.status_code == 302
    client.logout()
    return RosterImport.objects.get()


@pytest.fixture
def fresh_rates():
    """The online codes' tries counted per address and per code start from nothing."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def online_campaign(campaign):
    """The campaign with its consent basis recorded: it may be opened online."""
    campaign.consent_basis = ConsentBasis.GUARDIAN
    campaign.save()
    return campaign


@pytest.fixture
def by_age(campaign):
    """The campaign's consent by age (DOMAIN.md §5.2): under 14 the guardian's, from 14 the
    student's own."""
    campaign.consent_basis = ConsentBasis.BY_AGE
    campaign.save()
    return campaign


@pytest.fixture
def slips(client, online_campaign):
    """The liaison opens 3班 online through the page; the codes as printed on the slips."""
    from tests.screening.test_online import new_student

    students = [new_student(online_campaign.school) for _ in range(2)]
    sign_in(client, "liaison")
    page = client.post(f"/screening/campaigns/{online_campaign.pk}/online/", {"class_name": "3班"})
    assert page.status_code == 200
    assert "<svg" in page.text
    assert "/screening/online/" in page.text
    codes = re.findall(r'class="slip-code">([A-Z0-9 ]+)<', page.text)
    assert len(codes) == 2
    assert students[0].full_name in page.text
    # GUARDIAN basis: both guardians' slips came back ("tick every box", then record)
    slips_page = f"/screening/campaigns/{online_campaign.pk}/consent/slips/"
    ticked = client.get(slips_page, {"class": "3班", "all": "1"})
    assert ticked.text.count(" checked>") == 2
    ids = [str(student.pk) for student in students]
    recorded = client.post(slips_page, {"class": "3班", "students": ids, "version": "2026-12"})
    assert recorded.status_code == 302
    client.logout()
    return codes
