"""The outbox's envelopes and both sides' replies encrypted at rest: a `case.forward` carries the
applicant's identity and materials until it is delivered. Existing rows are encrypted in place;
reversible."""

import onestop.core.fields
from django.db import migrations


def encrypt(apps, schema_editor):
    onestop.core.fields.encrypt_columns(
        schema_editor, 'federation_outboxmessage', {'envelope': True, 'reply': True}
    )
    onestop.core.fields.encrypt_columns(schema_editor, 'federation_inboxmessage', {'reply': True})


def decrypt(apps, schema_editor):
    onestop.core.fields.encrypt_columns(
        schema_editor, 'federation_outboxmessage', {'envelope': True, 'reply': True}, reverse=True
    )
    onestop.core.fields.encrypt_columns(
        schema_editor, 'federation_inboxmessage', {'reply': True}, reverse=True
    )


class Migration(migrations.Migration):

    dependencies = [
        ('federation', '0001_initial'),
    ]

    operations = [
        migrations.AlterField(
            model_name='outboxmessage',
            name='envelope',
            field=onestop.core.fields.EncryptedJSONField(),
        ),
        migrations.AlterField(
            model_name='outboxmessage',
            name='reply',
            field=onestop.core.fields.EncryptedJSONField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name='inboxmessage',
            name='reply',
            field=onestop.core.fields.EncryptedJSONField(),
        ),
        migrations.RunPython(encrypt, decrypt),
    ]
