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

from onestop.accounts import selectors as accounts_selectors
from onestop.cases import holdings
from onestop.catalog import selectors as catalog_selectors
from onestop.core import throttle
from onestop.core.api import SessionAuth
from onestop.core.errors import ValidationFailed
from onestop.sharing import services as sharing_services
from onestop.sharing.schemas import MaterialStatusOut, PrefillIn, PrefillOut

router = Router(tags=["sharing"], auth=SessionAuth(gettext_lazy("Sign in to see your own data.")))


@router.get("/me/materials", response=list[MaterialStatusOut], summary="My materials")
def my_materials(
    request: HttpRequest, item: str | None = None, scenario: str | None = None
) -> list[dict[str, Any]]:
    """For an item (`item=<code>`) or a bundle (`scenario=<slug>`): each material, and whether
    the government already holds it (`held`), it is in your e-licence wallet (`licence`) or you
    hand it in (`to_submit`); `verify` while your identity is not verified (assurance level
    L1): whether it is held is not looked at until you verify; `unavailable` when the
    department system holding it cannot be reached now (upload it, or look again later).
    Reads nothing about you beyond that (no data is fetched, nothing is recorded)."""
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


@router.post("/me/prefill", response=PrefillOut, summary="Fill my form from government records")
def my_prefill(request: HttpRequest, payload: PrefillIn) -> dict[str, Any]:
    throttle.check(request, "prefill", key=f"user:{request.user.pk}")
    """For a bundle's merged form (`{"scenario": slug}`) or one item's form (`{"item": code}`):
    `fields`, what would be filled in and from which dataset (nothing read); `values`, the
    values fetched from government records about you, each with its source. A POST with the
    CSRF token: every fetch is recorded (see /me/data/), and the same fetch repeated within a
    few minutes is one record. Needs a verified identity (`verified`, assurance level L2 or
    more): otherwise each dataset is refused and recorded, `values` is empty and `message`
    says how to verify. `unavailable`: the sources (department systems) that could not be
    reached now; their fields are not in `values` (type them, or ask again later)."""
    user = request.user
    if bool(payload.item) == bool(payload.scenario):
        raise ValidationFailed(
            _("Give exactly one of item and scenario."),
            details={"item": payload.item, "scenario": payload.scenario},
        )
    if payload.item:
        item = catalog_selectors.item_get(code=payload.item)
        schema = catalog_selectors.items_form_schema(items=[item])
    else:
        found = catalog_selectors.scenario_get(
            region=settings.NODE_REGION, slug=str(payload.scenario)
        )
        schema = found.form_schema or {}
    result = holdings.prefill(actor=user, schema=schema, fetch=True) or {
        "plan": [],
        "verified": False,
        "fetched": False,
        "rows": [],
    }
    verified = bool(result["verified"])
    return {
        "verified": verified,
        "level": accounts_selectors.assurance_level(user),
        "fields": [
            {k: row[k] for k in ("key", "title_zh", "title_en", "dataset", "source")}
            for row in result["plan"]
        ],
        "values": {
            row["key"]: {"value": row["value"], "source": row["source"]} for row in result["rows"]
        },
        "message": "" if verified else str(sharing_services.REFUSALS["not_verified"]),
        "unavailable": list(result.get("unavailable", [])),
    }
