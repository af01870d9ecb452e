"""Field-level encryption of clinical free text and guardians' numbers (DOMAIN.md §5.6,
ENGINEERING.md §6.5): what a database dump, a backup or a replica shows of them is ciphertext.

- `EncryptedTextField` stores AES-256-GCM ciphertext as text: ``enc1$<key id>$<base64 of nonce,
  ciphertext and tag>``. The key id (8 hex digits derived from the key) names the key that
  wrote the value, so `manage.py rotate_field_key` re-encrypts row by row under the current key
  while every listed key still reads. An empty value is stored empty (emptiness is no secret, and
  "has feedback" stays a plain query).
- Keys come from `FIELD_ENCRYPTION_KEYS` (environment or `_FILE`; the current one first), never
  from SECRET_KEY (`centre.settings.environment.read_field_keys`).
- An encrypted column cannot be searched, sorted, indexed or aggregated: the field refuses every
  lookup but "is empty" and "is null". Where a value must be found, a `BlindIndexField` keeps
  HMAC-SHA256 of it under `FIELD_INDEX_KEY`, a key of its own, and the code compares
  `blind_index(value)`.

Encryption does not stop an authorised but curious user: access control and the read audit do.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django import forms
from django.apps import apps
from django.conf import settings
from django.core import validators
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.db import migrations, models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.lookups import Exact, IsNull
from django.utils.module_loading import import_string

from centre.settings.environment import decode_field_key

PREFIX = "enc1$"
NONCE_BYTES = 12
BATCH = 1000  # rows per statement when a whole column is (re-)encrypted
UNREADABLE_IDS_KEPT = 10


class FieldKeyError(ImproperlyConfigured):
    """A stored value cannot be read: written under a key no longer listed, or damaged."""


@dataclass(frozen=True)
class Keyring:
    current_id: str
    ciphers: dict[str, AESGCM]


def key_id(key: bytes) -> str:
    """A short public name of a key (never the key): which one wrote a value."""
    return hmac.new(key, b"centre.encryption key id", hashlib.sha256).hexdigest()[:8]


@functools.lru_cache(maxsize=8)
def _keyring(keys: tuple[str, ...]) -> Keyring:
    decoded = [decode_field_key("FIELD_ENCRYPTION_KEYS", key) for key in keys]
    if not decoded:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS: no key.")
    ciphers = {key_id(key): AESGCM(key) for key in decoded}
    if len(ciphers) != len(decoded):
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS: two keys share an id; generate anew.")
    return Keyring(current_id=key_id(decoded[0]), ciphers=ciphers)


def keyring() -> Keyring:
    # Cached by the keys themselves: a test's override_settings gets its own keyring.
    return _keyring(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(text: str) -> str:
    """`text` under the current key; "" stays "" (see the module's docstring)."""
    if text == "":
        return ""
    ring = keyring()
    nonce = os.urandom(NONCE_BYTES)
    sealed = ring.ciphers[ring.current_id].encrypt(nonce, text.encode("utf-8"), None)
    body = base64.urlsafe_b64encode(nonce + sealed).rstrip(b"=").decode("ascii")
    return f"{PREFIX}{ring.current_id}${body}"


def is_encrypted(stored: str) -> bool:
    return stored.startswith(PREFIX)


def key_id_of(stored: str) -> str:
    """The id of the key that wrote `stored` (an encrypted value)."""
    return stored[len(PREFIX) :].partition("$")[0]


def decrypt(stored: str) -> str:
    """The text of a stored value. Raises FieldKeyError for plain text (a column not yet
    converted, a raw insert), a key no longer listed, or a damaged value."""
    if stored == "":
        return ""
    if not is_encrypted(stored):
        raise FieldKeyError("a value in an encrypted column is not encrypted")
    identity, _, body = stored[len(PREFIX) :].partition("$")
    cipher = keyring().ciphers.get(identity)
    if cipher is None:
        raise FieldKeyError(
            f"a value was encrypted with key {identity}, which FIELD_ENCRYPTION_KEYS no longer "
            "lists: add it back (not first) and run `manage.py rotate_field_key`."
        )
    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        return cipher.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], None).decode("utf-8")
    except (InvalidTag, binascii.Error, ValueError):
        raise FieldKeyError(f"a value under key {identity} is damaged") from None


@functools.lru_cache(maxsize=8)
def _index_key(text: str) -> bytes:
    return decode_field_key("FIELD_INDEX_KEY", text)


def blind_index(text: str) -> str:
    """HMAC-SHA256 (hex) of `text` under FIELD_INDEX_KEY, for an equality look-up of an
    encrypted value; "" for "". Equal texts give equal indexes, so compare exact strings."""
    if text == "":
        return ""
    key = _index_key(settings.FIELD_INDEX_KEY)
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()


class EmptyOnlyExact(Exact):
    """`field=""` (is empty) only: any other value would compare with ciphertext and never
    match, so it is refused where it is written instead of silently finding nothing."""

    def get_prep_lookup(self) -> Any:
        if self.rhs != "":
            raise FieldError(
                f"{self.lhs.output_field.name} is encrypted: it can only be compared with '' "
                "(is empty); look values up through a BlindIndexField."
            )
        return self.rhs


