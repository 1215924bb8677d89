"""The queue ticket moves to `org`, step 3: its links to the catalogue and to the case go (0006
copied them into plain references). In a migration of its own: on PostgreSQL a table cannot be
altered in the transaction that updated its rows' foreign keys. `org` 0003 takes the table over
right after this one (`run_before`), so `org`'s own migrations never name this app."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0006_queueticket_references_from_links"),
    ]
    run_before = [
        ("org", "0003_queueticket_from_cases"),
    ]

    operations = [
        migrations.RemoveField(model_name="queueticket", name="scenario"),
        migrations.RemoveField(model_name="queueticket", name="item"),
        migrations.RemoveField(model_name="queueticket", name="case"),
    ]
