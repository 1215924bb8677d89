"""Case numbers come from the one allocator (`core.numbering`): the cases' own counter rows
move to `core.DayCounter` (series "cases") and `CaseCounter` goes. Reversible."""

from django.db import migrations

SERIES = "cases"


def to_core(apps, schema_editor):
    CaseCounter = apps.get_model("cases", "CaseCounter")
    DayCounter = apps.get_model("core", "DayCounter")
    DayCounter.objects.bulk_create(
        DayCounter(series=SERIES, region=row.region, day=row.day, last=row.last)
        for row in CaseCounter.objects.all()
    )


def from_core(apps, schema_editor):
    CaseCounter = apps.get_model("cases", "CaseCounter")
    DayCounter = apps.get_model("core", "DayCounter")
    rows = DayCounter.objects.filter(series=SERIES)
    CaseCounter.objects.bulk_create(
        CaseCounter(region=row.region, day=row.day, last=row.last) for row in rows
    )
    rows.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_day_counter"),
        ("cases", "0002_prefill_values"),
    ]

    operations = [
        migrations.RunPython(to_core, from_core),
        migrations.DeleteModel(name="CaseCounter"),
    ]
