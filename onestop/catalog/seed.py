"""Demo-seed step of `catalog`: the catalogue and its "one thing" scenarios for both demo regions.

data/seed/catalog.json is written for Wulian (371121); the same file is imported for Ganyu
(320707), which remaps codes, departments and the region's names in the guide text.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings

from onestop.catalog.services import catalog_import
from onestop.core import seeding
from onestop.core.actors import SYSTEM

DEMO_REGIONS = ("371121", "320707")


def seed_document() -> dict[str, Any]:
    """catalog.json with the scenarios of scenarios.json, as one import document."""
    folder = Path(settings.BASE_DIR) / "data" / "seed"
    document: dict[str, Any] = json.loads((folder / "catalog.json").read_text(encoding="utf-8"))
    document["scenarios"] = json.loads((folder / "scenarios.json").read_text(encoding="utf-8"))
    return document


@seeding.register(order=50, name="catalog")
def seed_catalog() -> str:
    document = seed_document()
    results = [
        catalog_import(actor=SYSTEM, data=document, region=region, fmt="json")
        for region in DEMO_REGIONS
    ]
    return "; ".join(result.summary() for result in results)
