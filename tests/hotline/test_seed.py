"""The hotline seed steps make the catalogue and demo orders once; a second run changes
nothing."""

from __future__ import annotations

from onestop.hotline.models import Category, TimeLimitClass, WorkOrder, WorkOrderEvent
from onestop.hotline.seed import seed_catalogue, seed_demo_orders


def test_seed_is_idempotent(world):
    assert seed_catalogue() == "0 changed"
    assert TimeLimitClass.objects.get(key="general").resolve == "5wd"
    leaf = Category.objects.get(code="labor.wage-arrears")
    assert (leaf.parent_id, leaf.default_kind_id, leaf.time_limit_class_id) == (
        "labor",
        "human-resources-social-security",
        "investigation",
    )
    assert seed_demo_orders() == "4 demo work orders created"
    statuses = sorted(WorkOrder.objects.values_list("status", flat=True))
    assert statuses == ["answered", "closed", "in_progress", "new"]
    events = WorkOrderEvent.objects.count()
    assert seed_demo_orders() == "0 demo work orders created"
    assert WorkOrder.objects.count() == 4
    assert WorkOrderEvent.objects.count() == events
