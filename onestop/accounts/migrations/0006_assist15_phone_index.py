"""The phone's blind index (assisted handling at the window: a centre's helper finds a person
by phone number), computed for the phones already stored; reversible (the column goes)."""

from django.db import migrations, models

# as `accounts.services.PHONE_INDEX_PREFIX` (a migration keeps its own copy)
PHONE_INDEX_PREFIX = "phone:"


def index_phones(apps, schema_editor):
    from onestop.core import crypto

    User = apps.get_model("accounts", "User")
    changed = []
    for user in User.objects.only("pk", "phone").iterator(chunk_size=500):
        if user.phone:
            user.phone_index = crypto.blind_index(PHONE_INDEX_PREFIX + str(user.phone))
            changed.append(user)
        if len(changed) >= 500:
            User.objects.bulk_update(changed, ["phone_index"])
            changed = []
    if changed:
        User.objects.bulk_update(changed, ["phone_index"])


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0005_assist_delegation'),
    ]

    operations = [
        migrations.AddField(
            model_name='user',
            name='phone_index',
            field=models.CharField(blank=True, db_index=True, default='', editable=False, max_length=64, verbose_name='phone blind index'),
        ),
        migrations.RunPython(index_phones, migrations.RunPython.noop),
    ]
