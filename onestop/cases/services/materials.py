"""The materials list of a top case, rebuilt from the selected items and shared data."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from onestop.cases import holdings
from onestop.cases.models import (
    Case,
    CaseMaterial,
)
from onestop.cases.selectors.items import item_materials, selected_items
from onestop.cases.services.common import (
    HANDED_IN,
    Mode,
)
from onestop.catalog.models import Material
from onestop.core.errors import full_clean


def _source(material: Material, status: str) -> str:
    if status == "licence":
        return f"licence:{material.source_licence}"
    if status == "held":
        if material.source_type == Material.Source.GENERATED:
            return "generated"
        return f"dataset:{material.source_dataset}"[:80]
    return ""


def materials_warm(*, applicant: Any, scenario: Any = None, item: Any = None) -> None:
    """Ask the department systems that hold datasets these materials come from (if any:
    `sharing.selectors.remote_sources`) whether they hold a record about `applicant`, BEFORE
    the caller's transaction: their answers are kept a few minutes (an unavailable system
    rests), so `materials_rebuild` inside the transaction waits on no network. Every item of
    the scenario is asked about (the answers may still change which apply). No query when no
    dataset lives elsewhere."""
    from onestop.catalog.selectors import scenario_items
    from onestop.sharing import selectors as sharing_selectors

    if applicant is None or not sharing_selectors.remote_sources():
        return
    items = scenario_items(scenario=scenario) if scenario is not None else [item]
    keys = {m.source_dataset for i in items if i is not None for m in i.materials.all()}
    sharing_selectors.holdings_of(subject=applicant, keys=keys)


def materials_warm_for(case: Case) -> None:
    """`materials_warm` for an existing draft (its applicant's account, its scenario or item)."""
    top = case.top
    if top.applicant_id is None:
        return
    materials_warm(applicant=top.applicant, scenario=top.scenario, item=top.item)


def _issued_here(entry: dict[str, Any], issued: dict[str, Any]) -> bool:
    """Whether another item of the same application issues the licence this material is."""
    licence = entry["material"].source_licence
    return bool(licence) and licence in issued and issued[licence].code not in entry["items"]


def materials_rebuild(case: Case) -> None:
    """(Re)build the top case's materials for the selected items. Uploads, papers checked at
    the window and pledges are kept while their key still applies; the rest is recomputed from
    `cases.holdings.materials_status` for the applicant's account (none at the window
    without one: everything but generated papers is then to hand in)."""
    top = case.top
    items = selected_items(case=top)
    materials = item_materials(items=items)
    applicant = top.applicant if top.applicant_id else None
    statuses = holdings.materials_status(actor=applicant, materials=materials)
    merged: dict[str, dict[str, Any]] = {}
    for material, status_row in zip(materials, statuses, strict=True):
        entry = merged.setdefault(
            material.key,
            {
                "name_zh": material.name_zh,
                "name_en": material.name_en,
                "items": [],
                "required": False,
                "key_material": False,
                "statuses": [],
                "material": material,
            },
        )
        if material.item.code not in entry["items"]:
            entry["items"].append(material.item.code)
        entry["required"] = entry["required"] or material.required
        entry["key_material"] = entry["key_material"] or material.key_material
        entry["statuses"].append((status_row["status"], material))
    wallet: dict[str, Any] = {}
    if applicant is not None:
        from onestop.credentials.selectors import wallet_list

        for held in wallet_list(holder=applicant).filter(revoked_at__isnull=True):
            wallet.setdefault(held.licence_type_id, held)
    # A licence one item of this application issues is not asked of the applicant for the
    # others (a new restaurant's food licence does not ask for the business licence the same
    # application registers): it is issued first, by the same bundle.
    from onestop.catalog.selectors import issued_licences

    issued = issued_licences(items=items)
    existing = {m.key: m for m in CaseMaterial.objects.filter(case=top)}
    for key, entry in merged.items():
        credential: Any = None
        mode: str
        found = [s for s, _m in entry["statuses"]]
        # "unavailable": a department system could not say now; handed in, or held on a
        # later rebuild once it answers (a draft save)
        if "to_submit" in found or "verify" in found or "unavailable" in found:
            mode, source, credential = Mode.MISSING, "", None
        elif "licence" in found:
            material = next(m for s, m in entry["statuses"] if s == "licence")
            mode, source = Mode.LICENCE, _source(material, "licence")
            credential = wallet.get(material.source_licence)
        else:
            material = entry["statuses"][0][1]
            mode, source, credential = Mode.HELD, _source(material, "held"), None
        if mode == Mode.MISSING and _issued_here(entry, issued):
            mode, source = Mode.HELD, f"issued:{entry['material'].source_licence}"[:80]
        row = existing.pop(key, None)
        if row is None:
            row = CaseMaterial(case=top, key=key)
        elif row.mode in HANDED_IN:
            mode, source, credential = row.mode, row.source, row.credential
        row.name_zh = entry["name_zh"][:300]
        row.name_en = (entry["name_en"] or "")[:300]
        row.items = entry["items"]
        row.required = entry["required"]
        row.key_material = entry["key_material"]
        row.mode = mode
        row.source = source
        row.credential = credential
        full_clean(row, exclude=["case"])
        row.save()
    CaseMaterial.objects.filter(pk__in=[m.pk for m in existing.values()]).delete()


def required_materials_missing(
    case: Case, allowed: Iterable[str], materials: list[CaseMaterial] | None = None
) -> list[str]:
    """The keys of the required materials not held in an `allowed` mode, in their order
    (`materials`: the top case's materials when the caller has just read them)."""
    allowed = set(allowed)
    if materials is None:
        materials = top_materials(case)
    return [m.key for m in materials if m.required and m.mode not in allowed]


def top_materials(case: Case) -> list[CaseMaterial]:
    """Every material of `case`'s top case, in their order (one query)."""
    return list(CaseMaterial.objects.filter(case=case.top).order_by("id"))
