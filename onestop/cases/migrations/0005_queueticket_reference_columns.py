"""The queue ticket moves to `org` (a lower floor, which may not point at the catalogue or at
cases), step 1: the columns of the plain references `org` will keep — ``purpose_ref``
(``scenario:<slug>`` / ``item:<code>``, the kiosk's own choice values), ``department`` (the
item's implementing department, whose own windows may call the walk-in) and ``served_ref``
(``case:<id>``). 0006 fills them from the links, 0007 drops the links, `org` 0003 takes the
table over, 0008 forgets the model here. Each step is a migration (a transaction) of its own:
on PostgreSQL a table cannot be altered in the transaction that updated its foreign keys.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0004_queue_waiting_index"),
        ("org", "0002_comprehensive_only_hours_and_townships"),
    ]

    operations = [
        migrations.AddField(
            model_name="queueticket",
            name="purpose_ref",
            field=models.CharField(blank=True, max_length=120, verbose_name="came for"),
        ),
        migrations.AddField(
            model_name="queueticket",
            name="department",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="org.department",
            ),
        ),
        migrations.AddField(
            model_name="queueticket",
            name="served_ref",
            field=models.CharField(blank=True, max_length=120, verbose_name="served with"),
        ),
    ]
