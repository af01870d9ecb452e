"""Uploads are bounded before they are stored: a body declared too large is answered 413 unread,
a file too large is dropped while it streams, a refused file is never kept, stored rosters are
owner-only and deleted once their import ends."""

from __future__ import annotations

import stat

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from screening.models import RosterImport
from tests.support.accounts import sign_in
from tests.support.rosters import csv_bytes, roster_rows


@pytest.fixture
def media(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    return tmp_path


def stored_files(media) -> list:
    return [path for path in media.rglob("*") if path.is_file()]


def upload(client, campaign, data: bytes, **extra):
    file = SimpleUploadedFile("roster.csv", data)
    return client.post(f"/screening/campaigns/{campaign.pk}/", {"file": file}, **extra)


def test_a_body_declared_too_large_is_answered_413_unread(client, campaign, media, settings):
    sign_in(client, "liaison")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    declared = str(settings.UPLOAD_MAX_REQUEST_BYTES + 1)
    response = upload(client, campaign, csv_bytes(roster_rows(2)), CONTENT_LENGTH=declared)
    assert response.status_code == 413
    assert "The file is too large" in response.text
    assert f"{settings.UPLOAD_MAX_FILE_BYTES // 1_000_000} MB" in response.text
    assert not RosterImport.objects.exists()
    assert stored_files(media) == []


def test_a_file_too_large_is_dropped_while_it_streams(client, campaign, media, settings):
    settings.UPLOAD_MAX_FILE_BYTES = 1_000  # the body as a whole stays under its own limit
    sign_in(client, "liaison")
    response = upload(client, campaign, csv_bytes(roster_rows(40)))
    assert response.status_code == 413
    assert not RosterImport.objects.exists()
    assert stored_files(media) == []


def test_a_refused_file_is_not_kept(client, campaign, media):
    sign_in(client, "liaison")
    response = upload(client, campaign, csv_bytes([]))  # header only
    assert response.status_code == 302
    roster_import = RosterImport.objects.get()
    assert (roster_import.status, roster_import.file.name) == ("refused", "")
    assert stored_files(media) == []


def test_an_imported_file_is_deleted(client, campaign, media):
    sign_in(client, "liaison")
    upload(client, campaign, csv_bytes(roster_rows(3)))
    roster_import = RosterImport.objects.get()
    assert (roster_import.status, roster_import.file.name) == ("done", "")
    assert stored_files(media) == []


def test_a_queued_roster_is_stored_for_its_owner_only(client, campaign, media, settings):
    settings.ROSTER_INLINE_BYTES = 100  # queued: kept until the worker has imported it
    sign_in(client, "liaison")
    upload(client, campaign, csv_bytes(roster_rows(3)))
    assert RosterImport.objects.get().status == "waiting"
    (path,) = stored_files(media)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_a_small_workbook_that_unpacks_to_much_goes_to_the_queue(client, campaign, media):
    import io
    import zipfile

    from tests.support.rosters import xlsx_bytes

    source, out = zipfile.ZipFile(io.BytesIO(xlsx_bytes(roster_rows(2)))), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, source.read(info.filename))
        target.writestr("docProps/padding.xml", b" " * 10_000_000)  # 10 MB in a few kB
    assert len(out.getvalue()) < 100_000
    sign_in(client, "liaison")
    file = SimpleUploadedFile("roster.xlsx", out.getvalue())
    client.post(f"/screening/campaigns/{campaign.pk}/", {"file": file})
    assert RosterImport.objects.get().status == "waiting"  # not parsed in the web request
