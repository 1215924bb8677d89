"""The queue ticket moves to `org`, step 2: each ticket's plain references are copied from its
links to the catalogue's scenario / item and to the case (see 0005). Reversible: the links
are found again from the references."""

import uuid

from django.db import migrations

BATCH = 500


def to_references(apps, schema_editor):
    Ticket = apps.get_model("cases", "QueueTicket")
    rows = Ticket.objects.select_related("scenario", "item").order_by("pk")
    changed = []
    for ticket in rows.iterator(chunk_size=BATCH):
        if ticket.scenario_id is not None:
            ticket.purpose_ref = f"scenario:{ticket.scenario.slug}"
        elif ticket.item_id is not None:
            ticket.purpose_ref = f"item:{ticket.item.code}"
            ticket.department_id = ticket.item.implementing_department_id
        if ticket.case_id is not None:
            ticket.served_ref = f"case:{ticket.case_id}"
        if ticket.purpose_ref or ticket.served_ref:
            changed.append(ticket)
    Ticket.objects.bulk_update(
        changed, ["purpose_ref", "department", "served_ref"], batch_size=BATCH
    )


def _case_id(served_ref):
    kind, _sep, key = served_ref.partition(":")
    try:
        return uuid.UUID(key) if kind == "case" else None
    except ValueError:
        return None


def from_references(apps, schema_editor):
    Ticket = apps.get_model("cases", "QueueTicket")
    Scenario = apps.get_model("catalog", "Scenario")
    Item = apps.get_model("catalog", "Item")
    Case = apps.get_model("cases", "Case")
    changed = []
    rows = Ticket.objects.select_related("centre").exclude(purpose_ref="", served_ref="")
    for ticket in rows.order_by("pk").iterator(chunk_size=BATCH):
        kind, _sep, key = ticket.purpose_ref.partition(":")
        if kind == "scenario":
            ticket.scenario = Scenario.objects.filter(
                region_id=ticket.centre.region_id, slug=key
            ).first()
        elif kind == "item":
            ticket.item = Item.objects.filter(code=key).first()
        case_id = _case_id(ticket.served_ref)
        if case_id is not None:
            ticket.case = Case.objects.filter(pk=case_id).first()
        changed.append(ticket)
    Ticket.objects.bulk_update(changed, ["scenario", "item", "case"], batch_size=BATCH)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0005_queueticket_reference_columns"),
        ("catalog", "0003_optional_json_elements"),
    ]

    operations = [
        migrations.RunPython(to_references, from_references),
    ]
