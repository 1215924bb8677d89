"""The gauge cases adds to `/metrics` (core.metrics): cases by kind and status."""

from __future__ import annotations

from django.db.models import Count

from onestop.cases.models import Case
from onestop.core import metrics


@metrics.gauge("onestop_cases", "Cases by kind and status.", ["kind", "status"])
def cases_by_status() -> metrics.Rows:
    rows = Case.objects.values_list("kind", "status").annotate(n=Count("id")).order_by()
    return [((kind, status), n) for kind, status, n in rows]
