"""The queue ticket moves to `org`, step 5: `org` 0003 (step 4) took the table (and its rows)
over, so this app forgets the model. State only: nothing changes in the database."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0007_queueticket_drop_links"),
        ("org", "0003_queueticket_from_cases"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="QueueTicket")],
            database_operations=[],
        ),
    ]
