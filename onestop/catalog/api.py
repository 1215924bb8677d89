"""Catalogue API: items and "one thing" scenarios of a region (default: this node's region)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja import Router
from ninja.pagination import LimitOffsetPagination, paginate

from onestop.catalog import selectors
from onestop.catalog.models import Item, Scenario
from onestop.catalog.schemas import ItemDetailOut, ItemOut, ScenarioDetailOut, ScenarioOut

router = Router(tags=["catalog"])


@router.get("/items", response=list[ItemOut])
@paginate(LimitOffsetPagination)
def items(  # noqa: PLR0917 - ninja reads the query filters from the signature
    request: HttpRequest,
    region: str | None = None,
    department: str | None = None,
    type: str | None = None,
    audience: str | None = None,
    scenario: str | None = None,
    theme: str | None = None,
) -> Any:
    """Items of a region; filter by department (code or kind), type, audience, scenario, theme."""
    return selectors.item_list(
        region=region or settings.NODE_REGION,
        department=department,
        type=type,
        audience=audience,
        scenario=scenario,
        theme=theme,
    )


@router.get("/items/{code}", response=ItemDetailOut)
def item(request: HttpRequest, code: str) -> Item:
    """One item with every standard element and its materials (with their data source)."""
    return selectors.item_get(code=code)


@router.get("/scenarios", response=list[ScenarioOut])
def scenarios(request: HttpRequest, region: str | None = None, audience: str | None = None) -> Any:
    """The "one thing" scenarios of a region."""
    return selectors.scenario_list(region=region or settings.NODE_REGION, audience=audience)


@router.get("/scenarios/{slug}", response=ScenarioDetailOut)
def scenario(request: HttpRequest, slug: str, region: str | None = None) -> Scenario:
    """One scenario: its items in order, variant questions, merged form and the comparison."""
    return selectors.scenario_get(region=region or settings.NODE_REGION, slug=slug)
