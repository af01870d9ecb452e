# The reasons of tier changes and of requests to lower a tier, and the notes of school-side
# tracking tasks (what the class teacher saw of a flagged student), encrypted at rest
# (centre/encryption.py).

from django.db import migrations

import centre.encryption


class Migration(migrations.Migration):
    dependencies = [
        ("screening", "0013_consent_withdrawal"),
    ]

    operations = [
        # The columns stay `text` (the note keeps its default ''): only Django's state changes.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="tierchange",
                    name="reason",
                    field=centre.encryption.EncryptedTextField(),
                ),
                migrations.AlterField(
                    model_name="tierrequest",
                    name="reason",
                    field=centre.encryption.EncryptedTextField(),
                ),
                migrations.AlterField(
                    model_name="trackingtask",
                    name="outcome_note",
                    field=centre.encryption.EncryptedTextField(
                        blank=True, db_default="", max_length=1000, verbose_name="note"
                    ),
                ),
            ]
        ),
        # What is stored already, encrypted in place (batched); backwards: decrypted.
        centre.encryption.encrypt_in_migration("screening_tierchange", "reason"),
        centre.encryption.encrypt_in_migration("screening_tierrequest", "reason"),
        centre.encryption.encrypt_in_migration("screening_trackingtask", "outcome_note"),
    ]
