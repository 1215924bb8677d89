"""The walk-in queue is the service centre's: the queue ticket's table, rows and all, comes
over from the app that kept it before (its migrations copied the catalogue and case links into
plain references and dropped the links first, and declare that they run before this one).

1. Take the existing table ``cases_queueticket`` over in this app's state (nothing changes in
   the database), then rename it ``org_queueticket`` and its unique constraint
   ``org_queue_seq``.
2. The numbers now come from the one allocator (`core.numbering`, series ``queue-<centre>``):
   its counter rows start where each centre's day already is, so no number is given twice.

Reversible.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models
from django.db.models import Max

SERIES = "queue-"


def counters_from_tickets(apps, schema_editor):
    Ticket = apps.get_model("org", "QueueTicket")
    DayCounter = apps.get_model("core", "DayCounter")
    days = (
        Ticket.objects.values("centre_id", "centre__region_id", "day")
        .annotate(last=Max("seq"))
        .order_by()
    )
    DayCounter.objects.bulk_create(
        [
            DayCounter(
                series=f"{SERIES}{row['centre_id']}",
                region=row["centre__region_id"],
                day=row["day"],
                last=row["last"],
            )
            for row in days
        ],
        batch_size=500,
    )


def counters_drop(apps, schema_editor):
    DayCounter = apps.get_model("core", "DayCounter")
    DayCounter.objects.filter(series__startswith=SERIES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("org", "0002_comprehensive_only_hours_and_townships"),
        ("core", "0002_day_counter"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="QueueTicket",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("day", models.DateField(verbose_name="day")),
                        ("seq", models.PositiveIntegerField(verbose_name="sequence")),
                        ("number", models.CharField(max_length=10, verbose_name="queue number")),
                        (
                            "purpose",
                            models.CharField(blank=True, max_length=200, verbose_name="purpose"),
                        ),
                        (
                            "purpose_ref",
                            models.CharField(blank=True, max_length=120, verbose_name="came for"),
                        ),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("waiting", "Waiting"),
                                    ("called", "Called to a window"),
                                    ("served", "Served"),
                                    ("absent", "Did not come"),
                                ],
                                default="waiting",
                                max_length=10,
                                verbose_name="status",
                            ),
                        ),
                        (
                            "served_ref",
                            models.CharField(
                                blank=True, max_length=120, verbose_name="served with"
                            ),
                        ),
                        (
                            "created_at",
                            models.DateTimeField(
                                default=django.utils.timezone.now, verbose_name="taken at"
                            ),
                        ),
                        (
                            "called_at",
                            models.DateTimeField(blank=True, null=True, verbose_name="called at"),
                        ),
                        (
                            "served_at",
                            models.DateTimeField(blank=True, null=True, verbose_name="served at"),
                        ),
                        (
                            "called_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "centre",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="queue_tickets",
                                to="org.servicecentre",
                            ),
                        ),
                        (
                            "department",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to="org.department",
                            ),
                        ),
                        (
                            "window",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to="org.window",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "queue ticket",
                        "verbose_name_plural": "queue tickets",
                        "ordering": ["day", "seq"],
                        "db_table": "cases_queueticket",
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("centre", "day", "seq"), name="cases_queue_seq"
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.AlterModelTable(name="queueticket", table=None),
        migrations.RemoveConstraint(model_name="queueticket", name="cases_queue_seq"),
        migrations.AddConstraint(
            model_name="queueticket",
            constraint=models.UniqueConstraint(
                fields=("centre", "day", "seq"), name="org_queue_seq"
            ),
        ),
        migrations.RunPython(counters_from_tickets, counters_drop),
    ]
