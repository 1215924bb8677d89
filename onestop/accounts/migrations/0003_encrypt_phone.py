"""Personal data encrypted at rest (issue 10): the columns become Fernet tokens (text), and
existing rows are encrypted in place; reversible."""

import onestop.core.fields
from django.db import migrations

COLUMNS = {'phone': False}


def encrypt(apps, schema_editor):
    onestop.core.fields.encrypt_columns(schema_editor, 'accounts_user', COLUMNS)


def decrypt(apps, schema_editor):
    onestop.core.fields.encrypt_columns(schema_editor, 'accounts_user', COLUMNS, reverse=True)


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0002_assurance_levels'),
    ]

    operations = [
        migrations.AlterField(
            model_name='user',
            name='phone',
            field=onestop.core.fields.EncryptedTextField(blank=True, max_length=20, verbose_name='phone'),
        ),
        migrations.RunPython(encrypt, decrypt),
    ]
