# The rows of 0007's columns encrypted in place (batched) and each call's number indexed by its
# blind index under FIELD_INDEX_KEY, recomputed from the plain number, instead of an HMAC under a
# key derived from SECRET_KEY (which changed with it and no rotation recomputed). Backwards:
# decrypted, and the old hashes put back.

import hashlib
import hmac

from django.conf import settings
from django.db import migrations

import centre.encryption
from hotline.caller import normalise

NORMALISE = "hotline.caller.normalise"


def _legacy_hash(number: str) -> str:
    """A call's hash before this migration (hotline/caller.py then), to migrate backwards."""
    key = getattr(settings, "HOTLINE_CALLER_KEY", "")
    if key:
        secret = key.encode() if isinstance(key, str) else bytes(key)
    else:
        secret = hashlib.sha256(b"hotline-caller:" + settings.SECRET_KEY.encode()).digest()
    digits = normalise(number)
    return hmac.new(secret, digits.encode("ascii"), hashlib.sha256).hexdigest() if digits else ""


def legacy_caller_hashes(apps, schema_editor):
    """Backwards, once the numbers are plain again: each call's old hash."""
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT id, caller_phone FROM hotline_call WHERE caller_phone <> ''")
        rows = cursor.fetchall()
        cursor.executemany(
            "UPDATE hotline_call SET caller_phone_hash = %s WHERE id = %s",
            [(_legacy_hash(phone), row_id) for row_id, phone in rows],
        )


class Migration(migrations.Migration):
    dependencies = [
        ("hotline", "0007_caller_and_notes_encrypted"),
    ]

    operations = [
        # Who was told ("primary", "backup"…) moves from the note, to be found while it is
        # encrypted.
        migrations.RunSQL(
            "UPDATE hotline_alertevent SET step = note, note = '' "
            "WHERE kind IN ('told', 'escalated')",
            "UPDATE hotline_alertevent SET note = step, step = '' "
            "WHERE kind IN ('told', 'escalated')",
            elidable=False,
        ),
        migrations.RunPython(migrations.RunPython.noop, legacy_caller_hashes, elidable=False),
        # Encrypted in place (batched) and the blind index recomputed from each plain number;
        # backwards: decrypted.
        centre.encryption.encrypt_in_migration(
            "hotline_call",
            "caller_name",
            "caller_phone",
            indexes=(("caller_phone_hash", "caller_phone", NORMALISE),),
        ),
        centre.encryption.encrypt_in_migration("hotline_alertevent", "note"),
        centre.encryption.encrypt_in_migration("hotline_callback", "outcome_note"),
        centre.encryption.encrypt_in_migration("hotline_shifthandover", "note"),
    ]
