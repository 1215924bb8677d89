"""The signed-in person's holdings through the API (/api/v1/me/...): the materials they need
not hand in, and form values pre-filled from government records (`cases.holdings`). Session
authentication. Moved here from `sharing.api`: composing them reads the catalogue, which
`sharing` (on the catalogue's floor) does not import."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Router

from onestop.cases import holdings
from onestop.catalog import selectors as catalog_selectors
from onestop.core.api import SessionAuth
from onestop.core.errors import ValidationFailed
from onestop.sharing import selectors as sharing_selectors
from onestop.sharing import services as sharing_services
from onestop.sharing.schemas import MaterialStatusOut, PrefillValueOut

router = Router(tags=["sharing"], auth=SessionAuth(gettext_lazy("Sign in to see your own data.")))


@router.get("/me/materials", response=list[MaterialStatusOut], summary="My materials")
def my_materials(
    request: HttpRequest, item: str | None = None, scenario: str | None = None
) -> list[dict[str, Any]]:
    """For an item (`item=<code>`) or a bundle (`scenario=<slug>`): each material, and whether
    the government already holds it (`held`), it is in your e-licence wallet (`licence`) or you
    hand it in (`to_submit`)."""
    user = request.user
    if bool(item) == bool(scenario):
        raise ValidationFailed(
            _("Give exactly one of the parameters item and scenario."),
            details={"item": item, "scenario": scenario},
        )
    if item:
        materials = list(catalog_selectors.item_get(code=item).materials.all())
    else:
        found = catalog_selectors.scenario_get(region=settings.NODE_REGION, slug=str(scenario))
        items = catalog_selectors.scenario_items(scenario=found)
        materials = [m for i in items for m in i.materials.all()]
    return holdings.materials_status(actor=user, materials=materials)


@router.get("/me/prefill", response=dict[str, PrefillValueOut], summary="My pre-filled form")
def my_prefill(request: HttpRequest, scenario: str) -> dict[str, dict[str, Any]]:
    """Values of the bundle's merged form fetched from government records about you, each with
    its source. Every fetch is recorded (see /me/data/)."""
    user = request.user
    found = catalog_selectors.scenario_get(region=settings.NODE_REGION, slug=scenario)
    fields = sharing_selectors.schema_prefill_fields(found.form_schema or {})
    return sharing_services.prefill(actor=user, fields=fields)
