"""Burden figures of a scenario from real cases: `GET /api/v1/scenarios/{slug}/burden`, and
the panel on the scenario page (registry slot ``scenario``; this module is imported with the
root URLconf, so the provider is registered before the first request)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja import Router

from onestop.cases import burden
from onestop.cases.schemas import BurdenOut
from onestop.catalog import selectors as catalog_selectors
from onestop.web import registry

router = Router(tags=["cases"])


@router.get("/scenarios/{slug}/burden", response=BurdenOut)
def scenario_burden(request: HttpRequest, slug: str, region: str | None = None) -> Any:
    """What applying for the bundle cost its applicants against applying item by item.

    `baseline`: the catalogue's item-by-item figures (every item's materials, the sum of
    on-site visits and of promised working days, one form per item). `bundled`: the MEAN over
    the scenario's completed cases of the materials handed in (held data and e-licences count
    0), visits, working days from acceptance to completion on the official calendar, forms
    (one merged form) and fields typed. `cases`: how many completed cases (0: bundled figures
    are null). 404 for a scenario the region does not have."""
    scenario = catalog_selectors.scenario_get(region=region or settings.NODE_REGION, slug=slug)
    return burden.scenario_burden(scenario=scenario)


@registry.provides("scenario")
def scenario_panel(request: HttpRequest, *, scenario: Any = None, **kwargs: Any) -> dict[str, Any]:
    """The burden panel of the scenario page (template `cases/_burden_panel.html`)."""
    if scenario is None:
        return {}
    return {"burden": burden.scenario_burden(scenario=scenario)}
