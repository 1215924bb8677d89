"""Catalogue API: items and "one thing" scenarios of a region (default: this node's region)."""

from enum import Enum
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja import Router
from ninja.pagination import paginate

from onestop.catalog import selectors
from onestop.catalog.models import Audience, Item, ItemType, Scenario
from onestop.catalog.schemas import ItemDetailOut, ItemOut, ScenarioDetailOut, ScenarioOut
from onestop.catalog.themes import THEME_KEYS
from onestop.core.api import BoundedLimitOffset

router = Router(tags=["catalog"])

# The allowed values, in the OpenAPI document as enums.
ItemTypeParam = Enum("ItemTypeParam", {v: v for v in ItemType.values}, type=str)  # type: ignore[misc]
AudienceParam = Enum("AudienceParam", {v: v for v in Audience.values}, type=str)  # type: ignore[misc]
ThemeParam = Enum("ThemeParam", {v: v for v in sorted(THEME_KEYS)}, type=str)  # type: ignore[misc]


@router.get("/items", response=list[ItemOut])
@paginate(BoundedLimitOffset)
def items(  # noqa: PLR0917 - ninja reads the query filters from the signature
    request: HttpRequest,
    region: str | None = None,
    department: str | None = None,
    type: ItemTypeParam | None = None,
    audience: AudienceParam | None = None,
    scenario: str | None = None,
    theme: ThemeParam | None = None,
) -> Any:
    """Items of a region; filter by department (code or kind), type, audience, scenario, theme."""
    return selectors.item_list(
        region=region or settings.NODE_REGION,
        department=department,
        type=type.value if type else None,
        audience=audience.value if audience else None,
        scenario=scenario,
        theme=theme.value if theme else None,
    )


@router.get("/items/{code}", response=ItemDetailOut)
def item(request: HttpRequest, code: str) -> Item:
    """One item with every standard element and its materials (with their data source)."""
    return selectors.item_get(code=code)


@router.get("/scenarios", response=list[ScenarioOut])
def scenarios(
    request: HttpRequest, region: str | None = None, audience: AudienceParam | None = None
) -> Any:
    """The "one thing" scenarios of a region."""
    return selectors.scenario_list(
        region=region or settings.NODE_REGION, audience=audience.value if audience else None
    )


@router.get("/scenarios/{slug}", response=ScenarioDetailOut)
def scenario(request: HttpRequest, slug: str, region: str | None = None) -> Scenario:
    """One scenario: its items in order, variant questions, merged form and the comparison."""
    return selectors.scenario_get(region=region or settings.NODE_REGION, slug=slug)
