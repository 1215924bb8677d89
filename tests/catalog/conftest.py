"""Fixtures of the catalogue tests: the demo organisation and registries, then the catalogue."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

SEED = Path(settings.BASE_DIR) / "data" / "seed"


def load_org() -> None:
    """Regions, department kinds (with item-code abbreviations) and departments of both regions.

    Uses the org seed when it can run on its own; otherwise loads regions.json and
    departments.json, keeping one department per region and kind.
    """
    from onestop.org.models import Department, DepartmentKind, Region

    regions = json.loads((SEED / "regions.json").read_text(encoding="utf-8"))
    data = json.loads((SEED / "departments.json").read_text(encoding="utf-8"))
    abbr = json.loads((SEED / "catalog.json").read_text(encoding="utf-8"))["dept_abbr"]
    for row in regions:
        Region.objects.get_or_create(
            code=row["code"],
            defaults={
                "name_zh": row["name_zh"],
                "name_en": row["name_en"],
                "level": row["level"],
                "parent_id": row["parent"],
            },
        )
    for row in data["kinds"]:
        DepartmentKind.objects.get_or_create(
            key=row["key"],
            defaults={
                "name_zh": row["name_zh"],
                "name_en": row["name_en"],
                "abbr": abbr.get(row["key"], ""),
            },
        )
    seen: set[tuple[str, str]] = set()
    for row in data["departments"]:
        if (row["region"], row["kind"]) in seen:
            continue
        seen.add((row["region"], row["kind"]))
        Department.objects.get_or_create(
            code=row["code"],
            defaults={
                "name_zh": row["name_zh"],
                "name_en": row["name_en"],
                "region_id": row["region"],
                "kind_id": row["kind"],
            },
        )


def load_registries() -> None:
    from onestop.credentials.seed import seed_licence_types
    from onestop.sharing.seed import seed_datasets

    seed_datasets()
    seed_licence_types()


@pytest.fixture
def registries(db: Any) -> None:
    load_org()
    load_registries()


@pytest.fixture
def document() -> dict[str, Any]:
    from onestop.catalog.seed import seed_document

    return seed_document()


@pytest.fixture
def catalogue(registries: None, document: dict[str, Any]) -> None:
    """The demo catalogue of both regions, imported as the seed does."""
    from onestop.catalog.seed import seed_catalog

    seed_catalog()