class EncryptedTextField(models.TextField):  # type: ignore[type-arg]
    """A text column kept encrypted (module docstring). Read and written like a TextField;
    never searched, sorted, indexed or aggregated."""

    description = "Text, stored encrypted"

    def get_lookup(self, lookup_name: str) -> Any:
        allowed = {"exact": EmptyOnlyExact, "isnull": IsNull}
        if lookup_name not in allowed:
            raise FieldError(
                f"{self.name} is encrypted: it cannot be searched with '{lookup_name}'."
            )
        return allowed[lookup_name]

    def get_transform(self, lookup_name: str) -> Any:
        return None  # no lower(), no unaccent(), no length() of ciphertext

    def get_db_prep_save(self, value: Any, connection: BaseDatabaseWrapper) -> Any:
        value = super().get_db_prep_save(value, connection)
        if value is None or hasattr(value, "as_sql"):
            return value  # an expression (bulk_update's CASE) encrypts the values inside it
        return encrypt(str(value))

    def from_db_value(self, value: Any, expression: Any, connection: BaseDatabaseWrapper) -> Any:
        return value if value is None else decrypt(value)


class EncryptedCharField(EncryptedTextField):
    """A short encrypted value (a phone number): a one-line input, `max_length` checked on
    the text before it is encrypted (the column is text: ciphertext is longer)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.max_length is not None:
            self.validators.append(validators.MaxLengthValidator(self.max_length))

    def formfield(self, **kwargs: Any) -> Any:
        defaults = {"form_class": forms.CharField, "max_length": self.max_length}
        return models.Field.formfield(self, **{**defaults, **kwargs})


class BlindIndexField(models.CharField):  # type: ignore[type-arg]
    """`blind_index()` of another field of the row (`source`), kept by every save and create.
    An `.update()` of the source must set it too: `update(phone=p, phone_index=blind_index(p))`.

    `normalise`, the dotted path of a function of the text, makes equal what is typed
    differently (a caller's "+86 138-0013-8000" and "13800138000"): the index is then
    `index_of(text)`, `blind_index(normalise(text))`, and the rotation recomputes it so."""

    def __init__(self, *args: Any, source: str, normalise: str = "", **kwargs: Any) -> None:
        self.source = source
        self.normalise = normalise
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        if self.normalise:
            kwargs["normalise"] = self.normalise
        for option, default in (("max_length", 64), ("blank", True), ("editable", False)):
            if kwargs.get(option) == default:
                del kwargs[option]
        return name, path, args, kwargs

    def index_of(self, text: str) -> str:
        return normalised_index(text, self.normalise)

    def pre_save(self, model_instance: models.Model, add: bool) -> str:
        value = self.index_of(getattr(model_instance, self.source) or "")
        setattr(model_instance, self.attname, value)
        return value


def normalised_index(text: str, normalise: str = "") -> str:
    """`blind_index` of `text` after the function at the dotted path `normalise` (if any)."""
    return blind_index(import_string(normalise)(text) if normalise else text)


@dataclass
class ColumnCounts:
    """What a pass over one encrypted column did."""

    encrypted: int = 0  # plain text found and encrypted (the first conversion)
    reencrypted: int = 0  # under an older key, now under the current one
    current: int = 0  # already under the current key
    unreadable: int = 0  # under a key no longer listed, or damaged: left as they are
    unreadable_ids: list[int] = field(default_factory=list)  # the first few, to look into

    def add_unreadable(self, row_id: int) -> None:
        self.unreadable += 1
        if len(self.unreadable_ids) < UNREADABLE_IDS_KEPT:
            self.unreadable_ids.append(row_id)


@dataclass(frozen=True)
class BlindIndex:
    column: str
    source: str  # the encrypted column it indexes
    normalise: str = ""  # BlindIndexField.normalise


@dataclass(frozen=True)
class EncryptedTable:
    table: str
    columns: tuple[str, ...]
    indexes: tuple[BlindIndex, ...] = ()


def encrypted_tables() -> Iterator[EncryptedTable]:
    """Every table with an encrypted column, from the installed models (the core names none)."""
    for model in apps.get_models():
        fields = model._meta.concrete_fields
        columns = tuple(str(f.column) for f in fields if isinstance(f, EncryptedTextField))
        if not columns:
            continue
        by_name = {f.name: str(f.column) for f in fields}
        indexes = tuple(
            BlindIndex(str(f.column), by_name[f.source], f.normalise)
            for f in fields
            if isinstance(f, BlindIndexField)
        )
        yield EncryptedTable(model._meta.db_table, columns, indexes)


def reencrypt_column(
    connection: BaseDatabaseWrapper, table: str, column: str, *, batch: int = BATCH
) -> ColumnCounts:
    """Bring every value of `table.column` under the current key, `batch` rows a statement:
    plain text is encrypted (the data migrations), an older key's value re-encrypted
    (`rotate_field_key`). A row changed meanwhile keeps its new value (the UPDATE matches the
    value read), so the portal may stay up."""
    counts = ColumnCounts()
    current = keyring().current_id
    for rows in _batches(connection, table, [column], batch=batch, non_empty=column):
        changes = []
        for row_id, stored in rows:
            new = _under_current_key(stored, current, counts, row_id)
            if new is not None:
                changes.append((row_id, stored, new))
        _write_changes(connection, table, column, changes)
    return counts


def decrypt_column(
    connection: BaseDatabaseWrapper, table: str, column: str, *, batch: int = BATCH
) -> int:
    """Back to plain text (a migration unapplied): how many values were decrypted."""
    decrypted = 0
    for rows in _batches(connection, table, [column], batch=batch, non_empty=column):
        changes = [(i, value, decrypt(value)) for i, value in rows if is_encrypted(value)]
        _write_changes(connection, table, column, changes)
        decrypted += len(changes)
    return decrypted


def reindex_column(
    connection: BaseDatabaseWrapper,
    table: str,
    index_column: str,
    source_column: str,
    *,
    batch: int = BATCH,
    normalise: str = "",
) -> int:
    """Recompute a blind index from the column it indexes, encrypted or still plain (a new
    FIELD_INDEX_KEY, or the first migration): how many rows changed."""
    changed = 0
    for rows in _batches(connection, table, [source_column, index_column], batch=batch):
        changes = []
        for row_id, stored, old_index in rows:
            try:
                text = decrypt(stored) if stored and is_encrypted(stored) else (stored or "")
            except FieldKeyError:
                continue  # reported by the column's own pass (`reencrypt_column`)
            new_index = normalised_index(text, normalise)
            if new_index != old_index:
                changes.append((row_id, old_index, new_index))
        _write_changes(connection, table, index_column, changes)
        changed += len(changes)
    return changed


def _batches(
    connection: BaseDatabaseWrapper,
    table: str,
    columns: list[str],
    *,
    batch: int,
    non_empty: str = "",
) -> Iterator[list[tuple[Any, ...]]]:
    """(id, *columns) of every row of `table` by id, `batch` rows at a time (only the rows
    where `non_empty` is not empty, when named)."""
    quote = connection.ops.quote_name
    selected = ", ".join(quote(column) for column in columns)
    condition = f" AND {quote(non_empty)} <> ''" if non_empty else ""
    last_id = 0
    while True:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id, {selected} FROM {quote(table)} "  # noqa: S608  # quoted names
                f"WHERE id > %s{condition} ORDER BY id LIMIT %s",
                [last_id, batch],
            )
            rows = cursor.fetchall()
        if not rows:
            return
        last_id = rows[-1][0]
        yield rows


def _under_current_key(stored: str, current: str, counts: ColumnCounts, row_id: int) -> str | None:
    """The value to write instead of `stored`, or None to leave it."""
    if not is_encrypted(stored):
        counts.encrypted += 1
        return encrypt(stored)
    if key_id_of(stored) == current:
        counts.current += 1
        return None
    try:
        text = decrypt(stored)
    except FieldKeyError:
        counts.add_unreadable(row_id)
        return None
    counts.reencrypted += 1
    return encrypt(text)


def _write_changes(
    connection: BaseDatabaseWrapper, table: str, column: str, changes: list[tuple[int, str, str]]
) -> None:
    """Set `column` to `new` for each (id, old, new) whose row still holds `old`."""
    if not changes:
        return
    quoted_table, quoted_column = (
        connection.ops.quote_name(table),
        connection.ops.quote_name(column),
    )
    # One statement a batch, on Postgres and on the SQLite of a trial run alike.
    values = ", ".join(["(%s, %s, %s)"] * len(changes))
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH changed (id, old, new) AS (VALUES {values}) "  # noqa: S608  # quoted names
            f"UPDATE {quoted_table} SET {quoted_column} = changed.new FROM changed "
            f"WHERE {quoted_table}.id = changed.id "
            f"AND {quoted_table}.{quoted_column} = changed.old",
            [value for change in changes for value in change],
        )


def encrypt_in_migration(
    table: str, *columns: str, indexes: tuple[tuple[str, ...], ...] = ()
) -> Any:
    """A RunPython pair for a migration that makes `columns` of `table` encrypted: forwards
    encrypts what is stored (batched, in place) and fills the blind `indexes` (index column,
    source column, and the dotted path of its `normalise` if it has one); backwards decrypts."""

    def forwards(migration_apps: Any, schema_editor: Any) -> None:
        for column in columns:
            reencrypt_column(schema_editor.connection, table, column)
        for index in indexes:
            blind = BlindIndex(*index)
            reindex_column(
                schema_editor.connection,
                table,
                blind.column,
                blind.source,
                normalise=blind.normalise,
            )

    def backwards(migration_apps: Any, schema_editor: Any) -> None:
        for column in columns:
            decrypt_column(schema_editor.connection, table, column)

    return migrations.RunPython(forwards, backwards, elidable=False)
