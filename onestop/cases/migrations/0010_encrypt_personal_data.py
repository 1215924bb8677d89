"""Personal data encrypted at rest (issue 10): the columns become Fernet tokens (text), and
existing rows are encrypted in place; reversible."""

import onestop.core.fields
from django.db import migrations

COLUMNS = {'contact_phone': False, 'form_data': True, 'prefill_values': True}


def encrypt(apps, schema_editor):
    onestop.core.fields.encrypt_columns(schema_editor, 'cases_case', COLUMNS)


def decrypt(apps, schema_editor):
    onestop.core.fields.encrypt_columns(schema_editor, 'cases_case', COLUMNS, reverse=True)


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0009_answer_provenance'),
    ]

    operations = [
        migrations.AlterField(
            model_name='case',
            name='contact_phone',
            field=onestop.core.fields.EncryptedTextField(blank=True, max_length=20, verbose_name='contact phone'),
        ),
        migrations.AlterField(
            model_name='case',
            name='form_data',
            field=onestop.core.fields.EncryptedJSONField(blank=True, default=dict, verbose_name='form data'),
        ),
        migrations.AlterField(
            model_name='case',
            name='prefill_values',
            field=onestop.core.fields.EncryptedJSONField(blank=True, default=dict, verbose_name='pre-filled values'),
        ),
        migrations.RunPython(encrypt, decrypt),
    ]
