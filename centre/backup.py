"""Backups (README "Retention and backups"): the database in pg_dump's custom format and the
media storage (uploaded and generated files) as one tar, side by side in a directory named by
the moment; and their restore, into this database or another one.

Backups are never edited: a record erased by retention stays in the backups taken before, and
ages out with them (keep them BACKUP_KEEP_DAYS at most, so an erased record is gone from every
copy that long after its erasure). Postgres only: the trial mode's SQLite file is copied by hand."""

from __future__ import annotations

import datetime
import json
import os
import shutil
import subprocess
import tarfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection

from centre.errors import ServiceError

DATABASE_FILE = "database.dump"
MEDIA_FILE = "media.tar.gz"
MANIFEST_FILE = "manifest.json"


def media_root() -> Path:
    """Where the default storage keeps its files (a FileSystemStorage)."""
    return Path(settings.STORAGES["default"]["OPTIONS"]["location"])


def _client_environment(database: dict[str, Any], name: str | None = None) -> dict[str, str]:
    """libpq's variables for pg_dump / pg_restore: no password on a command line."""
    environment = dict(os.environ)
    values = {
        "PGHOST": database.get("HOST"),
        "PGPORT": database.get("PORT"),
        "PGUSER": database.get("USER"),
        "PGPASSWORD": database.get("PASSWORD"),
        "PGDATABASE": name or database["NAME"],
    }
    environment.update({key: str(value) for key, value in values.items() if value})
    return environment


def _program(name: str) -> str:
    """The full path of a Postgres client program (pg_dump, pg_restore) on PATH."""
    path = shutil.which(name)
    if path is None:
        raise ServiceError(f"{name} is not installed (the Postgres client programs).")
    return path


def _require_postgres() -> dict[str, Any]:
    if connection.vendor != "postgresql":
        raise ServiceError("Backups need Postgres (DATABASE_URL); copy var/ by hand in a trial.")
    return connection.settings_dict


def backup_create(*, directory: Path, now: datetime.datetime | None = None) -> Path:
    """Write a new backup under `directory` and return its own directory."""
    database = _require_postgres()
    moment = now or datetime.datetime.now(tz=datetime.UTC)
    target = directory / moment.strftime("%Y%m%dT%H%M%SZ")
    target.mkdir(parents=True, exist_ok=False)
    subprocess.run(  # noqa: S603 (fixed arguments, libpq variables)
        [_program("pg_dump"), "--format=custom", "--no-owner", f"--file={target / DATABASE_FILE}"],
        env=_client_environment(database),
        check=True,
    )
    with tarfile.open(target / MEDIA_FILE, "w:gz") as archive:
        if media_root().exists():
            archive.add(media_root(), arcname="media")
    manifest = {"created_at": moment.isoformat(), "database": DATABASE_FILE, "media": MEDIA_FILE}
    (target / MANIFEST_FILE).write_text(json.dumps(manifest))
    return target


def backup_restore(*, source: Path, database_name: str | None = None) -> None:
    """Restore a backup into `database_name` (this database by default; it must exist, empty
    or not: what the backup holds replaces it) and its files into the media storage."""
    database = _require_postgres()
    if not (source / MANIFEST_FILE).exists():
        raise ServiceError(f"{source} is not a backup (no {MANIFEST_FILE}).")
    subprocess.run(  # noqa: S603 (fixed arguments, libpq variables)
        [
            _program("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--exit-on-error",
            f"--dbname={database_name or database['NAME']}",
            str(source / DATABASE_FILE),
        ],
        env=_client_environment(database, database_name),
        check=True,
    )
    media_root().mkdir(parents=True, exist_ok=True)
    with tarfile.open(source / MEDIA_FILE, "r:gz") as archive:
        for member in archive.getmembers():
            if member.name != "media" and not member.name.startswith("media/"):
                raise ServiceError(f"{source}: unexpected file {member.name!r} in the media.")
            member.name = member.name.removeprefix("media").lstrip("/")
            if member.name:
                archive.extract(member, media_root(), filter="data")
