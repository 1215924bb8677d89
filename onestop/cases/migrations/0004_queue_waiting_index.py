"""The department queue's partial index: the waiting item cases (a department task ready, or
supplements awaited) per department in page order (due date, number), with the status and task
columns included so the filters and the count never visit the table (EXPLAIN in
docs/operations.md, "Officer queue")."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0003_numbers_from_core_day_counter"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                condition=models.Q(
                    ("kind", "item"),
                    models.Q(
                        models.Q(("status", "accepted"), ("task_lane", "department")),
                        ("status", "supplement"),
                        _connector="OR",
                    ),
                ),
                fields=["department", "due_date", "number"],
                include=("id", "status", "task_name"),
                name="cases_waiting",
            ),
        ),
    ]
