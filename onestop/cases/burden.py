"""Burden figures of a scenario: what applying for the bundle really cost its applicants,
against the item-by-item baseline of the catalogue.

- baseline (`catalog.selectors.scenario_comparison`, item by item): every item's materials,
  the sum of the items' on-site visits, the sum of their promised working days, one form per
  item;
- bundled: the MEAN over the scenario's COMPLETED bundle cases (rounded to one decimal) of
  the materials the applicant handed in (`materials_submitted`: uploaded or checked on paper;
  held data and e-licences count 0 — a material is held by its dataset's source, whatever its
  kind: this node's records, a department system, and so a peer's adapter, through
  `sharing.selectors.holdings_of`), the visits to a service centre (`visits`), the working
  days elapsed from acceptance to completion on the official calendar (supplement waits
  included: it is what the applicant lived through), the forms filled (one merged form), and
  the fields the applicant typed (`fields_typed`: not pre-filled, or pre-filled and changed);
- cases: how many completed cases the means come from (0: every `bundled` figure is null).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Avg, Count
from django.utils import timezone

from onestop.cases.models import Case
from onestop.catalog.models import Scenario
from onestop.catalog.selectors import scenario_comparison
from onestop.core import calendar

KEYS = ("materials", "visits", "days", "forms")


def _mean(values: list[int]) -> float:
    return round(sum(values) / len(values), 1) if values else 0.0


def _working_days(pairs: list[tuple[datetime.date, datetime.date]]) -> list[int]:
    """Working days after each start up to and including its end, from one pass over the
    calendar (prefix counts), however many cases there are."""
    if not pairs:
        return []
    first = min(min(a, b) for a, b in pairs)
    last = max(max(a, b) for a, b in pairs)
    prefix: dict[datetime.date, int] = {}
    count = 0
    day = first
    while day <= last:
        if day != first and calendar.is_working_day(day):
            count += 1
        prefix[day] = count
        day += datetime.timedelta(days=1)
    return [max(0, prefix[b] - prefix[a]) for a, b in pairs]


def completed_cases(*, scenario: Scenario) -> Any:
    return Case.objects.filter(
        kind=Case.Kind.BUNDLE,
        scenario=scenario,
        status=Case.Status.COMPLETED,
        accepted_at__isnull=False,
        completed_at__isnull=False,
    )


def scenario_burden(*, scenario: Scenario) -> dict[str, Any]:
    """{"baseline": {materials, visits, days, forms}, "bundled": {the same, fields_typed},
    "cases": N} — see the module docstring."""
    comparison = scenario_comparison(scenario=scenario)
    before = comparison["item_by_item"]
    baseline = {key: before[key] for key in KEYS}
    cases = completed_cases(scenario=scenario)
    totals = cases.aggregate(
        n=Count("pk"),
        materials=Avg("materials_submitted"),
        visits=Avg("visits"),
        fields=Avg("fields_typed"),
    )
    n = int(totals["n"] or 0)
    if not n:
        empty = dict.fromkeys((*KEYS, "fields_typed"))
        return {"baseline": baseline, "bundled": empty, "cases": 0}
    pairs = [
        (timezone.localdate(accepted), timezone.localdate(completed))
        for accepted, completed in cases.values_list("accepted_at", "completed_at")
    ]
    bundled = {
        "materials": round(float(totals["materials"] or 0), 1),
        "visits": round(float(totals["visits"] or 0), 1),
        "days": _mean(_working_days(pairs)),
        "forms": 1,
        "fields_typed": round(float(totals["fields"] or 0), 1),
    }
    return {"baseline": baseline, "bundled": bundled, "cases": n}
