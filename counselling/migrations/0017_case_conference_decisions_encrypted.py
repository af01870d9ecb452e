# The decisions of case conferences encrypted at rest (centre/encryption.py): what the conference
# decided about the children it discussed is clinical free text.

from django.db import migrations

import centre.encryption


class Migration(migrations.Migration):
    dependencies = [
        ("counselling", "0016_client_phone_reasons_outcomes_encrypted"),
    ]

    operations = [
        # The column stays `text`: only Django's state changes (as in 0016).
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="caseconference",
                    name="decisions",
                    field=centre.encryption.EncryptedTextField(verbose_name="decisions"),
                ),
            ]
        ),
        # What is stored already, encrypted in place (batched); backwards: decrypted.
        centre.encryption.encrypt_in_migration("counselling_caseconference", "decisions"),
    ]
