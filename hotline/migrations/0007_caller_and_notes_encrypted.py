# The caller's name and number, alert notes, callback outcomes and handover notes encrypted at
# rest (centre/encryption.py): the columns, here; the rows, in 0008. Apart because Postgres
# refuses to ALTER a table whose rows the same transaction has updated twice (pending
# foreign-key trigger events), which unapplying both in one would do. A flag is found through
# its call's blind index instead of a copy of the old hash.

from django.db import migrations, models

import centre.encryption

NORMALISE = "hotline.caller.normalise"
TEXT_COLUMNS = {
    "alertevent": ("note", "note", True),
    "callback": ("outcome_note", "outcome", True),
    "shifthandover": ("note", "note", False),
}


def flag_hashes_from_calls(apps, schema_editor):
    """Backwards: a flag's copy of its call's (old) hash, as it was kept before."""
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "UPDATE hotline_callerflag SET caller_phone_hash = ("
            "SELECT c.caller_phone_hash FROM hotline_call c WHERE c.id = hotline_callerflag.call_id"
            ") WHERE call_id IS NOT NULL"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("hotline", "0006_call_summary_encrypted"),
    ]

    operations = [
        # varchar → text: ciphertext is longer than the number.
        migrations.AlterField(
            model_name="call",
            name="caller_name",
            field=centre.encryption.EncryptedCharField(
                blank=True, max_length=100, verbose_name="name the caller gave"
            ),
        ),
        migrations.AlterField(
            model_name="call",
            name="caller_phone",
            field=centre.encryption.EncryptedCharField(
                blank=True, max_length=32, verbose_name="number the caller gave"
            ),
        ),
        migrations.AlterField(
            model_name="call",
            name="caller_phone_hash",
            field=centre.encryption.BlindIndexField(
                db_index=True, normalise=NORMALISE, source="caller_phone"
            ),
        ),
        # The text columns stay `text`: only Django's state changes.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name=model,
                    name=name,
                    field=centre.encryption.EncryptedTextField(blank=blank, verbose_name=label),
                )
                for model, (name, label, blank) in TEXT_COLUMNS.items()
            ]
        ),
        migrations.AddField(
            model_name="alertevent",
            name="step",
            field=models.CharField(blank=True, default="", max_length=20, verbose_name="step"),
            preserve_default=False,
        ),
        # A default, so that backwards the column comes back on the rows there are…
        migrations.AlterField(
            model_name="callerflag",
            name="caller_phone_hash",
            field=models.CharField(db_index=True, default="", max_length=64),
        ),
        # …then filled with the flags' copies of their calls' hashes, as before.
        migrations.RunPython(migrations.RunPython.noop, flag_hashes_from_calls, elidable=False),
        migrations.RemoveIndex(model_name="callerflag", name="hotline_callerflag_until"),
        migrations.RemoveField(model_name="callerflag", name="caller_phone_hash"),
    ]
