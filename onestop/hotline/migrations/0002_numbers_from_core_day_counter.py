"""Work-order numbers come from the one allocator (`core.numbering`): the hotline's own counter
rows move to `core.DayCounter` (series "hotline") and `TicketCounter` goes. Reversible."""

from django.db import migrations

SERIES = "hotline"


def to_core(apps, schema_editor):
    TicketCounter = apps.get_model("hotline", "TicketCounter")
    DayCounter = apps.get_model("core", "DayCounter")
    DayCounter.objects.bulk_create(
        DayCounter(series=SERIES, region=row.region, day=row.day, last=row.last)
        for row in TicketCounter.objects.all()
    )


def from_core(apps, schema_editor):
    TicketCounter = apps.get_model("hotline", "TicketCounter")
    DayCounter = apps.get_model("core", "DayCounter")
    rows = DayCounter.objects.filter(series=SERIES)
    TicketCounter.objects.bulk_create(
        TicketCounter(region=row.region, day=row.day, last=row.last) for row in rows
    )
    rows.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_day_counter"),
        ("hotline", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(to_core, from_core),
        migrations.DeleteModel(name="TicketCounter"),
    ]
