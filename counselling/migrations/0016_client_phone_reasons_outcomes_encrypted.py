# A child's own number, the reasons of risk changes and the outcomes of follow-ups encrypted at
# rest (centre/encryption.py).

from django.db import migrations

import centre.encryption


class Migration(migrations.Migration):
    dependencies = [
        ("counselling", "0015_client_last_case_closed"),
    ]

    operations = [
        # varchar → text: ciphertext is longer than the number.
        migrations.AlterField(
            model_name="client",
            name="phone",
            field=centre.encryption.EncryptedCharField(
                blank=True, max_length=32, verbose_name="phone"
            ),
        ),
        # The text columns stay `text`: only Django's state changes (on SQLite an AlterField
        # would remake counselling_followup without the attention triggers of migration 0012).
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="riskchange",
                    name="reason",
                    field=centre.encryption.EncryptedTextField(verbose_name="reason"),
                ),
                migrations.AlterField(
                    model_name="followup",
                    name="outcome",
                    field=centre.encryption.EncryptedTextField(blank=True, verbose_name="outcome"),
                ),
            ]
        ),
        # What is stored already, encrypted in place (batched); backwards: decrypted.
        centre.encryption.encrypt_in_migration("counselling_client", "phone"),
        centre.encryption.encrypt_in_migration("counselling_riskchange", "reason"),
        centre.encryption.encrypt_in_migration("counselling_followup", "outcome"),
    ]
