"""Personal data encrypted at rest (issue 10): the columns become Fernet tokens (text), and
existing rows are encrypted in place; reversible."""

import onestop.core.fields
from django.db import migrations

COLUMNS = {'contact_name': False, 'address': False}


def encrypt(apps, schema_editor):
    onestop.core.fields.encrypt_columns(schema_editor, 'hotline_workorder', COLUMNS)


def decrypt(apps, schema_editor):
    onestop.core.fields.encrypt_columns(schema_editor, 'hotline_workorder', COLUMNS, reverse=True)


class Migration(migrations.Migration):

    dependencies = [
        ('hotline', '0002_numbers_from_core_day_counter'),
    ]

    operations = [
        migrations.AlterField(
            model_name='workorder',
            name='address',
            field=onestop.core.fields.EncryptedTextField(blank=True, max_length=300, verbose_name='address'),
        ),
        migrations.AlterField(
            model_name='workorder',
            name='contact_name',
            field=onestop.core.fields.EncryptedTextField(blank=True, max_length=60, verbose_name='contact name'),
        ),
        migrations.RunPython(encrypt, decrypt),
    ]
