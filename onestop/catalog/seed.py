"""Demo-seed step of `catalog`: the catalogue and its "one thing" scenarios of the node's region.

data/seed/catalog.json is written for Wulian (371121); the same file is imported for every
region the node seeds (`org.seed.demo_regions`: its own and those under it), which remaps codes,
departments and the region's names in the guide text. A region gets the items whose competent
and implementing department kinds it has (data/seed/departments.json), and the scenarios whose
items it has; a scenario with `regions` in data/seed/scenarios.json belongs to those regions
only, and an entry of its `items` with a `region` is an item of that other region's node
(joint handling, 多地联办: the scenario-item link records the item's region and code).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings

from onestop.catalog.services import catalog_import
from onestop.core import seeding
from onestop.core.actors import SYSTEM
from onestop.org.seed import demo_regions
from onestop.org.selectors import department_list


def _read(name: str) -> Any:
    folder = Path(settings.BASE_DIR) / "data" / "seed"
    return json.loads((folder / name).read_text(encoding="utf-8"))


def seed_document(region: str | None = None) -> dict[str, Any]:
    """catalog.json with the scenarios of scenarios.json, as one import document; for a
    `region`, only what that region's departments provide and its scenarios."""
    document: dict[str, Any] = _read("catalog.json")
    document["scenarios"] = _read("scenarios.json")
    if region is None:
        document["scenarios"] = [s for s in document["scenarios"] if not s.get("regions")]
        return _prune(document)
    kinds = set(department_list(region=region).values_list("kind_id", flat=True))
    document["items"] = [
        item
        for item in document["items"]
        if item["competent_kind"] in kinds and item["implementing_kind"] in kinds
    ]
    names = {item["name_zh"] for item in document["items"]}
    document["scenarios"] = [
        scenario
        for scenario in document["scenarios"]
        if region in scenario.get("regions", [region])
        and all(
            entry["name_zh"] in names
            for entry in scenario["items"]
            if entry.get("region", region) == region
        )
    ]
    return _prune(document)


def _prune(document: dict[str, Any]) -> dict[str, Any]:
    """Drop the memberships and variants of the scenarios the document does not hold, and the
    `regions` key the importer does not know."""
    slugs = {scenario["slug"] for scenario in document["scenarios"]}
    for scenario in document["scenarios"]:
        scenario.pop("regions", None)
    for item in document["items"]:
        item["scenarios"] = [slug for slug in item.get("scenarios") or [] if slug in slugs]
    document["scenario_variants"] = {
        slug: questions
        for slug, questions in (document.get("scenario_variants") or {}).items()
        if slug in slugs
    }
    return document


@seeding.register(order=50, name="catalog")
def seed_catalog(region: str | None = None) -> str:
    """The catalogue of this node's region (or `region`) and of the regions under it."""
    results = [
        catalog_import(actor=SYSTEM, data=seed_document(code), region=code, fmt="json")
        for code in demo_regions(region)
    ]
    return "; ".join(result.summary() for result in results) or "no demo region"
