"""The gauge hotline adds to `/metrics` (core.metrics): 12345 work orders by status."""

from __future__ import annotations

from django.db.models import Count

from onestop.core import metrics
from onestop.hotline.models import WorkOrder


@metrics.gauge("onestop_hotline_orders", "12345 work orders by status.", ["status"])
def orders_by_status() -> metrics.Rows:
    rows = WorkOrder.objects.values_list("status").annotate(n=Count("id")).order_by()
    return [((status,), n) for status, n in rows]
