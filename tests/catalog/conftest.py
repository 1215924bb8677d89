"""Fixtures of the catalogue tests: the demo organisation and registries, then the catalogue."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from tests.factories import OTHER_REGION, worlds

SEED = Path(settings.BASE_DIR) / "data" / "seed"


def load_org() -> None:
    """Regions, department kinds (with item-code abbreviations) and departments of both regions,
    loaded by the org app's own seed step."""
    from onestop.org.seed import seed_org

    seed_org()

    seed_org(region=OTHER_REGION)


def load_registries() -> None:
    from onestop.credentials.seed import seed_licence_types
    from onestop.sharing.seed import seed_datasets

    seed_datasets()
    seed_licence_types()


def build_registries() -> None:
    load_org()
    load_registries()


def build_catalogue() -> None:
    from onestop.catalog.seed import seed_catalog

    build_registries()
    seed_catalog()
    seed_catalog(region=OTHER_REGION)


@worlds.fixture("org-registries", build_registries, value=lambda: None)
def registries(db: Any) -> None:
    worlds.use("org-registries")


@pytest.fixture
def document() -> dict[str, Any]:
    from onestop.catalog.seed import seed_document

    return seed_document()


@worlds.fixture("demo-catalogue", build_catalogue, value=lambda: None, includes=("org-registries",))
def catalogue(registries: None) -> None:
    """The demo catalogue of both regions, imported as the seed does."""
    worlds.use("demo-catalogue")
